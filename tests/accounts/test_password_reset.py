"""Password reset by the person: a link e-mailed through the notifications' outbox (a real
SMTP server here), working once, for a limited time, only while the password is unchanged;
the same answer for an account that does not exist; its own rate limit; and a link an admin
makes for a person without e-mail."""

import re

import pytest
import sqlalchemy as sa

from lms.core.models import AuditEntry
from lms.core.permissions import Role
from lms.extensions import db
from lms.notifications import services as notifications
from lms.notifications.models import PASSWORD_RESET, Notification
from tests.notifications.smtp_sink import smtp_sink

NEW_PASSWORD = "Mat-khau-moi-2026-an-toan"
SITE = "https://hoctap.example.vn"


def in_english(client):
    client.submit("/language", {"locale": "en"})  # the messages checked are the English ones
    return client


@pytest.fixture
def client(client):
    return in_english(client)


@pytest.fixture
def mail(app, monkeypatch):
    """E-mail on, to a real SMTP server, with the site's address set."""
    with smtp_sink() as (sink, port):
        for key, value in {
            "LMS_SMTP_HOST": "127.0.0.1",
            "LMS_SMTP_PORT": port,
            "LMS_SMTP_STARTTLS": False,
            "LMS_BASE_URL": SITE,
        }.items():
            monkeypatch.setitem(app.config, key, value)
        yield sink


@pytest.fixture
def person(factory):
    return factory.user(username="an.nguyen", email="an@example.vn", full_name="Nguyễn Văn An")


def ask(client, identifier):
    return client.submit("/account/forgot-password", {"identifier": identifier})


def emailed_link(app, sink) -> str:
    """Send what is pending and return the path of the one reset link e-mailed."""
    with app.app_context():
        notifications.send_pending_email()
    [message] = sink.received
    sink.received.clear()
    [link] = re.findall(re.escape(SITE) + r"(/account/reset/\S+)", message.get_content())
    return link


def choose(client, link, password=NEW_PASSWORD):
    return client.submit(link, {"new": password, "confirm": password})


def test_the_sign_in_page_offers_a_reset(client):
    assert 'href="/account/forgot-password"' in client.get("/login").get_data(as_text=True)


def test_an_emailed_link_sets_a_new_password_once(app, client, mail, person, login_as):
    assert ask(client, "An@Example.vn ").status_code == 200
    link = emailed_link(app, mail)

    page = client.get(link)
    assert page.status_code == 200 and "an.nguyen" in page.get_data(as_text=True)
    response = choose(client, link)
    assert response.status_code == 302 and response.location == "/login"
    login_as(client, person, NEW_PASSWORD)

    again = client.get(link)
    assert again.status_code == 400
    assert "Liên kết này đã được dùng" in again.get_data(as_text=True)
    assert choose(app.test_client(), link, "Mot-mat-khau-khac-2026").status_code == 400
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.object_id == person.id)
        ).all()
    assert "user.password_reset_by_link" in actions


def test_the_username_also_finds_the_account(app, client, mail, person):
    ask(client, "AN.NGUYEN")
    assert emailed_link(app, mail).startswith("/account/reset/")


def test_an_expired_link_is_refused(app, client, mail, person, clock):
    ask(client, "an@example.vn")
    link = emailed_link(app, mail)
    clock.advance(minutes=59)
    assert client.get(link).status_code == 200
    clock.advance(minutes=2)
    page = client.get(link)
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)
    assert choose(client, link).status_code == 400


def test_a_password_change_kills_the_link(app, client, mail, person, login_as):
    ask(client, "an@example.vn")
    link = emailed_link(app, mail)
    login_as(client, person)
    client.submit(
        "/account/password",
        {"current": person.test_password, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    page = in_english(app.test_client()).get(link)
    assert page.status_code == 400 and "already been used" in page.get_data(as_text=True)


def test_an_altered_link_is_refused(app, client, mail, person):
    ask(client, "an@example.vn")
    link = emailed_link(app, mail)
    assert client.get(link[:-3] + "xyz").status_code == 400


def test_an_unknown_account_gets_the_same_answer_and_no_email(app, client, mail, person):
    known = ask(client, "an@example.vn").get_data(as_text=True)
    unknown = ask(client, "nobody@example.vn").get_data(as_text=True)
    assert _without_csrf(unknown) == _without_csrf(known)
    with app.app_context():
        notifications.send_pending_email()
        kinds = db.session.scalars(sa.select(Notification.kind)).all()
    assert kinds == [PASSWORD_RESET] and len(mail.received) == 1


def _without_csrf(page: str) -> str:
    # The CSRF tokens of the page's forms carry the time they were signed.
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", page)


def test_a_person_without_email_or_a_deactivated_one_gets_no_link(
    app, client, mail, factory, person
):
    factory.user(username="binh")
    with app.app_context():
        db.session.get(type(person), person.id).active = False
        db.session.commit()
    ask(client, "binh")
    ask(client, "an@example.vn")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_asking_is_limited_per_account_and_per_address(app, client, mail, person, monkeypatch):
    for _try in range(3):
        assert ask(client, "an@example.vn").status_code == 200
    assert ask(client, "an@example.vn").status_code == 429
    assert ask(client, "someone.else").status_code == 200  # another account, same address

    other_address = app.test_client()  # the counters are per address: a fresh one
    monkeypatch.setitem(app.config, "LMS_PASSWORD_RESET_ADDRESS_LIMIT", "2 per hour")
    headers = {"environ_base": {"REMOTE_ADDR": "10.0.0.9"}}
    assert (
        other_address.submit("/account/forgot-password", {"identifier": "x"}, **headers).status_code
        == 200
    )
    assert (
        other_address.submit("/account/forgot-password", {"identifier": "y"}, **headers).status_code
        == 200
    )
    assert (
        other_address.submit("/account/forgot-password", {"identifier": "z"}, **headers).status_code
        == 429
    )


def test_without_email_the_page_sends_people_to_their_administrator(client, person):
    page = client.get("/account/forgot-password").get_data(as_text=True)
    assert "Ask your administrator" in page and 'name="identifier"' not in page
    assert "administrator" in ask(client, "an@example.vn").get_data(as_text=True)


def test_a_reset_ends_every_session_of_the_person(app, client, mail, person, login_as):
    elsewhere = app.test_client()
    login_as(elsewhere, person)
    assert elsewhere.get("/account/sessions").status_code == 200
    ask(client, "an@example.vn")
    choose(client, emailed_link(app, mail))
    assert elsewhere.get("/account/sessions").location.startswith("/login")


def test_an_admin_makes_a_link_for_a_person_without_email(app, client, factory, login_as, clock):
    admin = factory.user(roles=[Role.ADMIN], username="admin")
    person = factory.user(username="chi")
    login_as(client, admin)
    page = client.submit(f"/admin/users/{person.id}/reset-link").get_data(as_text=True)
    [link] = re.findall(r'value="http://localhost(/account/reset/[^"]+)"', page)

    clock.advance(days=6)
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200
    choose(visitor, link)
    assert visitor.get(link).status_code == 400
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(AuditEntry.actor_id).where(
                    AuditEntry.action == "user.password_reset_link"
                )
            )
            == admin.id
        )


def test_an_admin_link_expires_with_the_activation_lifetime(app, client, factory, login_as, clock):
    admin = factory.user(roles=[Role.ADMIN], username="admin")
    person = factory.user(username="dung")
    login_as(client, admin)
    page = client.submit(f"/admin/users/{person.id}/reset-link").get_data(as_text=True)
    [link] = re.findall(r'value="http://localhost(/account/reset/[^"]+)"', page)
    clock.advance(days=7, minutes=1)
    assert app.test_client().get(link).status_code == 400


def test_only_admins_make_links(client, factory, login_as):
    learner = factory.user()
    login_as(client, learner)
    assert client.submit(f"/admin/users/{learner.id}/reset-link").status_code == 403
