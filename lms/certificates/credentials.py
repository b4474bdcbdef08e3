"""Certificates as Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0), signed with
an ``eddsa-rdfc-2022`` Data Integrity proof by the site's ``did:web``, and the Bitstring
Status Lists that say which of them are revoked.

- The issuer is ``did:web:<host of LMS_BASE_URL>``; its DID document
  (``/.well-known/did.json``) publishes the Ed25519 key as a Multikey.
- The key is the PEM file ``LMS_CREDENTIAL_KEY``, or ``credential_key.pem`` in the instance
  folder, generated on first use.
- Each certificate has an entry (``Certificate.status_index``) in a status list served,
  signed, at ``/credentials/status/<n>``; revoking the certificate sets its bit.

A credential is built and signed when it is downloaded, from what the certificate copied at
issue, so it says what the PDF says.
"""

import base64
import contextlib
import gzip
from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app, request

from lms.catalogue.models import ModuleVersion
from lms.certificates import dataintegrity
from lms.certificates.models import MODULE, STATUS_LIST_SIZE, Certificate
from lms.core import clock
from lms.extensions import db
from lms.learning.models import ModuleProgress

KEY_FILE = "credential_key.pem"
KEY_ID = "key-1"
CONTEXT = [dataintegrity.VC_V2, dataintegrity.OB_V3]
DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
MEDIA_TYPE = "application/vc"


# The site and its key ---------------------------------------------------------------------


def base_url() -> str:
    """The site's address without a trailing slash: ``LMS_BASE_URL``, else the request's."""
    base = current_app.config["LMS_BASE_URL"] or request.host_url
    return base.rstrip("/")


def site_did() -> str:
    """``did:web`` of the site: its host (a port percent-encoded), then its path segments."""
    parts = urlsplit(base_url())
    segments = [quote(parts.netloc, safe="")] + [
        quote(segment, safe="") for segment in parts.path.split("/") if segment
    ]
    return "did:web:" + ":".join(segments)


def verification_method() -> str:
    return f"{site_did()}#{KEY_ID}"


def key_path() -> Path:
    configured = current_app.config.get("LMS_CREDENTIAL_KEY")
    return Path(configured) if configured else Path(current_app.instance_path) / KEY_FILE


def signing_key() -> Ed25519PrivateKey:
    """The key credentials are signed with; an instance key is generated on first use."""
    path = key_path()
    if not path.exists() and not current_app.config.get("LMS_CREDENTIAL_KEY"):
        with contextlib.suppress(FileExistsError):  # another worker made it first
            dataintegrity.make_key(path)
    return _load(str(path), path.stat().st_mtime_ns)


@cache
def _load(path: str, _modified: int) -> Ed25519PrivateKey:
    return dataintegrity.load_key(Path(path))


def did_document() -> dict:
    did = site_did()
    method = verification_method()
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": dataintegrity.multikey(signing_key().public_key()),
            }
        ],
        "assertionMethod": [method],
    }


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _sign(document: dict) -> dict:
    return dataintegrity.sign(
        document,
        signing_key(),
        verification_method=verification_method(),
        created=_timestamp(clock.now()),
    )


# The credential of a certificate ----------------------------------------------------------


def status_list_url(number: int) -> str:
    return f"{base_url()}/credentials/status/{number}"


def _versions(certificate: Certificate) -> list[ModuleVersion]:
    """The module versions the certificate rests on, in its order; one query."""
    ids = [entry["progress_id"] for entry in certificate.modules if entry.get("progress_id")]
    rows = db.session.execute(
        sa.select(ModuleProgress.id, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == ModuleProgress.version_id)
        .where(ModuleProgress.id.in_(ids))
    ).all()
    by_progress = dict(rows)
    return [by_progress[progress] for progress in ids if progress in by_progress]


def _both(texts: dict | None) -> str:
    """Vietnamese, then English where it differs: the credential travels without a reader's
    language, as the printed certificate does."""
    if not texts:
        return ""
    vi, en = texts.get("vi") or "", texts.get("en") or ""
    return f"{vi} / {en}" if en and en != vi else vi or en


def _alignments(versions: list[ModuleVersion], host: str) -> list[dict]:
    levels: dict[str, int] = {}
    for version in versions:
        for item in version.manifest.get("competencies") or []:
            levels[item["code"]] = max(levels.get(item["code"], 0), int(item["level"]))
    return [
        {
            "type": ["Alignment"],
            "targetType": "ceasn:Competency",
            "targetCode": code,
            "targetName": f"{code} (mức {level} / level {level})",
            "targetUrl": f"tag:{host},2026:competency:{quote(code, safe='.')}",
        }
        for code, level in sorted(levels.items())
    ]


def _achievement(certificate: Certificate, versions: list[ModuleVersion], host: str) -> dict:
    if certificate.kind == MODULE:
        slug = certificate.modules[0]["slug"] if certificate.modules else str(certificate.id)
        identifier = f"tag:{host},2026:module:{slug}"
        achievement_type = "Course"
        summary = versions[0].manifest.get("summary") if versions else None
        description = _both(summary) or _both(certificate.achievement)
        number = certificate.modules[0]["version"] if certificate.modules else "?"
        criteria = (
            f"Hoàn thành học phần (phiên bản {number}) theo quy tắc hoàn thành của học phần. / "
            f"Completed the module (version {number}) under its completion rule."
        )
    else:
        identifier = f"tag:{host},2026:position:{certificate.position_id}"
        achievement_type = "Certificate"
        modules = "; ".join(
            f"{_both(entry['title'])} (v{entry['version']})" for entry in certificate.modules
        )
        description = (
            "Đạt chuẩn bồi dưỡng kỹ năng số của vị trí việc làm. / "
            "Meets the digital-skills training standard of the job position."
        )
        criteria = (
            "Hoàn thành mọi học phần trong chương trình bồi dưỡng của vị trí / "
            f"Completed every module of the position's curriculum: {modules}."
        )
    return {
        "id": identifier,
        "type": ["Achievement"],
        "achievementType": achievement_type,
        "name": certificate.achievement.get("vi") or _both(certificate.achievement),
        "description": description,
        "criteria": {"narrative": criteria},
        "inLanguage": "vi",
        "alignment": _alignments(versions, host),
        "resultDescription": [
            {
                "id": f"{identifier}#hours",
                "type": ["ResultDescription"],
                "name": "Số giờ bồi dưỡng / Training hours",
                "resultType": "Result",
            }
        ],
    }


def _valid_until(certificate: Certificate) -> str | None:
    """The start of the expiry day where the site is: the certificate counts as expired
    from that day on (``Certificate.status_on``)."""
    if certificate.expires_on is None:
        return None
    zone = clock.zone()
    return _timestamp(datetime.combine(certificate.expires_on, time(), tzinfo=zone))


def credential_of(certificate: Certificate, verify_url: str) -> dict:
    """The unsigned Open Badges credential of ``certificate``; ``verify_url`` is its public
    verification page, which is also the credential's id."""
    host = urlsplit(base_url()).hostname or "localhost"
    versions = _versions(certificate)
    achievement = _achievement(certificate, versions, host)
    subject: dict = {
        "type": ["AchievementSubject"],
        # The name only, as the printed certificate shows it: no account name, e-mail or
        # other identifier of the person travels in the credential.
        "name": certificate.holder_name,
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": certificate.holder_name,
            }
        ],
        "achievement": achievement,
        "result": [
            {
                "type": ["Result"],
                "resultDescription": achievement["resultDescription"][0]["id"],
                "value": f"{certificate.hours:g}",
            }
        ],
    }
    if certificate.position_name:
        role = certificate.position_name.get("vi", "")
        if certificate.unit_name:
            role += f" — {certificate.unit_name.get('vi', '')}"
        subject["role"] = role
    issued = _timestamp(certificate.issued_at)
    credential = {
        "@context": CONTEXT,
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": achievement["name"],
        "description": f"Số hiệu / Serial number {certificate.serial}",
        "issuer": {
            "id": site_did(),
            "type": ["Profile"],
            "name": current_app.config["LMS_CERTIFICATE_ISSUER"],
            "url": f"{base_url()}/",
        },
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{status_list_url(certificate.status_list)}#{certificate.status_bit}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.status_bit),
            "statusListCredential": status_list_url(certificate.status_list),
        },
    }
    valid_until = _valid_until(certificate)
    if valid_until:
        credential["validUntil"] = valid_until
    return credential


def signed_credential(certificate: Certificate, verify_url: str) -> dict:
    return _sign(credential_of(certificate, verify_url))


# Status lists ------------------------------------------------------------------------------


def status_lists() -> int:
    """How many status lists there are (at least one, empty at first)."""
    last = db.session.scalar(sa.select(sa.func.max(Certificate.status_index)))
    return 1 if last is None else last // STATUS_LIST_SIZE + 1


def encode_bits(positions: list[int], size: int = STATUS_LIST_SIZE) -> str:
    """A bitstring of ``size`` bits with ``positions`` set (bit 0 is the first byte's most
    significant), GZIP-compressed, base64url without padding, multibase prefix ``u``."""
    bits = bytearray(size // 8)
    for position in positions:
        bits[position // 8] |= 0x80 >> (position % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def status_list_credential(number: int) -> dict:
    """The signed BitstringStatusListCredential of list ``number``: the bits of its revoked
    certificates set."""
    first = (number - 1) * STATUS_LIST_SIZE
    revoked = db.session.scalars(
        sa.select(Certificate.status_index - first).where(
            Certificate.revoked_at.is_not(None),
            Certificate.status_index >= first,
            Certificate.status_index < first + STATUS_LIST_SIZE,
        )
    )
    url = status_list_url(number)
    return _sign(
        {
            "@context": [dataintegrity.VC_V2],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": site_did(),
            "validFrom": _timestamp(clock.now()),
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encode_bits(list(revoked)),
            },
        }
    )
