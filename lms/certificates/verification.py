"""Verifying an uploaded file: an Open Badges credential this site issued or a signed PDF.

Every kind of file ends in one ``Verdict``, which the verification page shows the same way:
the status and, when the file is authentic, the certificate it is about (whose public facts
the page prints). A kind of file is one small function from bytes to a ``Verdict``.
"""

import json
from dataclasses import dataclass
from datetime import date

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from lms.certificates import dataintegrity, queries, signing
from lms.certificates.models import EXPIRED, REVOKED, VALID, Certificate
from lms.certificates.services import display_code, normalise_code

TAMPERED = "tampered"  # signed, but changed since (or signed by another key of ours)
UNSIGNED = "unsigned"  # no signature to check
FOREIGN = "foreign"  # signed by another issuer: nothing this site can vouch for
UNKNOWN = "unknown"  # authentic, but no such certificate here
UNREADABLE = "unreadable"  # not a credential or PDF at all

CREDENTIAL, PDF = "credential", "pdf"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A credential of this site is a few KiB; anything far larger is not one, and is not worth
# canonicalising.
MAX_CREDENTIAL_BYTES = 256 * 1024


def verify_url(code: str) -> str:
    """The absolute address of a certificate's public page, as printed on it."""
    base = current_app.config["LMS_BASE_URL"]
    path = url_for("certificates.verify", code=display_code(code))
    return (
        f"{base.rstrip('/')}{path}"
        if base
        else url_for("certificates.verify", code=display_code(code), _external=True)
    )


@dataclass(frozen=True)
class Verdict:
    status: str  # VALID, EXPIRED, REVOKED or one of the statuses above
    kind: str = CREDENTIAL  # CREDENTIAL or PDF
    certificate: Certificate | None = None  # only when the file is authentic
    reason: str | None = None  # why, for a file that is not authentic; translated

    @property
    def authentic(self) -> bool:
        return self.status in (VALID, EXPIRED, REVOKED)


def verify_file(data: bytes, *, method: str, public_key: Ed25519PublicKey, today: date) -> Verdict:
    """What ``data`` proves: a PDF goes to ``pdf_verdict``, anything else is read as a
    credential signed with ``public_key``, published as the verification method ``method``
    (``did:web:…#key-1``) of the site's DID."""
    if data.lstrip()[:5] == b"%PDF-":
        return pdf_verdict(data, today=today)
    return credential_verdict(data, method=method, public_key=public_key, today=today)


def _certificate_verdict(certificate: Certificate | None, kind: str, today: date) -> Verdict:
    if certificate is None:
        return Verdict(UNKNOWN, kind, reason=_l("No certificate of this site matches it."))
    return Verdict(certificate.status_on(today), kind, certificate)


def pdf_verdict(data: bytes, *, today: date) -> Verdict:
    """A certificate PDF's PAdES signature, checked against this site's signing certificate
    (``signing.verify_pdf``); when it is intact and ours, the certificate its metadata names."""
    signed = signing.verify_pdf(data, today)
    if signed.status == signing.VALID:
        return _certificate_verdict(signed.certificate, PDF, today)
    reasons = {
        signing.TAMPERED: _l("The PDF has been changed since it was signed."),
        signing.UNTRUSTED: _l("The PDF is signed, but not with this site's key."),
        signing.UNSIGNED: _l("The PDF carries no digital signature."),
        signing.UNREADABLE: _l("The file is not a PDF that can be read."),
    }
    statuses = {signing.TAMPERED: TAMPERED, signing.UNTRUSTED: FOREIGN, signing.UNSIGNED: UNSIGNED}
    return Verdict(statuses.get(signed.status, UNREADABLE), PDF, reason=reasons.get(signed.status))


def _issuer_of(credential: dict) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def credential_verdict(
    data: bytes, *, method: str, public_key: Ed25519PublicKey, today: date
) -> Verdict:
    """An Open Badges credential (JSON) with an ``eddsa-rdfc-2022`` proof by this site."""
    if len(data) > MAX_CREDENTIAL_BYTES:
        return Verdict(
            UNREADABLE, reason=_l("A credential of this site is never larger than 256 KiB.")
        )
    try:
        credential = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return Verdict(
            UNREADABLE,
            reason=_l("The file is neither a credential (JSON) nor a PDF certificate."),
        )
    types = credential.get("type") if isinstance(credential, dict) else None
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        return Verdict(UNREADABLE, reason=_l("The file is JSON but not a verifiable credential."))
    issuer = _issuer_of(credential)
    if issuer != method.split("#")[0]:
        return Verdict(
            FOREIGN,
            reason=_l(
                "The credential names another issuer (%(issuer)s): only credentials this site "
                "issued can be checked here.",
                issuer=str(issuer)[:200],
            ),
        )
    proof = credential.get("proof")
    if not isinstance(proof, dict):
        return Verdict(UNSIGNED, reason=_l("The credential carries no signature."))
    if proof.get("verificationMethod") != method:
        return Verdict(TAMPERED, reason=_l("The signature is not made with this site's key."))
    try:
        authentic = dataintegrity.verify(credential, public_key)
    except dataintegrity.UnknownContext:
        return Verdict(
            TAMPERED, reason=_l("The credential uses a vocabulary this site does not know.")
        )
    except dataintegrity.BadProof:
        return Verdict(TAMPERED, reason=_l("The credential has been changed since it was signed."))
    if not authentic:
        return Verdict(TAMPERED, reason=_l("The credential has been changed since it was signed."))
    identifier = credential.get("id")
    code = normalise_code(identifier.rsplit("/", 1)[-1]) if isinstance(identifier, str) else ""
    return _certificate_verdict(queries.by_code(code), CREDENTIAL, today)
