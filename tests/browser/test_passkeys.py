"""Passkeys in Chromium, with its virtual authenticator (DevTools protocol): register one
from the security page, sign out, sign in with it and no password; then the password sign-in
asks for the second factor and the passkey gives it."""

import pytest

from lms.accounts import services as accounts
from lms.extensions import db

pytestmark = pytest.mark.browser

USERNAME = "passkey.lan"
FULL_NAME = "Trần Thị Lan"


@pytest.fixture
def person(live_app):
    """Someone of their own, so the passkey changes no other journey's sign-in."""
    with live_app.app_context():
        user = accounts.create_user(
            None,
            username=USERNAME,
            full_name=FULL_NAME,
            password=live_app.config["LMS_DEMO_PASSWORD"],
        )
        db.session.commit()
        return user.id


@pytest.fixture
def with_authenticator(window):
    """A window on the site by the name ``localhost`` (a passkey belongs to a host name, never
    to an address) whose browser holds a virtual platform authenticator with user
    verification, as a laptop's fingerprint reader."""
    visitor = window(1280, 800)
    visitor.base_url = visitor.base_url.replace("127.0.0.1", "localhost")
    devtools = visitor.page.context.new_cdp_session(visitor.page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return visitor


def test_register_a_passkey_sign_out_and_sign_in_with_it(with_authenticator, person):
    visitor = with_authenticator
    page = visitor.page
    visitor.sign_in(USERNAME)
    page.wait_for_url(visitor.base_url + "/")

    visitor.open("/account/security")
    page.fill("#passkey-name", "Máy tính làm việc")
    page.click("form[data-passkey=register] button")
    page.wait_for_selector("text=Máy tính làm việc")
    visitor.check_accessibility()

    visitor.click("form[action='/logout'] button")
    page.wait_for_url(visitor.base_url + "/login")
    page.click("form[data-passkey=sign-in] button")
    page.wait_for_url(visitor.base_url + "/")
    assert FULL_NAME in page.content()
    visitor.check_accessibility()

    # Having a passkey, the password alone is no longer enough; the passkey is the factor.
    visitor.click("form[action='/logout'] button")
    visitor.sign_in(USERNAME)
    page.wait_for_url(visitor.base_url + "/login/second-factor")
    page.click("form[data-passkey=sign-in] button")
    page.wait_for_url(visitor.base_url + "/")
    assert FULL_NAME in page.content()
