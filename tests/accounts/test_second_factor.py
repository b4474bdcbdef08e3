import re

import pyotp
import pytest

from lms.config import ConfigError
from lms.core.permissions import Role


def _secret_on_setup_page(client) -> str:
    page = client.get("/account/security/authenticator").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page, "the QR code is an inline data URI"
    return re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)


def _code(secret: str, clock, seconds: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now().timestamp() + seconds)


@pytest.fixture
def enrolled(client, factory, login_as, clock):
    """A person with a confirmed authenticator app, signed out again: (user, secret, codes)."""

    def enrol(**user_options):
        user = factory.user(**user_options)
        login_as(client, user)
        secret = _secret_on_setup_page(client)
        page = client.submit(
            "/account/security/authenticator", {"code": _code(secret, clock)}
        ).get_data(as_text=True)
        codes = re.findall(r"<code>([A-Z2-9]{4}(?:-[A-Z2-9]{4}){3})</code>", page)
        client.submit("/logout")
        clock.advance(seconds=30)  # past the step the enrolment used
        return user, secret, codes

    return enrol


def _password(client, user, **extra):
    return client.submit(
        "/login", {"username": user.username, "password": user.test_password, **extra}
    )


def _in_english(client):
    """The visitor chose English, so the messages read the same before and after the
    Vietnamese catalogue holds them."""
    client.submit("/language", {"locale": "en"})
    return client


def _signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


def test_enrolment_shows_ten_recovery_codes_once_and_the_secret_never_again(
    client, enrolled, clock
):
    user, secret, codes = enrolled()
    assert len(codes) == 10 and len(set(codes)) == 10
    _password(client, user)
    client.submit("/login/second-factor", {"code": _code(secret, clock)})
    assert client.get("/account/security/authenticator").headers["Location"] == (
        "/account/security"
    )
    assert secret not in client.get("/account/security").get_data(as_text=True)


def test_enrolment_refuses_a_wrong_first_code(client, factory, login_as, clock):
    login_as(client, factory.user(locale="en"))
    secret = _secret_on_setup_page(client)
    wrong = f"{(int(_code(secret, clock)) + 1) % 1_000_000:06d}"
    page = client.submit("/account/security/authenticator", {"code": wrong})
    assert "That code is not right" in page.get_data(as_text=True)
    assert "Set up an authenticator app" in client.get("/account/security").get_data(as_text=True)


def test_password_alone_leaves_the_person_signed_out_until_the_code(client, enrolled, clock):
    user, secret, _codes = enrolled()
    response = _password(client, user, next="/account/password")
    assert response.headers["Location"] == "/login/second-factor"
    assert not _signed_in(client), "no current_user between password and code"
    response = client.submit("/login/second-factor", {"code": _code(secret, clock)})
    assert response.headers["Location"] == "/account/password"
    assert _signed_in(client)


def test_wrong_code_is_refused(client, enrolled, clock):
    user, secret, _codes = enrolled()
    _password(_in_english(client), user)
    wrong = f"{(int(_code(secret, clock)) + 1) % 1_000_000:06d}"
    response = client.submit("/login/second-factor", {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.get_data(as_text=True)
    assert not _signed_in(client)


def test_code_reused_inside_its_window_is_refused(app, client, enrolled, clock):
    user, secret, _codes = enrolled()
    code = _code(secret, clock)
    _password(client, user)
    assert client.submit("/login/second-factor", {"code": code}).status_code == 302
    other = app.test_client()
    _password(other, user)
    clock.advance(seconds=10)  # still inside the same 30-second window
    reused = other.submit("/login/second-factor", {"code": code})
    assert reused.status_code == 200
    assert not _signed_in(other)
    clock.advance(seconds=30)
    assert other.submit("/login/second-factor", {"code": _code(secret, clock)}).status_code == 302


def test_code_of_the_previous_step_is_accepted_once_but_not_older(client, enrolled, clock):
    user, secret, _codes = enrolled()
    clock.advance(seconds=90)  # the steps just before now were never used
    _password(client, user)
    too_old = _code(secret, clock, seconds=-60)
    assert client.submit("/login/second-factor", {"code": too_old}).status_code == 200
    drifted = _code(secret, clock, seconds=-30)
    assert client.submit("/login/second-factor", {"code": drifted}).status_code == 302


def test_recovery_code_signs_in_once_and_is_refused_the_second_time(app, client, enrolled):
    user, _secret, codes = enrolled(locale="en")
    _password(client, user)
    assert client.submit("/login/second-factor", {"code": codes[0].lower()}).status_code == 302
    assert _signed_in(client)
    other = app.test_client()
    _password(other, user)
    again = other.submit("/login/second-factor", {"code": codes[0]})
    assert again.status_code == 200
    assert not _signed_in(other)
    assert other.submit("/login/second-factor", {"code": codes[1]}).status_code == 302
    page = other.get("/account/security").get_data(as_text=True)
    assert "8 unused recovery codes left" in page


def test_new_recovery_codes_replace_the_old_ones(app, client, enrolled, clock):
    user, secret, codes = enrolled()
    _password(client, user)
    client.submit("/login/second-factor", {"code": _code(secret, clock)})
    page = client.submit("/account/security/recovery-codes").get_data(as_text=True)
    new_codes = re.findall(r"<code>([A-Z2-9-]{19})</code>", page)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    other = app.test_client()
    _password(other, user)
    assert other.submit("/login/second-factor", {"code": codes[2]}).status_code == 200
    assert other.submit("/login/second-factor", {"code": new_codes[0]}).status_code == 302


def test_failed_codes_are_throttled(app, client, enrolled, clock, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_LOGIN_LIMIT", "3 per 5 minutes")
    user, secret, _codes = enrolled()
    _password(client, user)
    for _ in range(3):
        assert client.submit("/login/second-factor", {"code": "123 456"}).status_code == 200
    throttled = client.submit("/login/second-factor", {"code": _code(secret, clock)})
    assert throttled.status_code == 429
    assert not _signed_in(client)


def test_pending_sign_in_expires(app, client, enrolled, clock, monkeypatch):
    user, secret, _codes = enrolled()
    monkeypatch.setitem(app.config, "LMS_SECOND_FACTOR_PENDING_SECONDS", -1)
    _password(client, user)
    response = client.submit("/login/second-factor", {"code": _code(secret, clock)})
    assert response.headers["Location"] == "/login"
    assert not _signed_in(client)


def test_remembered_device_skips_the_factor_for_thirty_days(app, client, enrolled, clock):
    user, secret, _codes = enrolled()
    _password(client, user)
    client.submit("/login/second-factor", {"code": _code(secret, clock), "remember_device": "y"})
    client.submit("/logout")
    assert _password(client, user).headers["Location"] == "/"
    assert _signed_in(client)
    client.submit("/logout")
    assert _password(app.test_client(), user).headers["Location"] == "/login/second-factor"
    clock.advance(days=31)
    assert _password(client, user).headers["Location"] == "/login/second-factor"


def test_password_change_forgets_remembered_devices(app, client, enrolled, clock):
    user, secret, _codes = enrolled()
    _password(client, user)
    client.submit("/login/second-factor", {"code": _code(secret, clock), "remember_device": "y"})
    new_password = "Mat-khau-moi-rat-dai-77"
    changed = client.submit(
        "/account/password",
        {"current": user.test_password, "new": new_password, "confirm": new_password},
    )
    assert changed.status_code == 302
    client.submit("/logout")
    response = _password(client, user, password=new_password)
    assert response.headers["Location"] == "/login/second-factor"


def test_forgetting_devices_asks_for_the_factor_again(client, enrolled, clock):
    user, secret, _codes = enrolled()
    _password(client, user)
    client.submit("/login/second-factor", {"code": _code(secret, clock), "remember_device": "y"})
    client.submit("/account/security/forget-devices")
    client.submit("/logout")
    assert _password(client, user).headers["Location"] == "/login/second-factor"


def test_admin_without_second_factor_is_sent_to_enrolment_before_any_admin_page(
    app, client, factory, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_SECOND_FACTOR_REQUIRED", ["admin"])
    admin = factory.user(roles=(Role.ADMIN,), locale="en")
    response = _password(client, admin, next="/admin/users")
    assert response.headers["Location"] == "/account/security"
    for page in ("/admin/users", "/admin/", "/"):
        assert client.get(page).headers["Location"] == "/account/security", page
    assert "signing in needs a second factor" in client.get("/account/security").get_data(
        as_text=True
    )
    secret = _secret_on_setup_page(client)
    client.submit("/account/security/authenticator", {"code": _code(secret, clock)})
    assert client.get("/admin/users").status_code == 200


def test_required_enrolment_holds_for_a_session_restored_from_remember_me(
    app, client, factory, monkeypatch
):
    admin = factory.user(roles=(Role.ADMIN,))
    _password(client, admin, remember="y")
    monkeypatch.setitem(app.config, "LMS_SECOND_FACTOR_REQUIRED", ["admin"])
    other = app.test_client()
    other.set_cookie("lms_remember", client.get_cookie("lms_remember").value)
    assert other.get("/admin/users").headers["Location"] == "/account/security"


def test_province_managers_must_enrol_and_commune_managers_may(app, client, factory, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_SECOND_FACTOR_REQUIRED", ["province-manager"])
    province = factory.unit(kind="province")
    commune = factory.unit(kind="commune", parent=province)
    national = factory.unit(kind="department")
    factory.unit(kind="city", parent=national)
    for manager, must in (
        (factory.manager_of(province), True),
        (factory.manager_of(national), True),
        (factory.manager_of(commune), False),
        (factory.user(roles=(Role.ADMIN,)), False),
    ):
        response = app.test_client().submit(
            "/login", {"username": manager.username, "password": manager.test_password}
        )
        assert (response.headers["Location"] == "/account/security") is must, manager.username


def test_optional_second_factor_is_asked_once_enrolled(client, enrolled):
    user, _secret, _codes = enrolled(roles=(Role.LEARNER,))
    assert _password(client, user).headers["Location"] == "/login/second-factor"


def test_unknown_rule_stops_the_start(app):
    from lms import create_app

    with pytest.raises(ConfigError, match="LMS_SECOND_FACTOR_REQUIRED"):
        create_app({**app.config, "LMS_SECOND_FACTOR_REQUIRED": ["everyone"]})


def test_secret_is_stored_encrypted(app, client, factory, login_as):
    import sqlalchemy as sa

    from lms.extensions import db

    user = factory.user()
    login_as(client, user)
    secret = _secret_on_setup_page(client)
    with app.app_context():
        stored = db.session.scalar(
            sa.text("SELECT secret_encrypted FROM totp_credentials WHERE user_id = :id"),
            {"id": user.id},
        )
    assert stored and secret not in stored
