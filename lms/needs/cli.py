"""``lms needs ...``: load the default framework, refresh the stored gaps (daily, so that
expired evidence stops counting in the planners' report)."""

import click
from flask.cli import with_appcontext

from lms.extensions import db
from lms.needs import jobs, services
from lms.plugins import hookimpl


@click.group("needs")
def needs_cli() -> None:
    """Competency needs: the framework and everyone's gaps."""


@needs_cli.command("load-framework")
@with_appcontext
def load_framework() -> None:
    """Add the default competency framework (what is already there is kept)."""
    added = services.load_framework()
    db.session.commit()
    click.echo(f"Competencies added: {added}.")


@needs_cli.command("refresh")
@with_appcontext
def refresh() -> None:
    """Recompute everyone's gaps from today's standards and evidence (the daily job)."""
    stored = jobs.refresh.run()
    click.echo(f"Gaps stored: {stored}.")


@hookimpl
def lms_cli():
    return [needs_cli]
