import click
from flask.cli import with_appcontext

from lms.assessment.services import finish_overdue
from lms.core import clock
from lms.extensions import db
from lms.plugins import registry


@click.group("quizzes")
def quizzes_cli() -> None:
    """Quiz attempts."""


@quizzes_cli.command("close-overdue")
@with_appcontext
def close_overdue() -> None:
    """Finish every attempt whose time ran out, grading what was saved before the deadline."""
    finished = finish_overdue(registry().question_types, clock.now())
    db.session.commit()
    click.echo(f"{finished} overdue attempt(s) closed.")
