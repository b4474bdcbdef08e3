"""Signed certificate and transcript PDFs (PAdES), checked with pyHanko's own validator
against the configured certificate, and verify_pdf's verdicts on what people upload."""

import io

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from lms import create_app
from lms.certificates import signing
from lms.certificates.models import REVOKED, VALID
from lms.config import ConfigError
from lms.testing.plugin import testing_config as config_for


@pytest.fixture(scope="session")
def key_pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signing")
    return signing.make_test_key(folder, common_name="Sở Nội vụ thành phố Hải Phòng")


@pytest.fixture
def signs(app, key_pair, monkeypatch):
    """The application signs with the test key for this test."""
    key, cert = key_pair
    monkeypatch.setitem(app.config, "LMS_SIGNING_KEY", str(key))
    monkeypatch.setitem(app.config, "LMS_SIGNING_CERT", str(cert))
    return cert


def certificate_pdf(client, certified, login_as, kind="position") -> bytes:
    certificate_id, _code, _serial = certified.certificates[kind]
    login_as(client, certified.holder)
    response = client.get(f"/certificates/{certificate_id}.pdf")
    assert response.status_code == 200
    return response.data


def validate(data: bytes, trusted_cert):
    """pyHanko's validator, with the configured certificate as the only trust root."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    (signature,) = reader.embedded_signatures
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(trusted_cert))], allow_fetching=False
    )
    return signature, validate_pdf_signature(signature, context)


def flip_one_signed_byte(data: bytes) -> bytes:
    """One bit changed in the middle of the first signed byte range (the page content and
    fonts): the file still parses, its digest no longer matches."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    byte_range = reader.embedded_signatures[0].byte_range
    start, length = int(byte_range[0]), int(byte_range[1])
    changed = bytearray(data)
    changed[start + length // 2] ^= 0x01
    return bytes(changed)


def test_a_signed_certificate_validates_and_fails_once_one_byte_changes(
    client, certified, login_as, signs
):
    data = certificate_pdf(client, certified, login_as)

    signature, status = validate(data, signs)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.signer_reported_dt is not None  # the signing time
    # A visible field, on the page
    widget = signature.sig_field["/Kids"][0] if "/Kids" in signature.sig_field else None
    rect = (widget or signature.sig_field)["/Rect"]
    assert rect[2] - rect[0] > 50 and rect[3] - rect[1] > 5

    _signature, broken = validate(flip_one_signed_byte(data), signs)
    assert not broken.intact
    assert not broken.bottom_line


def test_the_transcript_is_signed_too(client, certified, login_as, signs):
    login_as(client, certified.holder)
    data = client.get("/transcript.pdf").data

    _signature, status = validate(data, signs)
    assert status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE


def test_verify_pdf_finds_the_certificate_and_says_valid_tampered_or_unsigned(
    app, client, certified, login_as, signs, monkeypatch
):
    signed = certificate_pdf(client, certified, login_as)
    certificate_id, code, _serial = certified.certificates["position"]
    with app.test_request_context():
        verdict = signing.verify_pdf(signed)
        assert verdict.status == signing.VALID
        assert verdict.certificate.id == certificate_id and verdict.certificate.code == code
        assert verdict.certificate_status == VALID
        assert verdict.signer == "Sở Nội vụ thành phố Hải Phòng" and verdict.signed_at

        assert signing.verify_pdf(flip_one_signed_byte(signed)).status == signing.TAMPERED
        # Appended to after signing: the signature still covers its revision only.
        appended = signed + b"1 0 obj\n(changed)\nendobj\n"
        assert signing.verify_pdf(appended).status == signing.TAMPERED
        assert signing.verify_pdf(b"not a pdf").status == signing.UNREADABLE

    monkeypatch.setitem(app.config, "LMS_SIGNING_KEY", None)
    monkeypatch.setitem(app.config, "LMS_SIGNING_CERT", None)
    unsigned = client.get(f"/certificates/{certificate_id}.pdf").data
    monkeypatch.setitem(app.config, "LMS_SIGNING_KEY", str(signs.parent / signing.KEY_FILE))
    monkeypatch.setitem(app.config, "LMS_SIGNING_CERT", str(signs))
    with app.test_request_context():
        verdict = signing.verify_pdf(unsigned)
    assert verdict.status == signing.UNSIGNED
    assert verdict.certificate.id == certificate_id  # found from the PDF's metadata


def test_a_revoked_certificate_keeps_a_valid_signature_and_the_verdict_says_revoked(
    app, client, certified, login_as, signs
):
    signed = certificate_pdf(client, certified, login_as, kind="an-toan-thong-tin")
    certificate_id = certified.certificates["an-toan-thong-tin"][0]
    client.submit("/logout")
    login_as(client, certified.admin)
    revoked = client.submit(
        f"/admin/certificates/{certificate_id}/revoke", {"reason": "Cấp nhầm người"}
    )
    assert revoked.status_code == 302

    with app.test_request_context():
        verdict = signing.verify_pdf(signed)
    assert verdict.status == signing.VALID
    assert verdict.certificate_status == REVOKED


def test_a_pdf_signed_with_another_key_is_not_taken_for_ours(
    app, client, certified, login_as, signs, monkeypatch, tmp_path
):
    other_key, other_cert = signing.make_test_key(
        tmp_path, common_name="Sở Nội vụ thành phố Hải Phòng"
    )
    monkeypatch.setitem(app.config, "LMS_SIGNING_KEY", str(other_key))
    monkeypatch.setitem(app.config, "LMS_SIGNING_CERT", str(other_cert))
    forged = certificate_pdf(client, certified, login_as)
    monkeypatch.setitem(app.config, "LMS_SIGNING_KEY", str(signs.parent / signing.KEY_FILE))
    monkeypatch.setitem(app.config, "LMS_SIGNING_CERT", str(signs))

    with app.test_request_context():
        assert signing.verify_pdf(forged).status == signing.UNTRUSTED


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"LMS_SIGNING_KEY": "key.pem"}, "LMS_SIGNING_KEY and LMS_SIGNING_CERT go together"),
        ({"LMS_SIGNING_PASSPHRASE": "secret"}, "LMS_SIGNING_PASSPHRASE is set but no signing key"),
        (
            {"LMS_SIGNING_TIMESTAMP_URL": "http://127.0.0.1:9/tsa"},
            "LMS_SIGNING_TIMESTAMP_URL is set but no signing key",
        ),
        ({"LMS_SIGNING_PKCS12": "absent.p12"}, "LMS_SIGNING_PKCS12: no such file"),
    ],
)
def test_half_a_signing_configuration_stops_the_start(tmp_path, settings, message):
    config = config_for(f"sqlite:///{tmp_path / 'lms.sqlite3'}", tmp_path)
    with pytest.raises(ConfigError, match=message):
        create_app({**config, **settings})


def test_a_key_that_does_not_match_its_certificate_stops_the_start(tmp_path, key_pair):
    other_key, _other_cert = signing.make_test_key(tmp_path / "other", common_name="Khác")
    config = config_for(f"sqlite:///{tmp_path / 'lms.sqlite3'}", tmp_path)
    with pytest.raises(ConfigError, match="the key does not belong to the certificate"):
        create_app(
            {**config, "LMS_SIGNING_KEY": str(other_key), "LMS_SIGNING_CERT": str(key_pair[1])}
        )


def test_make_test_key_writes_a_pair_the_application_signs_with(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["certificates", "make-test-key", "--out", str(tmp_path), "--name", "UBND xã Thử"]
    )
    assert result.exit_code == 0, result.output
    key, cert = tmp_path / signing.KEY_FILE, tmp_path / signing.CERT_FILE
    assert f"LMS_SIGNING_KEY={key}" in result.output
    assert (key.stat().st_mode & 0o777) == 0o600
    config = config_for(f"sqlite:///{tmp_path / 'lms.sqlite3'}", tmp_path)
    signing_app = create_app({**config, "LMS_SIGNING_KEY": str(key), "LMS_SIGNING_CERT": str(cert)})
    with signing_app.app_context():
        assert signing.signer_name() == "UBND xã Thử"


def tsa_pair(folder):
    """A self-signed timestamping authority: its certificate says timeStamping, critical."""
    from datetime import UTC, datetime, timedelta

    from asn1crypto import keys, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # the test TSA: RSA
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")])
    now = datetime.now(UTC)
    cert = (
        cx509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(cx509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return (
        x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        keys.PrivateKeyInfo.load(der_key),
    )


@pytest.fixture
def timestamp_server(tmp_path):
    """An RFC 3161 server on 127.0.0.1 answering with pyHanko's test timestamper; yields its
    address and the requests it answered."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from asn1crypto import tsp
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    stamper = DummyTimeStamper(*tsa_pair(tmp_path))
    answered = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            answered.append(self.headers["Content-Type"])
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/tsa", answered
    server.shutdown()
    server.server_close()


def test_a_configured_timestamp_server_stamps_each_signature(
    app, client, certified, login_as, signs, monkeypatch, timestamp_server
):
    url, answered = timestamp_server
    monkeypatch.setitem(app.config, "LMS_SIGNING_TIMESTAMP_URL", url)

    data = certificate_pdf(client, certified, login_as)

    assert answered == ["application/timestamp-query"]
    with app.test_request_context():
        verdict = signing.verify_pdf(data)
    assert verdict.status == signing.VALID and verdict.timestamped


def pkcs12_of(key_pair, folder, passphrase: bytes):
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    key_path, cert_path = key_pair
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    cert = cx509.load_pem_x509_certificate(cert_path.read_bytes())
    data = pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, None, serialization.BestAvailableEncryption(passphrase)
    )
    path = folder / "signer.p12"
    path.write_bytes(data)
    return path


def test_a_pkcs12_file_signs_and_a_wrong_passphrase_stops_the_start(tmp_path, key_pair):
    p12 = pkcs12_of(key_pair, tmp_path, b"mat-khau-ky-so")
    config = config_for(f"sqlite:///{tmp_path / 'lms.sqlite3'}", tmp_path)

    app = create_app(
        {**config, "LMS_SIGNING_PKCS12": "signer.p12", "LMS_SIGNING_PASSPHRASE": "mat-khau-ky-so"}
    )
    with app.app_context():
        assert signing.signer_name() == "Sở Nội vụ thành phố Hải Phòng"
    assert p12.parent == tmp_path  # found relative to the instance folder

    with pytest.raises(ConfigError, match="LMS_SIGNING_PKCS12: cannot load the signing key"):
        create_app({**config, "LMS_SIGNING_PKCS12": str(p12), "LMS_SIGNING_PASSPHRASE": "sai"})
