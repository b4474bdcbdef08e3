"""Asking for a reset link says nothing about which accounts exist, not even by timing: the
request only puts the typed identifier on the job queue, and a worker looks the account up.
Measured on an application whose tasks wait for a worker, as in production (the other
tests run each task where it is enqueued): over 50 tries each, interleaved, the mean answer
for an existing account and for an unknown one (without the slowest tenth of each) differ by
less than 10 ms, and the bodies are the same."""

import gc
import re
import statistics
import time

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from lms import create_app
from lms.core import jobs
from lms.extensions import db
from lms.notifications.models import Notification
from lms.testing import plugin
from lms.testing.databases import PostgresSchema
from lms.testing.factories import Factories

TRIES = 50


@pytest.fixture(scope="module")
def queued_app(database_kind, tmp_path_factory):
    """An application of its own, on a database of its own, whose tasks wait on a SQLite
    queue for a worker; e-mail on, and the rate limits out of the way."""
    instance = tmp_path_factory.mktemp("queued")
    schema = None
    if database_kind == "sqlite":
        url = f"sqlite:///{instance / 'test.sqlite3'}"
    else:
        schema = PostgresSchema()
        url = schema.create()
    settings = plugin.testing_config(url, instance)
    settings.update(
        LMS_JOBS_IMMEDIATE=False,
        LMS_SMTP_HOST="127.0.0.1",
        LMS_BASE_URL="https://hoctap.example.vn",
        LMS_PASSWORD_RESET_LIMIT="1000 per hour",
        LMS_PASSWORD_RESET_ADDRESS_LIMIT="1000 per hour",
    )
    app = create_app(settings)
    app.test_client_class = plugin.Client
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    if schema is not None:
        schema.drop()


def _without_csrf(page: str) -> str:
    # The CSRF tokens of the page's forms carry the time they were signed.
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", page)


def _typical(times: list[float]) -> float:
    """The mean without the slowest tenth: on a shared machine another process may hold the
    CPU during an answer, and that pause is the machine's, not the answer's."""
    kept = sorted(times)[: len(times) - len(times) // 10]
    return statistics.mean(kept)


def test_an_unknown_account_answers_as_fast_and_as_the_known_one(queued_app):
    Factories(queued_app).user(username="an.nguyen", email="an@example.vn")
    client = queued_app.test_client()
    token = client.csrf_token()

    def answer(identifier: str) -> tuple[float, str]:
        started = time.perf_counter()
        response = client.post(
            "/account/forgot-password", data={"csrf_token": token, "identifier": identifier}
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        return elapsed, _without_csrf(response.get_data(as_text=True))

    answer("an@example.vn"), answer("warm.up")  # the first requests compile templates
    known, unknown, bodies = [], [], set()
    gc.disable()  # a collection in the middle of one answer is not the answer's time
    try:
        for attempt in range(TRIES):
            pair = [("an@example.vn", known), (f"nobody{attempt}", unknown)]
            for identifier, times in pair if attempt % 2 else reversed(pair):
                elapsed, body = answer(identifier)
                times.append(elapsed)
                bodies.add(body)
    finally:
        gc.enable()
    difference = abs(_typical(known) - _typical(unknown))
    assert difference < 0.010, f"{difference * 1000:.1f} ms"
    assert len(bodies) == 1

    # The worker does the look-up: one e-mail for the account that exists (one a minute).
    huey = jobs.queue(queued_app).huey
    assert huey.pending_count() == 2 * TRIES + 2
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
    with queued_app.app_context():
        told = db.session.scalars(sa.select(Notification.event_key)).all()
    assert 1 <= len(told) <= 2 and all(key.startswith("password_reset:") for key in told)
