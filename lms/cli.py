"""The ``lms`` console script: Flask's commands plus every domain's groups, and the core's
own ``lms init``, ``lms worker`` and ``lms static compress``."""

import logging
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade

from lms import create_app
from lms.core import jobs, static
from lms.core.backup import BackupError, backup
from lms.extensions import db
from lms.needs.services import load_framework
from lms.org.reference import seed_reference_data
from lms.plugins import hookimpl


def lms_command(app_factory=create_app) -> FlaskGroup:
    """The ``lms`` command over the application ``app_factory`` builds: Flask's commands
    (run, shell, routes, db) and those every plugin gives through the ``lms_cli`` hook."""
    return FlaskGroup(create_app=app_factory, help="Digital-skills LMS management.")


def main() -> None:
    lms_command().main(prog_name="lms")


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Upgrade the database schema to the latest version and seed reference data (the org
    unit kinds and the default competency framework)."""
    upgrade()
    added = seed_reference_data()
    competencies = load_framework()
    db.session.commit()
    click.echo(
        f"Schema up to date; reference data: {added} rows added; "
        f"competency framework: {competencies} competencies added."
    )


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Back up the database to FILE (a new file) while the site runs.

    SQLite: a consistent copy made with SQLite's online backup API, one file to put in
    place of the database. PostgreSQL: runs pg_dump --format=custom, for pg_restore.
    Uploaded media is in the database. See docs/operations.md for restoring."""
    try:
        made = backup(db.engine.url, file)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backed up the database to {made.path} ({made.size:,} bytes, {made.method}).")


@click.command("worker")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Tasks run at once (threads).",
)
@with_appcontext
def worker_command(workers: int) -> None:
    """Run the job queue's worker: roster imports, and the periodic tasks (daily sync, needs,
    reminders, overdue quizzes, e-mail). Stop it with Ctrl+C or SIGTERM."""
    app = current_app._get_current_object()
    # huey's own log (tasks taken, done, failed) beside the application's.
    huey_log = logging.getLogger("huey")
    huey_log.setLevel(app.config["LMS_LOG_LEVEL"])
    huey_log.handlers = logging.getLogger("lms").handlers
    huey_log.propagate = False
    jobs.run_worker(app, workers=workers)


@click.group("static")
def static_group() -> None:
    """Static files."""


@static_group.command("compress")
@with_appcontext
def compress_command() -> None:
    """Write gzip and brotli copies beside the static files changed since the last run, for
    browsers that accept them. Run it in a checkout after each update, before the server
    starts (the wheel's build has done it for an installed package)."""
    for endpoint, (folder, _prefix) in static.static_folders(current_app).items():
        click.echo(f"{endpoint}: {static.compress(folder)} files compressed in {folder}.")


@hookimpl
def lms_cli():
    # ``backup`` joins Flask-Migrate's ``db`` group (see lms.plugins.spec.lms_cli).
    return [
        init_command,
        worker_command,
        static_group,
        click.Group("db", commands=[backup_command]),
    ]
