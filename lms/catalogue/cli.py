import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.catalogue import services
from lms.catalogue.queries import all_modules
from lms.catalogue.stats import STANDARD, course_stats, framework_codes, table
from lms.extensions import db
from lms.plugins import hookimpl, registry
from lms.plugins.courses import discover, folder_source, id_clashes
from lms.plugins.manifest import load_course


@click.group("courses")
def courses_cli() -> None:
    """Course plugins: list, validate, figures, sync into the catalogue, export."""


def _discovered():
    return discover(current_app.config["LMS_COURSE_DIRS"])


def _folders(paths: tuple[Path, ...]) -> tuple[list[tuple[str, Path]], list]:
    """``(name, folder)`` of the given course folders, or of every discovered course, and
    a problem for each id that two of them claim."""
    if paths:
        sources = [folder_source(path) for path in paths]
        problems = id_clashes(sources)
    else:
        sources, problems = _discovered()
    return [(source.id, source.path) for source in sources], problems


@courses_cli.command("list")
@with_appcontext
def list_courses() -> None:
    """List discovered course plugins and the catalogue's modules."""
    sources, problems = _discovered()
    for source in sources:
        click.echo(f"{source.id:<40} {source.origin}")
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    click.echo(f"{len(sources)} course plugin(s) found.")
    for module, number in all_modules():
        state = "retired" if module.retired_at else f"version {number}"
        click.echo(f"  catalogue: {module.slug:<40} {state}")
    sys.exit(1 if problems else 0)


@courses_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def validate(paths: tuple[Path, ...]) -> None:
    """Check course folders (default: every discovered course) without writing anything."""
    folders, problems = _folders(paths)
    for problem in problems:
        click.echo(f"(discovery): {problem}")
    checked = 0
    for name, folder in folders:
        course, found = load_course(folder, registry())
        for problem in found:
            click.echo(f"{folder / problem.file}: {problem.field}: {problem.message}")
        problems.extend(found)
        checked += 1
        if course is not None:
            click.echo(f"ok: {name} ({len(course.activities)} activities)", err=True)
    click.echo(f"{checked} course(s) checked, {len(problems)} problem(s).", err=True)
    sys.exit(1 if problems else 0)


@courses_cli.command("stats")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def stats(paths: tuple[Path, ...]) -> None:
    """Lessons, words, questions and media per course and language (default: every
    discovered course), and whether each meets the standard; exit 1 if one falls short."""
    folders, problems = _folders(paths)
    for problem in problems:
        click.echo(f"(discovery): {problem}", err=True)
    codes, found, short = framework_codes(), [], {}
    for name, folder in folders:
        course, invalid = load_course(folder, registry())
        if course is None:
            short[name] = [f"{len(invalid)} problem(s), see lms courses validate {folder}"]
            continue
        found.append(course_stats(course, codes))
        if found[-1].shortfalls:
            short[course.id] = found[-1].shortfalls
    rows = table(found)
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [
            str(value).ljust(width) if i < 2 else str(value).rjust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        ]
        click.echo("  ".join(cells).rstrip())
    click.echo(f"\nStandard: {STANDARD}.")
    for module in found:
        if module.ok:
            click.echo(f"ok: {module.id} (competencies {', '.join(module.competencies)})")
    for name, reasons in short.items():
        click.echo(f"short: {name}")
        for reason in reasons:
            click.echo(f"  - {reason}")
    click.echo(f"{len(folders)} module(s) checked, {len(short)} short of the standard.")
    sys.exit(1 if short or problems else 0)


@courses_cli.command("sync")
@with_appcontext
def sync() -> None:
    """Load every discovered course into the catalogue (a new version only when changed)."""
    report = services.sync_courses(*_discovered(), registry())
    db.session.commit()
    for course_id, problems in report.failed.items():
        for problem in problems:
            click.echo(f"{course_id}: {problem}", err=True)
    if services.DISCOVERY in report.failed:
        click.echo(_("Nothing was synced: give each course an id of its own."), err=True)
    click.echo(
        f"{len(report.created)} created, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.retired)} retired, "
        f"{len(report.failed)} failed."
    )
    sys.exit(0 if report.ok else 1)


@courses_cli.command("export")
@click.argument("module_id")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export(module_id: str, destination: Path) -> None:
    """Write module MODULE_ID's latest version as a course plugin folder in DESTINATION."""
    try:
        folder = services.export_module(module_id, destination, registry())
    except LookupError as error:
        raise click.ClickException(f"no module with the id {module_id!r}") from error
    click.echo(f"Exported {module_id} to {folder}")


@hookimpl
def lms_cli():
    return [courses_cli]
