"""The sign-in lockout policy: a password guesser is slowed down, the owner is not locked out."""

import re

import pytest

ATTACKERS = ["203.0.113.1", "203.0.113.2"]


def _sign_in(browser, username, password, address):
    return browser.submit(
        "/login",
        {"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _attack(app, username):
    """Ten wrong passwords for ``username``, five from each of two addresses: the account
    limit for browsers without its device cookie (10 per 15 minutes) is reached."""
    attacker = app.test_client()
    for number in range(10):
        guess = _sign_in(attacker, username, f"guess-{number}", ATTACKERS[number % 2])
        assert guess.status_code == 200
    assert _sign_in(attacker, username, "guess-10", ATTACKERS[0]).status_code == 429


def _device_cookie(browser) -> str:
    return browser.get_cookie("lms_device").value


def _refusal(response) -> str:
    """The refusal's text, less the request's own id."""
    page = re.search(r'<article class="error-page">.*?</article>', response.text, re.S).group(0)
    return page.replace(response.headers["X-Request-ID"], "")


def _assert_refused(response):
    assert response.status_code == 429
    assert "Quá nhiều lần đăng nhập sai" in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


def test_the_owner_with_a_device_cookie_signs_in_while_the_account_is_attacked(
    app, client, factory, login_as
):
    owner = factory.user()
    login_as(client, owner)
    client.submit("/logout")
    _attack(app, owner.username)
    stranger = app.test_client()
    _assert_refused(_sign_in(stranger, owner.username, owner.test_password, "198.51.100.1"))
    assert _sign_in(client, owner.username, owner.test_password, "198.51.100.2").status_code == 302
    assert client.get("/").status_code == 200


def test_a_colleagues_typos_do_not_hold_up_the_office_behind_the_same_address(app, factory):
    office = "198.51.100.7"
    typist, colleague = factory.user(), factory.user()
    typist_browser, colleague_browser = app.test_client(), app.test_client()
    for _ in range(5):
        assert _sign_in(typist_browser, typist.username, "typo-typo", office).status_code == 200
    _assert_refused(_sign_in(typist_browser, typist.username, typist.test_password, office))
    signed_in = _sign_in(colleague_browser, colleague.username, colleague.test_password, office)
    assert signed_in.status_code == 302


def test_a_guesser_is_slowed_per_account_and_address_then_at_the_address_ceiling(
    app, client, factory, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_LOGIN_ADDRESS_LIMIT", "9 per 5 minutes")
    guesser = "192.0.2.9"
    first, second = factory.user(), factory.user()
    for _ in range(5):
        assert _sign_in(client, first.username, "guess-guess", guesser).status_code == 200
    _assert_refused(_sign_in(client, first.username, "guess-guess", guesser))
    for _ in range(4):
        assert _sign_in(client, second.username, "guess-guess", guesser).status_code == 200
    _assert_refused(_sign_in(client, "a-third-name", "guess-guess", guesser))
    elsewhere = _sign_in(app.test_client(), first.username, first.test_password, "192.0.2.10")
    assert elsewhere.status_code == 302


def test_a_refusal_reads_the_same_whether_or_not_the_account_exists(app, factory):
    user = factory.user()
    refusals = []
    for number, username in enumerate([user.username, "nobody-by-this-name"]):
        browser, address = app.test_client(), f"192.0.2.{number + 20}"
        for _ in range(5):
            assert _sign_in(browser, username, "guess-guess", address).status_code == 200
        refused = _sign_in(browser, username, "guess-guess", address)
        _assert_refused(refused)
        refusals.append(_refusal(refused))
    assert refusals[0] == refusals[1]


@pytest.mark.parametrize("cookie", ["another account's", "tampered", "made up"])
def test_only_the_accounts_own_genuine_device_cookie_exempts(
    app, client, factory, login_as, cookie
):
    owner, other = factory.user(), factory.user()
    login_as(client, owner)
    genuine = _device_cookie(client)
    client.submit("/logout")
    _attack(app, owner.username)
    browser = app.test_client()
    if cookie == "another account's":
        login_as(browser, other)
        browser.submit("/logout")
    else:
        # The first character is wholly significant (a last base64 one may not be).
        forged = ("B" if genuine[0] == "A" else "A") + genuine[1:]
        browser.set_cookie("lms_device", forged if cookie == "tampered" else "owner.0.0")
    _assert_refused(_sign_in(browser, owner.username, owner.test_password, "198.51.100.3"))
    browser.set_cookie("lms_device", genuine)
    assert _sign_in(browser, owner.username, owner.test_password, "198.51.100.3").status_code == 302


def test_a_stolen_device_cookie_guesses_slowly_and_locks_no_one_else_out(
    app, client, factory, login_as
):
    owner = factory.user()
    login_as(client, owner)
    thief = app.test_client()
    thief.set_cookie("lms_device", _device_cookie(client))
    for number in range(5):
        guess = _sign_in(thief, owner.username, f"guess-{number}", f"203.0.113.{number + 10}")
        assert guess.status_code == 200
    _assert_refused(_sign_in(thief, owner.username, owner.test_password, "203.0.113.20"))
    new_phone = app.test_client()
    assert (
        _sign_in(new_phone, owner.username, owner.test_password, "198.51.100.4").status_code == 302
    )


def test_signing_in_leaves_a_long_lived_httponly_device_cookie(client, factory, login_as):
    response = login_as(client, factory.user())
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("lms_device=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
