"""``lms classes …``: the reminders cron runs."""

from datetime import timedelta

import click
from flask.cli import with_appcontext

from lms.classes import services
from lms.extensions import db
from lms.plugins import hookimpl


@click.group("classes")
def classes_cli():
    """Training sessions."""


@classes_cli.command("remind")
@click.option(
    "--hours",
    default=24,
    show_default=True,
    type=click.IntRange(1, 24 * 14),
    help="Remind of time slots starting within this many hours.",
)
@with_appcontext
def remind_command(hours: int):
    """Remind the people enrolled of sessions starting soon (once per person and slot)."""
    told = services.send_reminders(ahead=timedelta(hours=hours))
    db.session.commit()
    click.echo(f"reminders: {told}")


@hookimpl
def lms_cli():
    return [classes_cli]
