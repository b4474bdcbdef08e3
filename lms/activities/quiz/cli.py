import click
from flask.cli import with_appcontext

from lms.assessment.jobs import close_overdue as closing


@click.group("quizzes")
def quizzes_cli() -> None:
    """Quiz attempts."""


@quizzes_cli.command("close-overdue")
@with_appcontext
def close_overdue() -> None:
    """Finish every attempt whose time ran out, grading what was saved before the deadline."""
    finished = closing.run()
    click.echo(f"{finished} overdue attempt(s) closed.")
