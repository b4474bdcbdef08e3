"""Several senders at once, as several hosts (or the worker beside a cron job) would run
them: two OS processes sending the same pending e-mails to a real SMTP server deliver each
exactly once, and a sender killed while sending costs at most the e-mail it had in flight.

Each test has a database of its own whose data is committed (the senders are other
processes), on SQLite and on PostgreSQL; the senders are forked from the test's process, so
they run the very application the test built.
"""

import contextlib
import multiprocessing
import os
import signal
import time
from collections import Counter

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from lms import create_app
from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import EMAIL_PENDING, EMAIL_SENT, Notification
from lms.testing import plugin
from lms.testing.factories import Factories
from tests.notifications.smtp_sink import smtp_sink

FORK = multiprocessing.get_context("fork")


@pytest.fixture(scope="module")
def committed_app(database_kind, tmp_path_factory):
    """An application on a database of its own, built by the migrations, whose data is
    committed; each test empties the notifications it made."""
    tmp_path = tmp_path_factory.mktemp("senders")
    if database_kind == "postgresql":
        with plugin.committed_postgres_app(tmp_path, connections=4) as app:
            yield app
        return
    app = create_app(plugin.testing_config(f"sqlite:///{tmp_path / 'senders.sqlite3'}", tmp_path))
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def sink_for(committed_app, monkeypatch):
    """``with sink_for(**options) as sink``: a real SMTP server the application sends to."""

    @contextlib.contextmanager
    def sink(**options):
        with smtp_sink(**options) as (server, port):
            for key, value in {
                "LMS_SMTP_HOST": "127.0.0.1",
                "LMS_SMTP_PORT": port,
                "LMS_SMTP_STARTTLS": False,
            }.items():
                monkeypatch.setitem(committed_app.config, key, value)
            yield server

    yield sink
    with committed_app.app_context():
        db.session.execute(sa.delete(Notification))
        db.session.commit()


def _pending(app, people: int, each: int, prefix: str) -> set[str]:
    """``people`` × ``each`` pending e-mails, committed; returns their Message-IDs."""
    with app.test_request_context():
        factory = Factories(app)
        for person in range(people):
            user = factory.user(email=f"{prefix}{person}@example.vn")
            for n in range(each):
                services.notify(user, "assigned", f"assigned:{n}", title={"vi": f"Mô-đun {n}"})
        db.session.commit()
        return {
            f"<notification.{notification.id}.{int(notification.created_at.timestamp())}@localhost>"
            for notification in db.session.scalars(sa.select(Notification))
        }


def _send(app, results) -> None:
    """A sender process: the application's pending e-mail, on connections of its own."""
    with app.test_request_context():
        db.engine.dispose(close=False)  # the parent's connections stay the parent's
        results.put((os.getpid(), services.send_pending_email()))


def _states(app) -> Counter:
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Notification.email_status,
                Notification.email_tries,
                Notification.email_claimed_by.is_not(None),
            )
        ).all()
        db.session.remove()
    return Counter(tuple(row) for row in rows)


def _wait_until_unlocked(app, *, pending: int, seconds: float = 10) -> None:
    """Wait for PostgreSQL to see that a killed sender's connection is gone (which ends its
    transaction and its lock), i.e. until ``pending`` e-mails can be locked."""
    deadline = time.monotonic() + seconds
    with app.app_context():
        while True:
            lockable = db.session.scalars(
                sa.select(Notification.id)
                .where(Notification.email_status == EMAIL_PENDING)
                .with_for_update(skip_locked=True)
            ).all()
            db.session.rollback()
            if len(lockable) == pending or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        db.session.remove()


def test_two_senders_deliver_each_of_200_emails_exactly_once(committed_app, sink_for):
    app = committed_app
    # The server holds each message until both senders are connected: they overlap.
    with sink_for(senders=2) as sink:
        expected = _pending(app, people=20, each=10, prefix="both")
        results = FORK.Queue()
        senders = [FORK.Process(target=_send, args=(app, results)) for _ in range(2)]
        for sender in senders:
            sender.start()
        reports = dict(results.get(timeout=60) for _ in senders)
        for sender in senders:
            sender.join(30)
        states = _states(app)

    assert [sender.exitcode for sender in senders] == [0, 0]
    assert sorted(failed for _sent, failed in reports.values()) == [0, 0]
    sent = [sent for sent, _failed in reports.values()]
    assert sum(sent) == 200 and min(sent) > 0, sent  # both sent, together all
    delivered = Counter(mail["Message-ID"] for mail in sink.received)
    assert len(expected) == 200 and set(delivered) == expected
    assert set(delivered.values()) == {1}
    assert states == {(EMAIL_SENT, 1, False): 200}


def test_a_sender_killed_while_sending_costs_at_most_the_email_in_flight(
    committed_app, sink_for, database_kind, clock
):
    app = committed_app
    with sink_for(stall_after=2) as sink:
        _pending(app, people=5, each=1, prefix="killed")
        sender = FORK.Process(target=_send, args=(app, FORK.Queue()))
        sender.start()
        assert sink.stalled.wait(30), "the sender never reached its third e-mail"
        os.kill(sender.pid, signal.SIGKILL)
        sender.join(10)
        _wait_until_unlocked(app, pending=3)
        after_crash = _states(app)
        sink.stall_after = None

        with app.test_request_context():
            first = services.send_pending_email()
            clock.advance(seconds=services.CLAIM_SECONDS + 1)
            second = services.send_pending_email()
            db.session.remove()
        states = _states(app)

    # Two sent and committed; the third was in flight; the other two never claimed. On
    # PostgreSQL the dead sender's lock went with its connection; on SQLite its claim holds
    # the e-mail until the claim runs out.
    in_flight = (EMAIL_PENDING, 0, database_kind == "sqlite")
    assert after_crash == Counter({(EMAIL_SENT, 1, False): 2, (EMAIL_PENDING, 0, False): 2}) + (
        Counter({in_flight: 1})
    )
    if database_kind == "postgresql":
        assert (first, second) == ((3, 0), (0, 0))
    else:
        assert (first, second) == ((2, 0), (1, 0))
    assert states == {(EMAIL_SENT, 1, False): 5}
    assert sorted(Counter(mail["To"] for mail in sink.received).values()) == [1] * 5
