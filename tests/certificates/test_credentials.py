"""Certificates as signed Open Badges 3.0 credentials: checked by an independent verifier
(Digital Bazaar's JavaScript libraries, run by Node.js, with their own JSON-LD contexts), and
by the site's own verification page; revocation through the Bitstring Status List."""

import base64
import copy
import gzip
import importlib.util
import io
import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.certificates.dataintegrity import b58decode
from lms.certificates.models import STATUS_LIST_SIZE
from tests.certificates.vc_verifier import Verifier, install


@pytest.fixture(scope="session")
def vc_verifier() -> Verifier:
    return Verifier(install())


def _download(client, login_as, certified, which: str) -> dict:
    certificate_id, _code, _serial = certified.certificates[which]
    login_as(client, certified.holder)
    response = client.get(f"/certificates/{certificate_id}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/vc"
    assert "attachment" in response.headers["Content-Disposition"]
    client.submit("/logout")
    return response.get_json(force=True)


def _served(client, credential: dict) -> dict:
    """What a verifier fetches for ``credential``: the issuer's DID document and its status
    list credential, as the site serves them to anyone."""
    did = credential["issuer"]["id"]
    assert did == "did:web:localhost"
    did_document = client.get("/.well-known/did.json")
    assert did_document.headers["Access-Control-Allow-Origin"] == "*"
    status_url = credential["credentialStatus"]["statusListCredential"]
    status_list = client.get(urlsplit(status_url).path)
    assert status_list.status_code == 200
    return {did: did_document.get_json(force=True), status_url: status_list.get_json(force=True)}


def _bit(status_list: dict, index: int) -> bool:
    """The bit at ``index``, decoded here from the specification, not with the site's code."""
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded[0] == "u", "multibase base64url"
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) * 8 >= STATUS_LIST_SIZE >= 131_072
    return bool(raw[index // 8] & (0x80 >> (index % 8)))


def _upload(client, data: bytes, name: str = "credential.json"):
    """The file checked on the verification page, read in English."""
    client.submit("/language", {"locale": "en"})
    return client.submit("/verify", {"file": (io.BytesIO(data), name)})


def test_the_credential_verifies_independently_and_revoking_it_sets_its_status_bit(
    client, certified, login_as, vc_verifier
):
    credential = _download(client, login_as, certified, "position")
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    subject = credential["credentialSubject"]
    assert subject["name"] == "Nguyễn Thị Hương"
    assert "huong" not in json.dumps(credential), "no account name or e-mail travels"
    assert subject["achievement"]["name"] == "Công chức Văn phòng - Văn thư"
    assert subject["role"] == "Công chức Văn phòng - Văn thư — Phường Hồng Bàng"
    assert float(subject["result"][0]["value"]) > 0  # training hours
    assert [a["targetCode"] for a in subject["achievement"]["alignment"]] == ["DG.1"]
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    index = int(status["statusListIndex"])

    before = _served(client, credential)
    assert not _bit(before[status["statusListCredential"]], index)

    certificate_id, _code, _serial = certified.certificates["position"]
    login_as(client, certified.admin)
    revoked = client.submit(f"/admin/certificates/{certificate_id}/revoke", {"reason": "Cấp nhầm"})
    assert revoked.status_code == 302, revoked.get_data(as_text=True)
    client.submit("/logout")

    after = _served(client, credential)
    status_list = after[status["statusListCredential"]]
    assert _bit(status_list, index)
    others = [
        int(_download(client, login_as, certified, slug)["credentialStatus"]["statusListIndex"])
        for slug in ("an-toan-thong-tin", "van-ban-dien-tu")
    ]
    assert not any(_bit(status_list, other) for other in others)
    assert vc_verifier((credential, before), (credential, after)) == [
        {"verified": True, "revoked": False, "errors": []},
        {"verified": True, "revoked": True, "errors": []},
    ]

    page = _upload(client, json.dumps(credential).encode())
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Revoked certificate" in text and "Nguyễn Thị Hương" in text


def test_a_changed_field_fails_verification(client, certified, login_as, vc_verifier):
    credential = _download(client, login_as, certified, "van-ban-dien-tu")
    served = _served(client, credential)
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["name"] = "Trần Văn Bình"
    (result,) = vc_verifier((changed, served))
    assert result["verified"] is False and result["errors"]

    for forged in (changed, {**credential, "awardedDate": "2020-01-01T00:00:00Z"}):
        text = _upload(client, json.dumps(forged).encode()).get_data(as_text=True)
        assert "Not authentic: the file has been changed" in text
        assert "Trần Văn Bình" not in text
    # A property no context defines would be left out of what is signed: refused, not ignored.
    added = {**credential, "note": "hạng xuất sắc"}
    assert "Not authentic" in _upload(client, json.dumps(added).encode()).get_data(as_text=True)

    page = _upload(client, json.dumps(credential).encode())
    assert "Valid certificate" in page.get_data(as_text=True)


def test_an_expired_credential_says_expired(client, certified, login_as, vc_verifier, clock):
    credential = _download(client, login_as, certified, "an-toan-thong-tin")
    served = _served(client, credential)
    valid_until = datetime.fromisoformat(credential["validUntil"])
    later = valid_until + timedelta(days=1)
    before, result = vc_verifier(
        (credential, served, (valid_until - timedelta(days=1)).isoformat()),
        (credential, served, later.isoformat()),
    )
    assert before["verified"] is True
    assert result["verified"] is False
    assert any("validUntil" in error or "expired" in error for error in result["errors"])

    clock.to(later.date())
    text = _upload(client, json.dumps(credential).encode()).get_data(as_text=True)
    assert "Expired certificate" in text


def test_files_that_are_not_credentials_of_this_site_say_why(client, certified, login_as):
    credential = _download(client, login_as, certified, "van-ban-dien-tu")
    # Look-alike nodes make RDF canonicalisation try every order of them (12! here): refused
    # before it starts.
    subject = credential["credentialSubject"]
    poisoned = {
        **credential,
        "credentialSubject": {**subject, "result": [subject["result"][0]] * 12},
    }
    cases = {
        b"\x00\xff garbage": "Not a certificate file",
        b'{"hello": "world"}': "Not a certificate file",
        json.dumps({**credential, "issuer": "did:web:example.org"}).encode(): (
            "Not issued by this site"
        ),
        json.dumps({k: v for k, v in credential.items() if k != "proof"}).encode(): "Not signed",
        json.dumps(poisoned).encode(): "Not authentic",
        b"[" * 100_000: "Not a certificate file",
        b" " * (256 * 1024 + 1): "never larger than 256 KiB",
    }
    for data, answer in cases.items():
        page = _upload(client, data)
        assert page.status_code == 200
        assert answer in page.get_data(as_text=True)

    too_large = _upload(client, b" " * (5 * 1024 * 1024 + 1))
    assert too_large.status_code == 422
    assert "larger than 5 MiB" in too_large.get_data(as_text=True)
    no_token = client.post("/verify", data={"file": (io.BytesIO(b"{}"), "x.json")})
    assert no_token.status_code == 400


def test_the_status_list_and_did_document_are_signed_and_public(client, certified):
    did_document = client.get("/.well-known/did.json").get_json(force=True)
    method = did_document["verificationMethod"][0]
    assert method["type"] == "Multikey" and method["publicKeyMultibase"].startswith("z6Mk")
    assert did_document["assertionMethod"] == [method["id"]]
    status_list = client.get("/credentials/status/1").get_json(force=True)
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status_list["proof"]["verificationMethod"] == method["id"]
    assert client.get("/credentials/status/2").status_code == 404


def test_only_the_holder_downloads_the_credential(client, certified, login_as):
    certificate_id, _code, _serial = certified.certificates["position"]
    login_as(client, certified.other)
    assert client.get(f"/certificates/{certificate_id}.json").status_code == 404


def test_the_list_offers_the_credential_and_the_issuer_follows_the_base_url(
    app, client, certified, login_as, monkeypatch
):
    certificate_id, _code, _serial = certified.certificates["position"]
    login_as(client, certified.holder)
    page = client.get("/certificates").get_data(as_text=True)
    assert f'href="/certificates/{certificate_id}.json"' in page

    monkeypatch.setitem(app.config, "LMS_BASE_URL", "https://hoctap.haiphong.gov.vn:8443/lms/")
    credential = client.get(f"/certificates/{certificate_id}.json").get_json(force=True)
    assert credential["issuer"]["id"] == "did:web:hoctap.haiphong.gov.vn%3A8443:lms"
    assert credential["proof"]["verificationMethod"].endswith(":lms#key-1")
    assert credential["credentialStatus"]["statusListCredential"] == (
        "https://hoctap.haiphong.gov.vn:8443/lms/credentials/status/1"
    )
    assert credential["id"].startswith("https://hoctap.haiphong.gov.vn:8443/lms/verify/")
    # did:web:host:lms resolves to <host>/lms/did.json: the site's /did.json behind the prefix.
    did_document = client.get("/did.json").get_json(force=True)
    assert did_document["id"] == credential["issuer"]["id"]


@pytest.mark.skipif(
    importlib.util.find_spec("lms.certificates.signing") is not None,
    reason="the site verifies signed PDFs: tests/certificates test that",
)
def test_a_pdf_says_it_cannot_be_checked_while_the_site_has_no_pdf_signing(client):
    page = _upload(client, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "certificate.pdf")
    assert page.status_code == 200
    assert "PDF verification is not available." in page.get_data(as_text=True)


def test_credentials_are_signed_with_the_configured_key(
    app, client, certified, tmp_path, monkeypatch
):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "credential_key.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    instance_key = client.get("/.well-known/did.json").get_json(force=True)
    monkeypatch.setitem(app.config, "LMS_CREDENTIAL_KEY", str(path))
    configured = client.get("/.well-known/did.json").get_json(force=True)
    published = configured["verificationMethod"][0]["publicKeyMultibase"]
    assert published != instance_key["verificationMethod"][0]["publicKeyMultibase"]
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert b58decode(published[1:]) == b"\xed\x01" + raw
