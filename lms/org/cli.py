"""``lms users import``: the HR roster import from the command line."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.accounts import activation
from lms.extensions import db
from lms.org import roster
from lms.plugins import hookimpl


def _base_url() -> str:
    configured = current_app.config.get("LMS_BASE_URL")
    return configured or f"http://127.0.0.1:{current_app.config['LMS_PORT']}"


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option(
    "--links",
    "links_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write the activation links of the accounts created to this CSV file.",
)
@click.option(
    "--base-url",
    default=None,
    help="Address of the site used in activation links (default: LMS_BASE_URL), "
    "e.g. https://hoctap.example.gov.vn.",
)
@with_appcontext
def import_users(file: Path, dry_run: bool, links_path: Path | None, base_url: str | None) -> None:
    """Import people, units and positions from an HR roster (CSV or XLSX).

    Columns: username, full_name, email, unit_code, position_codes (';'-separated),
    start_date, roles. Adds accounts, positions and roles; never ends a position or removes
    a role missing from the file. Exit code 1 when any row had an error.
    """
    try:
        with file.open("rb") as handle:
            table = roster.read_roster(roster.read_file(handle))
    except roster.RosterFileError as error:
        raise click.ClickException(f"{file}: {error.message}") from error
    if links_path is not None and not dry_run:
        _check_writable(links_path)
    report = roster.import_roster(None, table, dry_run=dry_run, source=file.name)
    for row in report.rows:
        if row.status == roster.ERROR:
            reasons = " ".join(str(message) for message in row.messages)
            click.echo(f"{file}:{row.line}: {row.username or '-'}: {reasons}")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    counts = report.counts
    click.echo(
        _(
            "Created: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d, "
            "errors: %(error)d.",
            **counts,
        )
    )
    if dry_run:
        click.echo(_("Dry run: nothing was written."))
    elif report.created_user_ids:
        links_url = (base_url or _base_url()).rstrip("/") + (
            f"/admin/roster/audit/{report.audit_id}/links.csv"
        )
        if links_path is None:
            click.echo(
                _(
                    "New accounts have no password yet. Their activation links can be "
                    "downloaded at %(url)s (next time, --links FILE writes them here).",
                    url=links_url,
                )
            )
        else:
            try:
                _write_links(report.created_user_ids, links_path, base_url or _base_url())
            except OSError as error:
                raise click.ClickException(
                    _(
                        "The accounts were imported, but their activation links could not be "
                        "written to %(path)s (%(reason)s). Download them at %(url)s.",
                        path=links_path,
                        reason=error.strerror or error,
                        url=links_url,
                    )
                ) from error
            click.echo(_("Activation links written to %(path)s.", path=links_path))
    click.get_current_context().exit(1 if report.has_errors else 0)


def _check_writable(path: Path) -> None:
    """Fail before the import writes anything when the links file cannot be written: by
    opening it to append, which changes nothing, and removing it again if it is new."""
    existed = path.exists()
    try:
        with path.open("ab"):
            pass
    except OSError as error:
        raise click.ClickException(
            _(
                "Cannot write the activation links to %(path)s (%(reason)s); nothing was imported.",
                path=path,
                reason=error.strerror or error,
            )
        ) from error
    if not existed:
        path.unlink()


def _write_links(user_ids: list[int], path: Path, base_url: str) -> None:
    with current_app.test_request_context("/", base_url=base_url):
        links = activation.activation_links(user_ids)
    path.write_bytes(roster.links_csv(links))


@hookimpl
def lms_cli():
    # Joins the ``users`` group of lms.accounts.cli (see lms.plugins.spec.lms_cli).
    return [click.Group("users", commands=[import_users])]
