"""Signing certificate and transcript PDFs (PAdES baseline, pyHanko), and checking the
signature of a PDF someone hands us.

The issuing organisation's key and certificate come from ``LMS_SIGNING_*`` (a PKCS#12 file
and its passphrase, or a PEM key and a PEM certificate chain, the signer's certificate
first). The key is loaded once per process and kept: signing then costs the digest, one
private-key operation and the incremental update pyHanko appends (see the README for the
figure). Without a signing key PDFs are issued unsigned and the start-up log says so once.
"""

import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from asn1crypto import x509
from flask import Flask, current_app
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import (
    AxisAlignment,
    InnerScaling,
    Margins,
    SimpleBoxLayoutRule,
)
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from lms.certificates import queries
from lms.certificates.models import Certificate
from lms.core import clock

log = logging.getLogger(__name__)

FIELD_NAME = "Signature"
# The verification code travels in the PDF's Keywords as "lms-certificate:<code>", inside
# the signed bytes, so a PDF names the certificate it belongs to without reading its text.
CODE_KEYWORD = "lms-certificate:"

# Verdicts of verify_pdf.
VALID = "valid"  # intact, covers the whole file, signed with this site's signing key
TAMPERED = "tampered"  # signed, but the bytes changed after signing (or were appended to)
UNTRUSTED = "untrusted"  # intact, but signed by someone else's key
UNSIGNED = "unsigned"  # a PDF without a signature
UNREADABLE = "unreadable"  # not a PDF at all

SETTINGS = (
    "LMS_SIGNING_PKCS12",
    "LMS_SIGNING_KEY",
    "LMS_SIGNING_CERT",
    "LMS_SIGNING_PASSPHRASE",
    "LMS_SIGNING_TIMESTAMP_URL",
)


class SigningConfigError(ValueError):
    """The signing settings cannot be used; the message says which one to fix."""


@dataclass(frozen=True)
class Spot:
    """Where the visible signature goes: a 0-based page and a box in PDF points
    (x1, y1, x2, y2), measured from the page's bottom-left corner."""

    page: int
    box: tuple[float, float, float, float]


class _KeptKeySigner(signers.SimpleSigner):
    """pyHanko parses the private key again for every signature, and an RSA key's
    consistency checks cost tens of milliseconds; this signer parses it once."""

    _parsed = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism not in ("rsassa_pkcs1v15", "ecdsa"):
            return super().sign_raw(data, digest_algorithm)
        from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from cryptography.hazmat.primitives.serialization import load_der_private_key
        from pyhanko_certvalidator.util import get_pyca_cryptography_hash

        if self._parsed is None:
            self._parsed = load_der_private_key(self.signing_key.dump(), password=None)
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "ecdsa":
            return self._parsed.sign(data, ECDSA(hash_algorithm))
        return self._parsed.sign(data, PKCS1v15(), hash_algorithm)


@dataclass
class _Loaded:
    signer: _KeptKeySigner
    chain: list[x509.Certificate]
    name: str
    timestamper: timestamps.TimeStamper | None


def _path(app_config, instance_path: str, key: str) -> Path | None:
    value = app_config.get(key)
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else Path(instance_path) / path


def _settings_key(app: Flask) -> tuple | None:
    """What identifies the configured signer (with the files' modification times, so a
    replaced key file is loaded again), or None when signing is not configured."""
    config = app.config
    paths = tuple(_path(config, app.instance_path, key) for key in SETTINGS[:3])
    if not any(paths):
        return None
    stamps = tuple(path.stat().st_mtime_ns if path else None for path in paths)
    return (
        *paths,
        *stamps,
        config.get("LMS_SIGNING_PASSPHRASE") or "",
        config.get("LMS_SIGNING_TIMESTAMP_URL") or "",
    )


_cache: dict[tuple, _Loaded] = {}


def _load(key: tuple) -> _Loaded:
    pkcs12, pem_key, pem_cert = key[:3]
    passphrase = key[6].encode() or None
    try:
        if pkcs12 is not None:
            loaded = signers.SimpleSigner.load_pkcs12_data(
                pkcs12.read_bytes(), other_certs=[], passphrase=passphrase
            )
            chain = [loaded.signing_cert, *loaded.cert_registry]
            private = loaded.signing_key
        else:
            chain = list(load_certs_from_pemder_data(pem_cert.read_bytes()))
            if not chain:
                raise SigningConfigError(f"LMS_SIGNING_CERT: no certificate in {pem_cert}")
            private = load_private_key_from_pemder_data(pem_key.read_bytes(), passphrase)
    except SigningConfigError:
        raise
    except (OSError, ValueError, TypeError) as error:
        which = "LMS_SIGNING_PKCS12" if pkcs12 is not None else "LMS_SIGNING_KEY"
        raise SigningConfigError(
            f"{which}: cannot load the signing key ({error}); check the file and "
            "LMS_SIGNING_PASSPHRASE"
        ) from error
    signer = _KeptKeySigner(
        signing_cert=chain[0],
        signing_key=private,
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )
    _check_pair(signer)
    subject = signer.signing_cert.subject.native
    name = subject.get("common_name") or subject.get("organization_name") or "?"
    url = key[7]
    return _Loaded(
        signer=signer,
        chain=_unique(chain),
        name=name,
        timestamper=timestamps.HTTPTimeStamper(url) if url else None,
    )


def _unique(chain: list[x509.Certificate]) -> list[x509.Certificate]:
    seen, result = set(), []
    for cert in chain:
        if cert.sha256 not in seen:
            seen.add(cert.sha256)
            result.append(cert)
    return result


def _check_pair(signer: _KeptKeySigner) -> None:
    """A key that does not belong to the certificate would sign PDFs nobody can verify."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    private = load_der_private_key(signer.signing_key.dump(), password=None)
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if public != signer.signing_cert.public_key.dump():
        raise SigningConfigError(
            "LMS_SIGNING_KEY and LMS_SIGNING_CERT: the key does not belong to the certificate "
            "(the signer's certificate must come first in the chain file)"
        )


def _loaded(app: Flask) -> _Loaded | None:
    key = _settings_key(app)
    if key is None:
        return None
    if key not in _cache:
        _cache.clear()
        _cache[key] = _load(key)
    return _cache[key]


def check_app(app: Flask) -> None:
    """At start-up: load the configured signer (a wrong passphrase or a mismatched pair
    stops the application), or warn once that PDFs will be issued unsigned."""
    from lms.config import ConfigError

    try:
        loaded = _loaded(app)
    except SigningConfigError as error:
        raise ConfigError(str(error)) from error
    if loaded is None and not (app.testing or app.debug):
        log.warning(
            "certificate and transcript PDFs are issued UNSIGNED: set LMS_SIGNING_PKCS12 "
            "(or LMS_SIGNING_KEY and LMS_SIGNING_CERT) to sign them"
        )


def is_configured() -> bool:
    return _settings_key(current_app) is not None


def signer_name() -> str | None:
    loaded = _loaded(current_app)
    return loaded.name if loaded else None


@dataclass(frozen=True)
class _LocalTimeStampStyle(TextStampStyle):
    """pyHanko prints the signing time in the server's zone; an official document shows
    the country's own (Vietnam, +07:00), written out in ISO 8601 order."""

    zone: str = "Asia/Ho_Chi_Minh"
    timestamp_format: str = "%Y-%m-%dT%H:%M:%S%z"

    def create_stamp(self, writer, box, text_params):
        params = dict(text_params)
        moment = datetime.strptime(params["ts"], self.timestamp_format)
        params["ts"] = moment.astimezone(ZoneInfo(self.zone)).isoformat(timespec="seconds")
        return super().create_stamp(writer, box, params)


SEAL_RED = (200 / 255, 16 / 255, 46 / 255)  # as the frame pdf.py draws around the field
_TIGHT = SimpleBoxLayoutRule(
    x_align=AxisAlignment.ALIGN_MIN,
    y_align=AxisAlignment.ALIGN_MID,
    margins=Margins(0, 0, 0, 0),
    inner_content_scaling=InnerScaling.NO_SCALING,
)


def _stamp_style(zone: str) -> _LocalTimeStampStyle:
    # The field shows the signing time only, in ASCII: pyHanko's default font draws it fast,
    # and the page itself prints the Vietnamese labels around the field (pdf.py). (Its
    # OpenType route costs 0.3 s a signature and spaces the letters out.)
    return _LocalTimeStampStyle(
        zone=zone,
        stamp_text="%(ts)s",
        text_box_style=TextBoxStyle(
            font_size=7, leading=8, text_color=SEAL_RED, box_layout_rule=_TIGHT
        ),
        inner_content_layout=_TIGHT,
        border_width=0,
        background=None,
    )


def sign(data: bytes, spot: Spot, *, reason: str, location: str = "") -> bytes:
    """``data`` signed with the configured key (PAdES baseline B-B, or B-T when a timestamp
    server is configured), with a visible signature at ``spot``; ``data`` itself when no
    key is configured. Runs in an app context with the reader's locale active."""
    loaded = _loaded(current_app)
    if loaded is None:
        return data
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
        name=loaded.name,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=loaded.signer,
        timestamper=loaded.timestamper,
        stamp_style=_stamp_style(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
        new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=spot.page, box=spot.box),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    reserved = 8192 if loaded.timestamper is None else 24576
    return pdf_signer.sign_pdf(writer, bytes_reserved=reserved).getvalue()


@dataclass(frozen=True)
class Verdict:
    """What a PDF's signature says, and which certificate the PDF belongs to (found from
    the code in its metadata) with that certificate's status today: a revoked certificate's
    PDF keeps a valid signature, and ``certificate_status`` says it is revoked."""

    status: str
    certificate: Certificate | None = None
    certificate_status: str | None = None  # models.VALID, EXPIRED or REVOKED
    signer: str | None = None
    signed_at: datetime | None = None
    timestamped: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.status == VALID


def verify_pdf(data: bytes, today: date | None = None) -> Verdict:
    """Check the signature of a PDF against this site's signing certificate (offline: no
    revocation look-ups). Never raises for bad input: it is anybody's upload."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
        code = _embedded_code(reader)
    except Exception:  # any parse failure means "not a PDF we can read"
        return Verdict(UNREADABLE)
    certificate = queries.by_code(code) if code else None
    status_today = certificate.status_on(today or clock.today()) if certificate else None
    if not signatures:
        return Verdict(UNSIGNED, certificate, status_today)
    signature = signatures[0]
    loaded = _loaded(current_app)
    base = {"certificate": certificate, "certificate_status": status_today}
    try:
        signer = signature.signer_cert.subject.native.get("common_name")
        claimed = signature.self_reported_timestamp
        context = ValidationContext(
            trust_roots=loaded.chain if loaded else [],
            allow_fetching=False,
            revocation_mode="soft-fail",
            moment=claimed,
        )
        result = validate_pdf_signature(signature, context)
    except Exception as error:  # a damaged signature is a tampered one
        return Verdict(TAMPERED, problems=[str(error)], **base)
    base.update(
        signer=signer,
        signed_at=claimed,
        timestamped=result.timestamp_validity is not None,
    )
    if not (result.intact and result.valid):
        return Verdict(TAMPERED, problems=["the signed bytes were changed"], **base)
    if result.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return Verdict(TAMPERED, problems=["the file was changed after signing"], **base)
    if not result.trusted or loaded is None:
        return Verdict(UNTRUSTED, problems=["not signed with this site's key"], **base)
    return Verdict(VALID, **base)


def _embedded_code(reader: PdfFileReader) -> str | None:
    info = reader.trailer_view.get("/Info")
    if info is None:
        return None
    keywords = str(info.get_object().get("/Keywords", ""))
    for word in keywords.split():
        if word.startswith(CODE_KEYWORD):
            return word[len(CODE_KEYWORD) :]
    return None


KEY_FILE = "signing-key.pem"
CERT_FILE = "signing-cert.pem"


def make_test_key(folder: Path, *, common_name: str, years: int = 5) -> tuple[Path, Path]:
    """A self-signed RSA key and certificate for ``common_name`` (the demo's and the
    tests'), written as ``signing-key.pem`` and ``signing-cert.pem`` in ``folder``. A site
    in production signs with a certificate from a recognised CA instead."""
    from datetime import timedelta

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # X.509 allows 64 bytes of UTF-8 in a name: cut at a character boundary.
    common_name = common_name.encode()[:64].decode(errors="ignore").strip()
    name = cx509.Name(
        [
            cx509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            cx509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
            cx509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.now(UTC)  # pyHanko signs at the real time, whatever a test's clock says
    certificate = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(cx509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            cx509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(cx509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_path.touch(mode=0o600)
    key_path.chmod(0o600)
    key_path.write_bytes(key_bytes)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path
