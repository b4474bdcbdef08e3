import click
from flask.cli import with_appcontext

from lms.extensions import db
from lms.learning import jobs
from lms.notifications import services as notifications
from lms.plugins import hookimpl


@click.group("assignments")
def assignments_cli() -> None:
    """Module assignments from positions' curricula, due dates and recertification."""


@assignments_cli.command("sync")
@with_appcontext
def sync() -> None:
    """Bring everyone's assignments up to date, tell people what fell due, send e-mail.

    Idempotent; the job queue runs the same daily soon after midnight (``lms worker``), and
    every change runs it for the people it concerns. It flags the modules that cite a legal
    instrument no longer (or not yet) in force, and rebuilds the dashboards' summary rows for
    the new day; until then the dashboards aggregate live.
    """
    day = jobs.sync_day()
    result, told, flags = day.sync, day.told, day.flags
    sent, failed = notifications.send_pending_email()
    db.session.commit()
    click.echo(
        f"Assignments: {result.assigned} assigned, {result.updated} updated, "
        f"{result.retired} retired. Notifications: {told} due-date notices. "
        f"Legal register: {flags.modules} module(s) to review ({flags.added} newly flagged, "
        f"{flags.cleared} flag(s) cleared). E-mail: {sent} sent, {failed} failed."
    )


@hookimpl
def lms_cli():
    return [assignments_cli]
