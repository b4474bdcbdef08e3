import sys

import click
from flask.cli import with_appcontext

from lms.plugins import hookimpl
from lms.xapi import delivery, jobs, services


@click.group("xapi")
def xapi_cli() -> None:
    """xAPI statements and their delivery to Learning Record Stores."""


@xapi_cli.command("send")
@with_appcontext
def send() -> None:
    """Send the pending statements to every configured LRS; exit 1 on failures."""
    if not services.enabled():
        click.echo("xAPI is off: set LMS_XAPI_LRS to send statements to a Learning Record Store.")
        return
    outcomes = jobs.send.run()
    for store, outcome in outcomes.items():
        click.echo(f"{store}: {outcome.sent} sent, {outcome.failed} failed.")
        for reason in outcome.errors:
            click.echo(f"  {reason}", err=True)
    sys.exit(1 if any(outcome.failed for outcome in outcomes.values()) else 0)


@xapi_cli.command("status")
@with_appcontext
def status() -> None:
    """Statements pending, sent and given up, per LRS."""
    for store, counted in delivery.counts().items():
        click.echo(
            f"{store}: {counted['waiting'] + counted['retrying']} pending "
            f"({counted['retrying']} after a failed try), {counted['sent']} sent, "
            f"{counted['failed']} failed."
        )


@hookimpl
def lms_cli():
    return [xapi_cli]
