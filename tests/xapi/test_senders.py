"""Several senders at once, as several workers (or a worker beside ``lms xapi send``) would
run them: two OS processes delivering the same outbox to a real LRS post each statement
once between them.

The test has a database of its own whose data is committed (the senders are other
processes), on SQLite and on PostgreSQL; the senders are forked from the test's process, so
they run the very application the test built.
"""

import multiprocessing
import os
import secrets
from collections import Counter

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from lms import create_app
from lms.core import clock
from lms.extensions import db
from lms.testing import plugin
from lms.testing.factories import Factories
from lms.xapi import delivery, services
from lms.xapi.models import SENT, Delivery, Statement

FORK = multiprocessing.get_context("fork")


@pytest.fixture
def committed_app(database_kind, tmp_path, lrs_store, monkeypatch):
    """An application on a database of its own, built by the migrations, whose data is
    committed, sending to Ralph."""
    settings = {"LMS_XAPI_LRS": [lrs_store.store], "LMS_BASE_URL": lrs_store.site}
    if database_kind == "postgresql":
        with plugin.committed_postgres_app(tmp_path, connections=4, **settings) as app:
            yield app
        return
    config = plugin.testing_config(f"sqlite:///{tmp_path / 'senders.sqlite3'}", tmp_path)
    app = create_app({**config, **settings})
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def lrs_store(ralph):
    ralph.site = f"https://site-{secrets.token_hex(6)}.example.vn"
    return ralph


def _outbox(app, people: int, each: int) -> list[str]:
    """``people`` × ``each`` statements, committed; returns their ids."""
    with app.test_request_context():
        factory = Factories(app)
        for _person in range(people):
            user = factory.user()
            for n in range(each):
                activity = {"objectType": "Activity", "id": f"{services.site()}/modules/m{n}"}
                services.record(user, f"test:{user.id}:{n}", "attempted", clock.now(), activity)
        db.session.commit()
        return list(db.session.scalars(sa.select(Statement.uuid)))


def _send(app, results) -> None:
    """A sender process: the application's outbox, on connections of its own."""
    with app.app_context():
        db.engine.dispose(close=False)  # the parent's connections stay the parent's
        outcome = delivery.deliver()["ralph"]
        results.put((os.getpid(), outcome.sent, outcome.failed))


def test_two_senders_deliver_each_of_300_statements_exactly_once(
    committed_app, lrs_store, monkeypatch
):
    app = committed_app
    monkeypatch.setattr(delivery, "BATCH_SIZE", 10)  # thirty batches: the senders overlap
    written = _outbox(app, people=10, each=30)
    results = FORK.Queue()
    senders = [FORK.Process(target=_send, args=(app, results)) for _ in range(2)]
    for sender in senders:
        sender.start()
    reports = [results.get(timeout=120) for _ in senders]
    for sender in senders:
        sender.join(30)

    assert [sender.exitcode for sender in senders] == [0, 0]
    assert [failed for _pid, _sent, failed in reports] == [0, 0]
    # Both sent (thirty posts take longer than a fork), and each statement was posted by one
    # of them: had both posted a batch, it would count twice.
    sent = [sent for _pid, sent, _failed in reports]
    assert sum(sent) == 300 and min(sent) > 0, sent
    stored = Counter(
        s["id"]
        for s in lrs_store.statements()
        if s["actor"]["account"]["homePage"] == lrs_store.site
    )
    assert len(written) == 300 and set(stored) == set(written)
    assert set(stored.values()) == {1}
    with app.app_context():
        states = Counter(db.session.execute(sa.select(Delivery.status, Delivery.tries)).all())
    assert states == {(SENT, 1): 300}
