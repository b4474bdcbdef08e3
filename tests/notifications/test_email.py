"""E-mail of notifications: off by default, sent through a real SMTP server when configured,
every result recorded as it really was, failures tried again after a growing wait and given
up after LMS_EMAIL_MAX_TRIES tries."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.core.errors import PermissionDenied
from lms.core.models import AuditEntry
from lms.core.permissions import Role
from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import (
    EMAIL_FAILED,
    EMAIL_PENDING,
    EMAIL_SENT,
    EMAIL_SKIPPED,
    Notification,
)
from tests.notifications.smtp_sink import free_port, smtp_sink

BUSY = "450 4.2.1 Mailbox busy, try later"


@pytest.fixture
def configure(app, monkeypatch):
    """Set config keys for this test only (the application outlives it)."""

    def set_keys(**values):
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)

    return set_keys


@pytest.fixture
def sink(configure):
    """A real SMTP server the application is configured to send to."""
    with smtp_sink() as (server, port):
        configure(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=port, LMS_SMTP_STARTTLS=False)
        yield server


def _notice(user, key="assigned:1"):
    services.notify(user, "assigned", key, title={"vi": "An toàn thông tin"}, url="/modules/x")
    return db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == user.id, Notification.event_key == key
        )
    ).one()


def test_email_is_off_by_default_and_says_so(appctx, factory):
    user = factory.user(email="an@example.vn")
    assert _notice(user).email_status == EMAIL_SKIPPED
    assert services.send_pending_email() == (0, 0)


def test_configured_smtp_sends_each_notification_once(appctx, factory, sink, configure):
    configure(LMS_BASE_URL="https://lms.example.vn")
    user = factory.user(email="an@example.vn", full_name="Nguyễn Văn An")
    notice = _notice(user)
    services.notify(user, "assigned", "assigned:1", title={"vi": "Lặp lại"})

    assert services.send_pending_email() == (1, 0)
    assert services.send_pending_email() == (0, 0)
    assert notice.email_status == EMAIL_SENT and notice.email_error is None
    assert notice.email_tries == 1
    [mail] = sink.received
    assert mail["To"] == "an@example.vn"
    assert "An toàn thông tin" in mail["Subject"]
    assert "https://lms.example.vn/modules/x" in mail.get_content()
    assert mail["Message-ID"].startswith(f"<notification.{notice.id}.")


def test_a_refused_email_is_tried_again_later_and_later_then_given_up(
    appctx, factory, sink, configure, clock
):
    configure(LMS_EMAIL_MAX_TRIES=3, LMS_EMAIL_RETRY_SECONDS=60)
    sink.refuse["an@example.vn"] = BUSY
    notice = _notice(factory.user(email="an@example.vn"))
    started = clock.now()

    assert services.send_pending_email() == (0, 1)
    assert (notice.email_status, notice.email_tries) == (EMAIL_PENDING, 1)
    assert notice.email_error == BUSY
    assert notice.email_next_attempt_at == started + timedelta(seconds=60)
    assert services.send_pending_email() == (0, 0)  # not due yet
    clock.advance(seconds=59)
    assert services.send_pending_email() == (0, 0)

    clock.advance(seconds=1)
    assert services.send_pending_email() == (0, 1)
    assert notice.email_tries == 2
    assert notice.email_next_attempt_at == clock.now() + timedelta(seconds=120)  # doubled

    clock.advance(seconds=120)
    assert services.send_pending_email() == (0, 1)
    assert (notice.email_status, notice.email_tries) == (EMAIL_FAILED, 3)
    assert notice.email_error == BUSY and notice.email_next_attempt_at is None
    clock.advance(days=2)
    assert services.send_pending_email() == (0, 0)
    assert sink.refused == 3 and sink.received == []


def test_a_failed_email_goes_out_once_the_server_takes_it(appctx, factory, sink, clock):
    sink.refuse["*"] = BUSY
    notice = _notice(factory.user(email="an@example.vn"))
    assert services.send_pending_email() == (0, 1)

    del sink.refuse["*"]
    clock.advance(minutes=5)
    assert services.send_pending_email() == (1, 0)
    assert (notice.email_status, notice.email_tries, notice.email_error) == (EMAIL_SENT, 2, None)
    assert notice.email_next_attempt_at is None
    assert [mail["To"] for mail in sink.received] == ["an@example.vn"]


def test_one_refused_recipient_does_not_hold_up_the_others(appctx, factory, sink):
    sink.refuse["binh@example.vn"] = "550 5.1.1 No such mailbox"
    refused = _notice(factory.user(email="binh@example.vn"))
    accepted = [_notice(factory.user(email=f"p{n}@example.vn")) for n in range(3)]

    assert services.send_pending_email() == (3, 1)
    assert refused.email_error == "550 5.1.1 No such mailbox"
    assert {notice.email_status for notice in accepted} == {EMAIL_SENT}
    assert len(sink.received) == 3


def test_an_unreachable_server_stops_the_run_and_charges_one_email(appctx, factory, configure):
    configure(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=free_port())
    first = _notice(factory.user(email="an@example.vn"))
    second = _notice(factory.user(email="binh@example.vn"))

    assert services.send_pending_email() == (0, 1)
    assert (first.email_status, first.email_tries) == (EMAIL_PENDING, 1)
    assert "refused" in first.email_error.lower()
    assert (second.email_status, second.email_tries, second.email_error) == (
        EMAIL_PENDING,
        0,
        None,
    )


def test_an_email_another_sender_holds_is_left_to_it_until_its_claim_runs_out(
    appctx, factory, sink, clock
):
    """SQLite's claim: a sender that died while holding an e-mail loses it after
    CLAIM_SECONDS, and the e-mail is then sent by another."""
    held = _notice(factory.user(email="an@example.vn"))
    held.email_claimed_by = "other-host:123"
    held.email_claimed_until = clock.now() + timedelta(seconds=services.CLAIM_SECONDS)
    free = _notice(factory.user(email="binh@example.vn"))
    db.session.commit()

    assert services.send_pending_email() == (1, 0)
    assert (held.email_status, free.email_status) == (EMAIL_PENDING, EMAIL_SENT)
    clock.advance(seconds=services.CLAIM_SECONDS + 1)
    assert services.send_pending_email() == (1, 0)
    assert held.email_status == EMAIL_SENT and held.email_claimed_by is None
    assert sorted(mail["To"] for mail in sink.received) == ["an@example.vn", "binh@example.vn"]


def test_an_admin_has_failed_email_tried_again_now(appctx, factory, sink, configure, clock):
    configure(LMS_EMAIL_MAX_TRIES=1)
    admin = factory.user(roles=[Role.ADMIN])
    sink.refuse["*"] = BUSY
    notices = [_notice(factory.user(email=f"p{n}@example.vn")) for n in range(2)]
    assert services.send_pending_email() == (0, 2)
    assert {notice.email_status for notice in notices} == {EMAIL_FAILED}
    with pytest.raises(PermissionDenied):
        services.retry_email(factory.user(), notices[0])

    del sink.refuse["*"]
    assert services.retry_email(admin, notices[0]) == 1
    assert services.send_pending_email() == (1, 0)
    assert [notice.email_status for notice in notices] == [EMAIL_SENT, EMAIL_FAILED]
    assert services.retry_email(admin, notices[0]) == 0  # sent: nothing to retry
    assert services.retry_email(admin) == 1
    assert services.send_pending_email() == (1, 0)
    assert notices[1].email_status == EMAIL_SENT and notices[1].email_tries == 2
    retried = db.session.scalars(
        sa.select(AuditEntry.details).where(AuditEntry.action == "email.retried")
    ).all()
    assert retried == [{"count": 1}, {"count": 1}]


def test_people_without_an_address_are_not_pending(appctx, factory, configure):
    configure(LMS_SMTP_HOST="127.0.0.1")
    assert _notice(factory.user()).email_status == EMAIL_SKIPPED


def test_an_address_removed_before_sending_skips_the_email(appctx, factory, sink):
    user = factory.user(email="an@example.vn")
    notice = _notice(user)
    user.email = None
    db.session.commit()

    assert services.send_pending_email() == (0, 0)
    assert notice.email_status == EMAIL_SKIPPED and sink.received == []


def test_an_email_that_cannot_be_written_is_given_up_and_the_others_go_out(appctx, factory, sink):
    broken = factory.user(email="an@example.vn")
    # A renewal notice without the date it is about: its text cannot be made.
    services.notify(broken, "renewal_open", "renewal:1", title={"vi": "An toàn thông tin"})
    good = _notice(factory.user(email="binh@example.vn"))

    assert services.send_pending_email() == (1, 1)
    [notice] = db.session.scalars(sa.select(Notification).where(Notification.user_id == broken.id))
    assert (notice.email_status, notice.email_tries) == (EMAIL_FAILED, 1)
    assert notice.email_error.startswith("The message could not be written: KeyError")
    assert good.email_status == EMAIL_SENT
    assert [mail["To"] for mail in sink.received] == ["binh@example.vn"]
