"""Admins see the notification e-mail that did not go out — given up, or waiting to be tried
again — with the server's reason and the tries made, and can have it tried again now."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.core import clock
from lms.core.permissions import Role
from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import EMAIL_FAILED, EMAIL_PENDING, EMAIL_SENT, Notification

HOSTILE = "<script>alert(1)</script> 550 No such mailbox"


@pytest.fixture
def admin(app, client, factory, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_SMTP_HOST", "127.0.0.1")
    user = factory.user(roles=[Role.ADMIN], username="postmaster", locale="en")
    login_as(client, user)
    return user


def _emails(app, factory, *states) -> list[int]:
    """One notification per (status, tries, error) in ``states``, for people named after
    their position; returns their ids."""
    ids = []
    with app.test_request_context():
        for n, (status, tries, error) in enumerate(states):
            user = factory.user(email=f"p{n}@example.vn", full_name=f"Person {n}")
            services.notify(user, "assigned", "assigned:1", title={"vi": f"Module {n}"})
            notification = db.session.scalars(
                sa.select(Notification).where(Notification.user_id == user.id)
            ).one()
            notification.email_status = status
            notification.email_tries = tries
            notification.email_error = error
            notification.email_attempted_at = clock.now() - timedelta(minutes=n)
            if status == EMAIL_PENDING and tries:
                notification.email_next_attempt_at = clock.now() + timedelta(minutes=10)
            db.session.flush()
            ids.append(notification.id)
        db.session.commit()
    return ids


def _status(app, notification_id):
    with app.app_context():
        return db.session.execute(
            sa.select(Notification.email_status, Notification.email_next_attempt_at).where(
                Notification.id == notification_id
            )
        ).one()


def test_admins_see_failed_email_with_reason_and_tries(app, client, factory, admin):
    _emails(
        app,
        factory,
        (EMAIL_FAILED, 5, HOSTILE),
        (EMAIL_PENDING, 2, "450 Mailbox busy"),
        (EMAIL_SENT, 1, None),
        (EMAIL_PENDING, 0, None),
    )
    response = client.get("/admin/email")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Person 0" in page and "Person 1" in page
    assert "Person 2" not in page and "Person 3" not in page  # sent; not tried yet
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 550 No such mailbox" in page
    assert "<script>alert(1)" not in page
    assert "450 Mailbox busy" in page and "p1@example.vn" in page
    assert "<td>5</td>" in page and "<td>2</td>" in page
    assert "Waiting to be sent: 1" in page and "Given up: 1" in page
    assert "Failed, to be tried again: 1" in page

    given_up = client.get("/admin/email?state=given_up").get_data(as_text=True)
    assert "Person 0" in given_up and "Person 1" not in given_up
    retrying = client.get("/admin/email?state=retrying").get_data(as_text=True)
    assert "Person 1" in retrying and "Person 0" not in retrying


def test_an_email_whose_message_cannot_be_written_is_listed_by_its_kind(
    app, client, factory, admin
):
    with app.test_request_context():
        user = factory.user(email="an@example.vn", full_name="Person broken")
        # A renewal notice without the date it is about: its text cannot be made.
        services.notify(user, "renewal_open", "renewal:1", title={"vi": "Module"})
        db.session.commit()
        services.send_pending_email()

    page = client.get("/admin/email").get_data(as_text=True)
    assert "Person broken" in page and "renewal_open" in page
    assert "The message could not be written: KeyError" in page


def test_the_list_is_paged(app, client, factory, admin, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_PAGE_SIZE", 2)
    _emails(app, factory, *[(EMAIL_FAILED, 5, f"550 refused {n}") for n in range(3)])

    first = client.get("/admin/email").get_data(as_text=True)
    second = client.get("/admin/email?page=2").get_data(as_text=True)
    # The latest try first: person 0's.
    assert "Person 0" in first and "Person 1" in first and "Person 2" not in first
    assert "Person 2" in second and "Person 0" not in second
    assert "Page 2 of 2" in second


def test_an_admin_has_one_email_tried_again_now(app, client, factory, admin):
    given_up, retrying = _emails(
        app, factory, (EMAIL_FAILED, 5, "550 refused"), (EMAIL_PENDING, 1, "450 busy")
    )

    response = client.submit("/admin/email/retry", {"notification": str(given_up)})
    assert response.status_code == 302 and response.location.endswith("/admin/email")
    assert _status(app, given_up) == (EMAIL_PENDING, None)
    assert _status(app, retrying)[0] == EMAIL_PENDING and _status(app, retrying)[1] is not None
    assert "1 e-mail will be tried again" in client.get("/admin/email").get_data(as_text=True)

    client.submit("/admin/email/retry", {"notification": str(retrying)})
    assert _status(app, retrying) == (EMAIL_PENDING, None)
    assert client.submit("/admin/email/retry", {"notification": "x"}).status_code == 404


def test_an_admin_has_every_given_up_email_tried_again(app, client, factory, admin):
    ids = _emails(app, factory, *[(EMAIL_FAILED, 5, "550 refused")] * 2, (EMAIL_SENT, 1, None))

    client.submit("/admin/email/retry")
    assert [_status(app, n)[0] for n in ids] == [EMAIL_PENDING, EMAIL_PENDING, EMAIL_SENT]


def test_no_retry_without_the_form_token(app, client, factory, admin):
    [given_up] = _emails(app, factory, (EMAIL_FAILED, 5, "550 refused"))
    client.post("/admin/email/retry", data={"notification": str(given_up)})
    assert _status(app, given_up)[0] == EMAIL_FAILED


def test_only_admins_see_the_page(app, client, factory, login_as):
    login_as(client, factory.user(roles=[Role.MANAGER]))
    assert client.get("/admin/email").status_code == 403
    assert client.submit("/admin/email/retry").status_code == 403
