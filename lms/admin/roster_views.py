"""Admin screens of the HR roster import: upload and dry run, the import job's progress and
results, templates, activation links."""

import logging
from types import SimpleNamespace

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from lms.accounts import activation
from lms.admin import bp
from lms.core.db import end_read_transaction
from lms.core.edge import commit
from lms.core.forms import Form
from lms.extensions import db
from lms.org import jobs, roster

log = logging.getLogger(__name__)

# The results table lists at most this many rows (errors first); the counts cover all.
SHOWN_ROWS = roster.REPORT_ROWS


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


def _page(form, status: int = 200, results=None):
    return render_template(
        "admin/roster_import.html",
        form=form,
        results=results,
        status_labels=roster.STATUS_LABELS,
        max_mib=f"{roster.max_bytes() / 1048576:g}",
    ), status


@bp.route("/roster", methods=["GET", "POST"])
def roster_import():
    """A dry run answers at once; applying queues a job and shows its page."""
    form = RosterUploadForm(dry_run=True)
    if not form.validate_on_submit():
        return _page(form, 422 if form.errors else 200)
    upload = form.file.data
    end_read_transaction(db.session)
    try:
        data = roster.read_file(upload.stream)
        table = roster.read_roster(data)
    except roster.RosterFileError as error:
        form.file.errors.append(error.message)
        return _page(form, 422)
    actor = current_user._get_current_object()
    source = upload.filename or ""
    if form.dry_run.data:
        report = roster.RosterRun(actor, table, dry_run=True, source=source).report
        db.session.rollback()
        return _page(
            form,
            results=SimpleNamespace(
                dry_run=True,
                counts=report.counts,
                has_errors=report.has_errors,
                rows=report.problems_first()[:SHOWN_ROWS],
                total=len(report.rows),
                links_url=None,
            ),
        )
    job_id = commit(
        lambda: roster.queue_job(actor, data, source=source, total_rows=len(table.rows))
    ).value.id
    try:
        jobs.import_roster.enqueue(job_id)
    except Exception:  # the job stays queued: the queue's recovery takes it once it is back
        log.exception("Roster import job %s could not be enqueued", job_id)
    return redirect(url_for("admin.roster_job", import_id=job_id))


@bp.route("/roster/imports/<int:import_id>")
def roster_job(import_id: int):
    """An import job: its progress while it runs, then its results. A script on the page
    asks for the progress as JSON to move the bar; without it, the admin reloads. A job not
    heard from for a while (no worker running, or its worker died) says so, and goes on
    when a worker takes it."""
    job = roster.get_job(import_id)
    if job is None:
        abort(404)
    interrupted = roster.is_interrupted(job)
    running = not job.finished
    if request.accept_mimetypes.best == "application/json":
        return jsonify(
            running=running,
            done=job.rows_done,
            total=job.total_rows,
            text=_(
                "%(done)s of %(total)s rows processed",
                done=format_decimal(job.rows_done),
                total=format_decimal(job.total_rows),
            ),
        )
    report = job.report or {}
    links_url = None
    if report.get("created_user_ids"):
        links_url = url_for("admin.roster_links", import_id=job.id)
    results = None
    if job.status == "done":
        results = SimpleNamespace(
            dry_run=False,
            counts=job.counts,
            has_errors=job.error_count > 0,
            rows=report.get("rows", []),
            total=job.total_rows,
            links_url=links_url,
        )
    return render_template(
        "admin/roster_job.html",
        job=job,
        running=running,
        interrupted=interrupted,
        done=format_decimal(job.rows_done),
        total=format_decimal(job.total_rows),
        links_url=links_url,
        results=results,
        status_labels=roster.STATUS_LABELS,
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


def _links(user_ids: list[int] | None, name: str) -> Response:
    if user_ids is None:
        abort(404)
    return _download(
        roster.links_csv(activation.activation_links(user_ids)),
        f"lien-ket-kich-hoat-{name}.csv",
        "text/csv",
    )


@bp.route("/roster/imports/<int:import_id>/links.csv")
def roster_links(import_id: int):
    """Activation links of the accounts an import job created that have no password yet.
    Each download signs fresh links, valid for ``LMS_ACTIVATION_DAYS`` from now."""
    return _links(roster.created_user_ids_of_job(import_id), str(import_id))


@bp.route("/roster/audit/<int:import_id>/links.csv")
def roster_audit_links(import_id: int):
    """The same for an import made with ``lms users import`` (no job), named by the id of
    its audit entry."""
    return _links(roster.created_user_ids_of(import_id), f"a{import_id}")
