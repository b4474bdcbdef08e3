"""Capacity under concurrent enrolment, on PostgreSQL: 50 people enrol at once into 20
places, and cancellations promote exactly as many people as places freed.

Like ``tests/assessment/test_concurrency.py``: a dedicated application on a throw-away
schema whose data is committed; each thread has its own app context, session and pooled
connection, and a barrier releases them together. SQLite is skipped: ``BEGIN IMMEDIATE``
gives it one writer at a time, so writes never overlap there.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.classes import services
from lms.classes.models import ENROLLED, WAITLISTED, Enrolment, TrainingSession
from lms.core import clock
from lms.core.permissions import Role
from lms.extensions import db
from lms.testing.factories import Factories
from lms.testing.plugin import committed_postgres_app

PEOPLE = 50
PLACES = 20
BARRIER_TIMEOUT = 15


@pytest.fixture(scope="module")
def live_app(database_kind, tmp_path_factory):
    if database_kind == "sqlite":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no concurrent writes to test")
    with committed_postgres_app(tmp_path_factory.mktemp("instance"), connections=PEOPLE) as app:
        yield app


@pytest.fixture
def full_house(live_app):
    """A session of ``PLACES`` places and ``PEOPLE`` learners; returns their ids."""
    factory = Factories(live_app)
    trainer = factory.user(roles=[Role.TRAINER])
    learners = [factory.user() for _ in range(PEOPLE)]
    with live_app.app_context():
        start = clock.now() + timedelta(days=7)
        session = services.create_session(
            db.session.get(User, trainer.id),
            services.SessionDetails(
                title_vi="Lớp đông người",
                title_en="A crowded class",
                mode="in_person",
                venue="Hội trường",
                capacity=PLACES,
                enrol_opens_at=clock.now() - timedelta(days=1),
                enrol_closes_at=start - timedelta(days=1),
                cancel_until=start - timedelta(days=2),
                slots=[(start, start + timedelta(hours=3))],
                trainer_ids=(trainer.id,),
            ),
        )
        db.session.commit()
        return session.id, [learner.id for learner in learners]


def together(work, items: list) -> list:
    barrier = threading.Barrier(len(items), timeout=BARRIER_TIMEOUT)
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        futures = [pool.submit(work, item, barrier) for item in items]
        return [future.result() for future in futures]


def in_threads(app, session_id: int, user_ids: list[int], call) -> list:
    """``call(session, user)`` for every user at once: one thread, app context, session and
    connection each, committing after."""

    def work(user_id: int, barrier):
        with app.app_context():
            session = db.session.get(TrainingSession, session_id)
            user = db.session.get(User, user_id)
            barrier.wait()
            result = call(session, user)
            db.session.commit()
            return result

    return together(work, user_ids)


def queue(app, session_id: int) -> list[Enrolment]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                sa.select(Enrolment)
                .where(Enrolment.session_id == session_id)
                .order_by(Enrolment.queued_at, Enrolment.id)
            )
        )
        db.session.expunge_all()
        return rows


def statuses(rows) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def enrol_all(app, session_id, user_ids):
    return in_threads(app, session_id, user_ids, lambda s, u: services.enrol(u, s, u).status)


def test_fifty_people_enrolling_at_once_fill_twenty_places(live_app, full_house):
    session_id, user_ids = full_house
    results = enrol_all(live_app, session_id, user_ids)
    assert results.count(ENROLLED) == PLACES
    assert results.count(WAITLISTED) == PEOPLE - PLACES
    rows = queue(live_app, session_id)
    assert statuses(rows) == {ENROLLED: PLACES, WAITLISTED: PEOPLE - PLACES}
    # Places went to the first twenty through the lock, the waitlist to the thirty after.
    assert [row.status for row in rows] == [ENROLLED] * PLACES + [WAITLISTED] * (PEOPLE - PLACES)
    with live_app.app_context():
        from lms.classes import queries

        waiting = [row for row in rows if row.status == WAITLISTED]
        assert [queries.waitlist_position(row) for row in waiting] == list(range(1, 31))


def test_one_cancellation_promotes_exactly_the_first_waiting(live_app, full_house):
    session_id, user_ids = full_house
    enrol_all(live_app, session_id, user_ids)
    before = queue(live_app, session_id)
    leaving = next(row for row in before if row.status == ENROLLED)
    first_waiting = next(row for row in before if row.status == WAITLISTED)
    with live_app.app_context():
        user = db.session.get(User, leaving.user_id)
        promoted = services.cancel(
            user, services.enrolment_of(db.session.get(TrainingSession, session_id), user)
        )
        assert [row.user_id for row in promoted] == [first_waiting.user_id]
        db.session.commit()
    after = {row.user_id: row.status for row in queue(live_app, session_id)}
    assert after[first_waiting.user_id] == ENROLLED
    assert statuses(queue(live_app, session_id)) == {
        ENROLLED: PLACES,
        WAITLISTED: PEOPLE - PLACES - 1,
        "cancelled": 1,
    }


def test_concurrent_cancellations_promote_one_each_in_order(live_app, full_house):
    session_id, user_ids = full_house
    enrol_all(live_app, session_id, user_ids)
    before = queue(live_app, session_id)
    leaving = [row.user_id for row in before if row.status == ENROLLED][:5]
    next_five = [row.user_id for row in before if row.status == WAITLISTED][:5]

    def cancel(session, user):
        return [row.user_id for row in services.cancel(user, services.enrolment_of(session, user))]

    promoted = in_threads(live_app, session_id, leaving, cancel)
    assert sorted(user for batch in promoted for user in batch) == sorted(next_five)
    assert all(len(batch) == 1 for batch in promoted)
    assert statuses(queue(live_app, session_id))[ENROLLED] == PLACES
