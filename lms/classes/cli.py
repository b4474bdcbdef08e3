"""``lms classes …``: the reminders the job queue sends hourly, in the foreground."""

import click
from flask.cli import with_appcontext

from lms.classes import jobs
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
    told = jobs.remind(hours)
    click.echo(f"reminders: {told}")


@hookimpl
def lms_cli():
    return [classes_cli]
