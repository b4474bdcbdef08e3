"""A learner's certificates and transcript, and the public verification page."""

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.certificates import bp, pdf, queries, transcript
from lms.certificates.models import REVOKED
from lms.certificates.services import display_code, normalise_code
from lms.core import clock, tables
from lms.extensions import limiter


def _verify_limit() -> str:
    return current_app.config["LMS_VERIFY_LIMIT"]


# The form and the printed link count against one limit: two would double it.
_verification_limit = limiter.shared_limit(
    _verify_limit, scope="certificate-verification", override_defaults=False
)


def verify_url(code: str) -> str:
    """The absolute address of a certificate's public page, as printed on it."""
    base = current_app.config["LMS_BASE_URL"]
    path = url_for("certificates.verify", code=display_code(code))
    return (
        f"{base.rstrip('/')}{path}"
        if base
        else url_for("certificates.verify", code=display_code(code), _external=True)
    )


@bp.route("/certificates")
@login_required
def mine():
    return render_template(
        "certificates/certificate_list.html",
        certificates=queries.certificates_of(current_user),
        today=clock.today(),
        display_code=display_code,
    )


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_pdf(certificate_id: int):
    certificate = queries.own_certificate(current_user, certificate_id)
    if certificate is None:
        abort(404)
    sheet = transcript.sheet_of(certificate, verify_url(certificate.code), clock.today())
    return _pdf_response(pdf.certificate_pdf(sheet), f"{certificate.serial}.pdf")


def _pdf_response(content: bytes, filename: str) -> Response:
    return Response(
        content,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/transcript")
@login_required
def transcript_page():
    return render_template(
        "certificates/transcript.html",
        rows=transcript.rows_of(current_user, clock.today()),
    )


@bp.route("/transcript.csv")
@login_required
def transcript_csv():
    return tables.response(
        transcript.table_columns(),
        transcript.table_rows(current_user, clock.today()),
        fmt="csv",
        name="transcript",
    )


@bp.route("/transcript.pdf")
@login_required
def transcript_pdf():
    sheet = transcript.transcript_sheet(current_user, clock.today())
    return _pdf_response(pdf.transcript_pdf(sheet), "transcript.pdf")


@bp.route("/verify")
@_verification_limit
def verify_form():
    typed = request.args.get("code", "")
    if typed.strip():
        return _verification(typed)
    return render_template("certificates/verify.html", code="", certificate=None, checked=False)


@bp.route("/verify/<code>")
@_verification_limit
def verify(code: str):
    return _verification(code)


def _verification(typed: str):
    certificate = queries.by_code(normalise_code(typed))
    status = certificate.status_on(clock.today()) if certificate is not None else None
    return render_template(
        "certificates/verify.html",
        code=typed[:64],
        certificate=certificate,
        status=status,
        REVOKED=REVOKED,
        checked=True,
        title=_("Certificate verification"),
    ), (200 if certificate is not None else 404)
