import sys

import click
from flask.cli import with_appcontext

from lms.notifications import jobs, services
from lms.plugins import hookimpl


@click.group("notifications")
def notifications_cli() -> None:
    """Notifications and their e-mail."""


@notifications_cli.command("send-email")
@with_appcontext
def send_email() -> None:
    """Send the e-mail of pending notifications (needs LMS_SMTP_HOST); exit 1 on failures."""
    if not services.email_enabled():
        click.echo("E-mail is off: set LMS_SMTP_HOST to send notifications by e-mail.")
        return
    sent, failed = jobs.send_email.run()
    click.echo(f"E-mail: {sent} sent, {failed} failed.")
    sys.exit(1 if failed else 0)


@hookimpl
def lms_cli():
    return [notifications_cli]
