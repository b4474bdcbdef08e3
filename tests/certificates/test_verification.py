"""Anyone can check a certificate; admins revoke one, with a reason."""

import random
import string

import sqlalchemy as sa

from lms.certificates import queries
from lms.certificates.models import Certificate
from lms.certificates.services import display_code, new_code, normalise_code
from lms.core.models import AuditEntry
from lms.extensions import db, limiter

BASE32 = string.ascii_uppercase + "234567"


def test_a_valid_certificate_verifies_without_signing_in(client, certified):
    _id, code, serial = certified.certificates["position"]
    page = client.get(f"/verify/{display_code(code)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Giấy chứng nhận còn hiệu lực" in text
    assert "Nguyễn Thị Hương" in text and serial in text
    assert "Công chức Văn phòng - Văn thư" in text and "Phường Hồng Bàng" in text
    assert "huong@example.vn" not in text and ">huong<" not in text, "no more than it prints"


def test_the_code_may_be_typed_in_any_case_with_spaces(client, certified):
    _id, code, _serial = certified.certificates["position"]
    typed = " ".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
    page = client.get("/verify", query_string={"code": typed})
    assert page.status_code == 200 and "còn hiệu lực" in page.get_data(as_text=True)


def test_an_unknown_code_says_unknown(client, certified):
    page = client.get("/verify/AAAA-BBBB-CCCC")
    assert page.status_code == 404
    assert "Không có giấy chứng nhận nào" in page.get_data(as_text=True)


def test_expired_certificate_says_expired(client, certified, clock):
    from datetime import date, timedelta

    _id, code, _serial = certified.certificates["an-toan-thong-tin"]
    with client.application.app_context():
        expires = queries.by_code(code).expires_on
    clock.to(expires + timedelta(days=1))
    text = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Giấy chứng nhận đã hết hạn" in text
    assert expires > date(2026, 1, 1)


def test_random_and_altered_codes_all_answer_unknown(appctx, certified):
    """10,000 random codes and 1,000 real codes with one character changed: none matches."""
    rng = random.Random(20261202)
    real = [code for _id, code, _serial in certified.certificates.values()]
    randoms = [new_code() for _ in range(10_000)]
    altered = []
    for index in range(1_000):
        code = real[index % len(real)]
        at = rng.randrange(len(code))
        replacement = rng.choice(BASE32.replace(code[at], ""))
        altered.append(code[:at] + replacement + code[at + 1 :])
    matched = db.session.scalars(
        sa.select(Certificate.code).where(Certificate.code.in_(randoms + altered))
    ).all()
    assert matched == []
    assert all(queries.by_code(normalise_code(code)) is None for code in altered)
    assert all(queries.by_code(code) is not None for code in real)


def test_verification_is_rate_limited(app, client, certified, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_VERIFY_LIMIT", "3 per minute")
    # One limiter serves every app of the process; a test app built with limits off (the
    # concurrency tests) must not decide for this one.
    monkeypatch.setattr(limiter, "enabled", True)
    statuses = [client.get(f"/verify/AAAA{n}").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_the_form_and_the_link_share_one_limit_of_30_look_ups_a_minute(client, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", True)
    statuses = [
        client.get(f"/verify/AAAA{n}" if n % 2 else f"/verify?code=AAAA{n}").status_code
        for n in range(31)
    ]
    assert statuses == [404] * 30 + [429]


def test_an_admin_revokes_with_a_reason_recorded_in_the_audit_log(client, certified, login_as):
    certificate_id, code, serial = certified.certificates["position"]
    login_as(client, certified.admin)
    refused = client.submit(f"/admin/certificates/{certificate_id}/revoke", {"reason": " "})
    assert refused.status_code == 302
    assert "còn hiệu lực" in client.get(f"/verify/{code}").get_data(as_text=True)

    done = client.submit(
        f"/admin/certificates/{certificate_id}/revoke",
        {"reason": "Cấp nhầm người"},
        follow_redirects=True,
    )
    assert f"Đã thu hồi giấy chứng nhận {serial}" in done.get_data(as_text=True)
    text = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "Giấy chứng nhận đã bị thu hồi" in text and "đã bị thu hồi vào ngày" in text
    assert "Cấp nhầm người" not in text, "the reason is for the audit log, not the public"
    with client.application.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "certificate.revoked")
        ).one()
        assert entry.details["reason"] == "Cấp nhầm người"


def test_only_admins_revoke(client, certified, login_as):
    certificate_id, _code, _serial = certified.certificates["position"]
    login_as(client, certified.holder)
    response = client.submit(f"/admin/certificates/{certificate_id}/revoke", {"reason": "x"})
    assert response.status_code == 403
