import time

from lms.core.permissions import Role


def _copy_cookie(source, target, name):
    target.set_cookie(name, source.get_cookie(name).value)


def test_sign_in_with_correct_password_opens_home(client, factory, login_as):
    user = factory.user(full_name="Nguyễn Văn An")
    response = login_as(client, user)
    assert response.headers["Location"] == "/"
    assert "Nguyễn Văn An" in client.get("/").get_data(as_text=True)


def test_username_is_not_case_sensitive(client, factory, login_as):
    user = factory.user(username="an.nguyen")
    response = client.submit("/login", {"username": "AN.Nguyen", "password": user.test_password})
    assert response.status_code == 302


def test_wrong_password_is_refused_with_a_message(client, factory):
    user = factory.user()
    response = client.submit("/login", {"username": user.username, "password": "wrong-password-1"})
    assert response.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_pages_need_sign_in_and_come_back_after(client, factory):
    user = factory.user()
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    response = client.submit(
        "/login?next=/account/password",
        {"username": user.username, "password": user.test_password, "next": "/account/password"},
    )
    assert response.headers["Location"] == "/account/password"


def test_repeated_wrong_passwords_are_throttled_then_allowed_after_window(
    client, factory, app, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "LMS_LOGIN_LIMIT", "3 per 2 seconds")
    user = factory.user()
    for _ in range(3):
        wrong = client.submit("/login", {"username": user.username, "password": "not-it-at-all"})
        assert wrong.status_code == 200
    throttled = client.submit("/login", {"username": user.username, "password": user.test_password})
    assert throttled.status_code == 429
    assert "Quá nhiều lần đăng nhập sai" in throttled.get_data(as_text=True)
    assert client.get("/").status_code == 302, "a throttled attempt must not sign in"
    assert any("throttled" in record.getMessage() for record in caplog.records)
    time.sleep(2.1)
    allowed = client.submit("/login", {"username": user.username, "password": user.test_password})
    assert allowed.status_code == 302
    assert client.get("/").status_code == 200


def test_session_cookie_copied_before_sign_out_is_sent_to_sign_in(app, client, factory, login_as):
    user = factory.user()
    login_as(client, user)
    thief = app.test_client()
    _copy_cookie(client, thief, "lms_session")
    assert thief.get("/").status_code == 200, "the copied cookie works while signed in"
    client.submit("/logout")
    replay = thief.get("/")
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/login")


def test_signing_out_in_one_browser_leaves_the_others_signed_in(app, client, factory, login_as):
    user = factory.user()
    login_as(client, user)
    phone = app.test_client()
    login_as(phone, user, remember="y")
    copy_of_phone = app.test_client()
    _copy_cookie(phone, copy_of_phone, "lms_remember")
    client.submit("/logout")
    assert client.get("/").status_code == 302
    assert phone.get("/").status_code == 200
    phone.submit("/logout")
    assert copy_of_phone.get("/").status_code == 302, "the phone's remember-me cookie ended too"


def test_remember_me_survives_the_browser_session_but_not_sign_out(app, client, factory, login_as):
    user = factory.user()
    login_as(client, user, remember="y")
    remembered = app.test_client()
    _copy_cookie(client, remembered, "lms_remember")
    assert remembered.get("/").status_code == 200
    client.submit("/logout")
    stale = app.test_client()
    _copy_cookie(client if client.get_cookie("lms_remember") else remembered, stale, "lms_remember")
    assert stale.get("/").status_code == 302


def test_changing_password_signs_out_other_devices_only(app, client, factory, login_as):
    user = factory.user()
    login_as(client, user)
    other_device = app.test_client()
    login_as(other_device, user)
    new_password = "Mat-khau-moi-2026!"
    response = client.submit(
        "/account/password",
        {"current": user.test_password, "new": new_password, "confirm": new_password},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    fresh = app.test_client()
    login_as(fresh, user, password=new_password)


def test_password_policy_is_explained(client, factory, login_as):
    user = factory.user(username="lanttp")
    login_as(client, user)
    for weak, message in [
        ("short1", "10"),
        ("password123", "phổ biến"),
        ("lanttp-2026-xyz", "tên đăng nhập"),
    ]:
        response = client.submit(
            "/account/password", {"current": user.test_password, "new": weak, "confirm": weak}
        )
        assert response.status_code == 200
        assert message in response.get_data(as_text=True), weak


def test_deactivating_a_user_ends_their_sessions(app, client, factory, login_as):
    admin = factory.user(roles=[Role.ADMIN])
    learner = factory.user()
    learner_client = app.test_client()
    login_as(learner_client, learner)
    login_as(client, admin)
    response = client.submit(f"/admin/users/{learner.id}/deactivate")
    assert response.status_code == 302
    assert learner_client.get("/").status_code == 302
    again = app.test_client().submit(
        "/login", {"username": learner.username, "password": learner.test_password}
    )
    assert again.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in again.get_data(as_text=True)


def test_session_cookies_are_httponly_and_samesite(client, factory, login_as):
    user = factory.user()
    response = login_as(client, user, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies
    for cookie in cookies:
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie


def test_cookies_are_secure_over_https(client, factory):
    user = factory.user()
    token = client.csrf_token()
    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": user.test_password,
            "csrf_token": token,
            "remember": "y",
        },
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    cookies = response.headers.getlist("Set-Cookie")
    assert any(cookie.startswith("lms_device=") for cookie in cookies)
    assert all("Secure" in cookie for cookie in cookies)
    assert "Strict-Transport-Security" in response.headers
