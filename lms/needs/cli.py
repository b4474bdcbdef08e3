"""``lms needs ...``: load the default framework, refresh the stored gaps (daily, so that
expired evidence stops counting in the planners' report)."""

import click

from lms.extensions import db
from lms.needs import bp, gaps, services


@bp.cli.command("load-framework")
def load_framework() -> None:
    """Add the default competency framework (what is already there is kept)."""
    added = services.load_framework()
    db.session.commit()
    click.echo(f"Competencies added: {added}.")


@bp.cli.command("refresh")
def refresh() -> None:
    """Recompute everyone's gaps from today's standards and evidence (the daily job)."""
    stored = gaps.refresh()
    db.session.commit()
    click.echo(f"Gaps stored: {stored}.")
