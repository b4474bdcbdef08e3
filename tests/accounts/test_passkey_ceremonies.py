"""Passkeys over HTTP: the options the browser gets, and answers that must be refused. The
whole ceremony with a real (virtual) authenticator is tests/browser/test_passkeys.py."""

import base64

from lms.accounts import passkeys

FORGED = {
    "id": "AAAA",
    "rawId": "AAAA",
    "type": "public-key",
    "response": {
        "clientDataJSON": base64.urlsafe_b64encode(b'{"type":"webauthn.get"}').decode(),
        "authenticatorData": "AAAA",
        "signature": "AAAA",
        "userHandle": None,
    },
    "clientExtensionResults": {},
}


def _json_post(client, url, body=None):
    return client.post(url, json=body or {}, headers={"X-CSRFToken": client.csrf_token()})


def test_sign_in_options_ask_for_a_discoverable_verified_passkey_of_this_host(client):
    options = _json_post(client, "/login/passkey/options").get_json()
    assert options["rpId"] == "localhost"
    assert options["userVerification"] == "required"
    assert options["allowCredentials"] == []
    assert len(base64.urlsafe_b64decode(options["challenge"] + "==")) >= 32


def test_forged_passkey_answer_is_refused_without_a_session(client):
    _json_post(client, "/login/passkey/options")
    response = _json_post(client, "/login/passkey", FORGED)
    assert response.status_code == 422
    assert response.get_json()["error"]
    assert client.get("/account/password").status_code == 302


def test_passkey_answer_without_options_first_is_refused(client):
    assert _json_post(client, "/login/passkey", FORGED).status_code == 422


def test_registration_needs_a_verified_answer(app, client, factory, login_as):
    user = factory.user()
    login_as(client, user)
    options = _json_post(client, "/account/security/passkeys/options").get_json()
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["user"]["name"] == user.username
    forged = {"credential": {**FORGED, "response": {"attestationObject": "AAAA"}}, "name": "x"}
    assert _json_post(client, "/account/security/passkeys", forged).status_code == 422
    with app.app_context():
        assert passkeys.passkeys_of(user) == []


def test_second_step_passkey_needs_a_pending_sign_in(client):
    assert _json_post(client, "/login/second-factor/passkey/options").status_code == 422
