"""Activation links: an account made without a password gets one through a signed link."""

import time

import pytest
from itsdangerous.timed import TimestampSigner

from lms.accounts import activation
from lms.accounts.models import User
from lms.extensions import db
from lms.org import roster

PASSWORD = "Mat-khau-rieng-2026"


@pytest.fixture(autouse=True)
def english(app, monkeypatch):
    """Visitors who have not signed in get the default language: English for these checks."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")


@pytest.fixture
def invited(app):
    """A learner made by a roster import (no password yet) and their activation path."""
    with app.app_context():
        user = activation.create_invited_user(
            None, username="moi.vao", full_name="Lý Thị Mới Vào", locale="en"
        )
        token = activation.make_token(user)
        db.session.commit()
        user_id = user.id
    return type("Invited", (), {"id": user_id, "path": f"/account/activate/{token}"})


def activate(client, path, password=PASSWORD, confirm=None):
    return client.submit(path, {"new": password, "confirm": confirm or password})


def test_form_has_csrf_and_names_the_account(client, invited):
    page = client.get(invited.path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="csrf_token"' in html and "moi.vao" in html and "Lý Thị Mới Vào" in html


def test_invited_user_activates_signs_in_and_can_sign_in_again(app, client, invited, login_as):
    response = activate(client, invited.path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert "moi.vao" in client.get("/").get_data(as_text=True)
    other = app.test_client()
    with app.app_context():
        user = db.session.get(User, invited.id)
    user.test_password = PASSWORD
    login_as(other, user)


def test_link_works_once(client, invited):
    assert activate(client, invited.path).status_code == 302
    client.submit("/logout")
    again = client.get(invited.path)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    assert activate(client, invited.path, "Mat-khau-khac-2026").status_code == 400


def test_expired_link_is_explained(client, invited, monkeypatch):
    eight_days_later = int(time.time()) + 8 * 86400
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: eight_days_later)
    response = client.get(invited.path)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_lifetime_is_configurable(app, client, invited, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_ACTIVATION_DAYS", 30)
    twenty_days_later = int(time.time()) + 20 * 86400
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: twenty_days_later)
    assert client.get(invited.path).status_code == 200


def _flip_signature(path: str) -> str:
    # Not the last character: some of its bits are base64 padding.
    return path[:-5] + ("A" if path[-5] != "A" else "B") + path[-4:]


@pytest.mark.parametrize(
    "change",
    [_flip_signature, lambda path: path + "x", lambda path: "/account/activate/nonsense"],
    ids=["changed", "lengthened", "made-up"],
)
def test_tampered_link_is_explained(client, invited, change):
    response = client.get(change(invited.path))
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_weak_or_mismatched_password_keeps_the_link_alive(client, invited):
    weak = activate(client, invited.path, "12345678")
    assert weak.status_code == 200 and "at least" in weak.get_data(as_text=True)
    mismatch = activate(client, invited.path, PASSWORD, "Something-else-2026")
    assert mismatch.status_code == 200 and "differ" in mismatch.get_data(as_text=True)
    assert activate(client, invited.path).status_code == 302


def test_deactivated_account_cannot_activate(app, client, invited):
    with app.app_context():
        db.session.get(User, invited.id).active = False
        db.session.commit()
    assert client.get(invited.path).status_code == 400


def test_post_without_csrf_is_refused(client, invited):
    response = client.post(invited.path, data={"new": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    with client.application.app_context():
        assert db.session.get(User, invited.id).password_hash.startswith("!")


def test_links_file_lists_only_accounts_still_without_password(appctx, factory):
    waiting = activation.create_invited_user(None, username="waiting", full_name="Chờ Kích Hoạt")
    done = activation.create_invited_user(None, username="done", full_name="Đã Kích Hoạt")
    activation.activate(done, PASSWORD)
    links = activation.activation_links([waiting.id, done.id])
    assert [(username, name) for username, name, _ in links] == [("waiting", "Chờ Kích Hoạt")]
    assert activation.user_for_token(links[0][2].rsplit("/", 1)[1]).id == waiting.id
    assert roster.links_csv(links).startswith("\ufeff".encode())
