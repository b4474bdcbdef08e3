"""A learner's certificates and transcript, and the public verification page."""

import json

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.certificates import bp, credentials, pdf, queries, transcript, verification
from lms.certificates.forms import VerifyFileForm
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
    sheet = transcript.sheet_of(
        certificate, verification.verify_url(certificate.code), clock.today()
    )
    return _pdf_response(pdf.certificate_pdf(sheet), f"{certificate.serial}.pdf")


@bp.route("/certificates/<int:certificate_id>.json")
@login_required
def certificate_credential(certificate_id: int):
    """The certificate as a signed Open Badges 3.0 credential."""
    certificate = queries.own_certificate(current_user, certificate_id)
    if certificate is None:
        abort(404)
    credential = credentials.signed_credential(
        certificate, verification.verify_url(certificate.code)
    )
    return Response(
        json.dumps(credential, ensure_ascii=False, indent=2),
        mimetype=credentials.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{certificate.serial}.json"'},
    )


def _public_json(document: dict, mimetype: str) -> Response:
    """A document any verifier may fetch, a script in another site's page included."""
    return Response(
        json.dumps(document, ensure_ascii=False),
        mimetype=mimetype,
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"},
    )


@bp.route("/.well-known/did.json")
@bp.route("/did.json")
def did_document():
    """The site's ``did:web`` document: the key its credentials are signed with. A site whose
    ``LMS_BASE_URL`` has a path (``did:web:host:path``) is resolved at ``<path>/did.json``."""
    return _public_json(credentials.did_document(), "application/did+json")


@bp.route("/credentials/status/<int:number>")
def status_list(number: int):
    """A signed Bitstring Status List: which credentials of the list are revoked."""
    if not 1 <= number <= credentials.status_lists():
        abort(404)
    return _public_json(credentials.status_list_credential(number), credentials.MEDIA_TYPE)


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


@bp.route("/verify", methods=["GET", "POST"])
@_verification_limit
def verify_form():
    form = VerifyFileForm()
    if request.method == "POST":
        return _file_verification(form)
    typed = request.args.get("code", "")
    if typed.strip():
        return _verification(typed)
    return render_template(
        "certificates/verify.html", code="", certificate=None, checked=False, form=form
    )


def _file_verification(form: VerifyFileForm):
    """A credential or PDF checked: its verdict, and the certificate's public facts."""
    data = form.content() if form.validate_on_submit() else None
    verdict = None
    if data is not None:
        verdict = verification.verify_file(
            data,
            method=credentials.verification_method(),
            public_key=credentials.signing_key().public_key(),
            today=clock.today(),
        )
    return render_template(
        "certificates/verify.html",
        code="",
        form=form,
        verdict=verdict,
        certificate=verdict.certificate if verdict else None,
        status=verdict.status if verdict else None,
        REVOKED=REVOKED,
        checked=False,
        title=_("Certificate verification"),
    ), (200 if verdict is not None else 422)


@bp.route("/verify/<code>")
@_verification_limit
def verify(code: str):
    return _verification(code)


def _verification(typed: str):
    certificate = queries.by_code(normalise_code(typed))
    status = certificate.status_on(clock.today()) if certificate is not None else None
    return render_template(
        "certificates/verify.html",
        form=VerifyFileForm(),
        code=typed[:64],
        certificate=certificate,
        status=status,
        REVOKED=REVOKED,
        checked=True,
        title=_("Certificate verification"),
    ), (200 if certificate is not None else 404)
