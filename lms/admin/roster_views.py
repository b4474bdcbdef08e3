"""Admin screens of the HR roster import: upload, per-row results, templates, activation links."""

from flask import Response, abort, render_template, stream_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from lms.accounts import activation
from lms.admin import bp
from lms.core.forms import Form
from lms.extensions import db
from lms.org import roster

# The results table lists at most this many rows (errors first); the counts cover all.
SHOWN_ROWS = 1000


class RosterUploadForm(Form):
    file = FileField(
        _l("Roster file (.xlsx or .csv)"),
        validators=[FileRequired(_l("Choose a file to import."))],
        render_kw={"accept": ".xlsx,.csv,text/csv"},
    )
    dry_run = BooleanField(_l("Dry run: check the file and show the results, change nothing"))


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _page(form, status: int = 200, **context):
    context.setdefault("report", None)
    context.setdefault("steps", None)
    return render_template("admin/roster_import.html", **_context(form, **context)), status


def _context(form, **context) -> dict:
    return {
        "form": form,
        "shown_rows": SHOWN_ROWS,
        "max_mib": f"{roster.max_bytes() / 1048576:g}",
        **context,
    }


def _apply_and_commit(run: roster.RosterImport):
    yield from run.apply()
    db.session.commit()


@bp.route("/roster", methods=["GET", "POST"])
def roster_import():
    form = RosterUploadForm(dry_run=True)
    if not form.validate_on_submit():
        return _page(form, 422 if form.errors else 200)
    upload = form.file.data
    try:
        table = roster.read_roster(upload.read(roster.max_bytes() + 1))
    except roster.RosterFileError as error:
        form.file.errors.append(error.message)
        return _page(form, 422)
    run = roster.RosterImport(
        current_user._get_current_object(),
        table,
        dry_run=form.dry_run.data,
        source=upload.filename or "",
    )
    if run.report.dry_run:
        db.session.rollback()
        return _page(form, report=run.report)
    # Applying thousands of rows takes a while: the page streams, showing progress lines
    # while the rows are written, then the summary and results once they are committed.
    return Response(
        stream_template(
            "admin/roster_import.html",
            **_context(form, report=run.report, steps=_apply_and_commit(run), total=run.total),
        )
    )


@bp.route("/roster/template.<any(csv, xlsx):kind>")
def roster_template(kind: str):
    if kind == "xlsx":
        return _download(
            roster.template_xlsx(),
            "mau-danh-sach-nhan-su.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    return _download(roster.template_csv(), "mau-danh-sach-nhan-su.csv", "text/csv")


@bp.route("/roster/imports/<int:import_id>/links.csv")
def roster_links(import_id: int):
    """Activation links of the accounts an import created that have no password yet. Each
    download signs fresh links, valid for ``LMS_ACTIVATION_DAYS`` from now."""
    user_ids = roster.created_user_ids_of(import_id)
    if user_ids is None:
        abort(404)
    return _download(
        roster.links_csv(activation.activation_links(user_ids)),
        f"lien-ket-kich-hoat-{import_id}.csv",
        "text/csv",
    )
