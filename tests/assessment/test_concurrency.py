"""One quiz attempt hit by many requests at once, on PostgreSQL: nothing lost, graded once.

The rest of the suite runs each test inside one rolled-back transaction on one connection,
where nothing can overlap. Here a dedicated application works on a throw-away schema of its
own, built by the migrations, whose data is committed; each thread works in an app context,
session and pooled connection of its own, and a ``threading.Barrier`` releases the threads
together.

Each case runs two ways:

- ``http``: every thread posts through its own test client, as the learner's browser (a
  double-clicked submit, quiz.js saving answer after answer) would. The request path
  updates the learner's module-progress row first (``open_activity`` records where the
  learner is), and PostgreSQL's row lock then makes the requests of one learner take turns;
  these cases check the outcome a learner sees, end to end.
- ``services``: every thread calls ``save_answers`` or ``finish`` directly, so the statements
  themselves race: the one-statement upsert of each answer and the conditional UPDATE that
  claims the attempt.

SQLite is skipped: ``BEGIN IMMEDIATE`` (lms/core/db.py) gives it one writer at a time, so
writes never overlap there.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import wraps

import pytest
import sqlalchemy as sa
import tomli_w

from lms.assessment import services
from lms.assessment.models import FINISHED, AttemptAnswer, QuizAttempt
from lms.catalogue.models import Activity
from lms.core import clock
from lms.extensions import db
from lms.learning.models import ActivityProgress, ModuleProgress
from lms.plugins import registry
from lms.testing.courses import sync
from lms.testing.factories import Factories
from lms.testing.plugin import Client, committed_postgres_app

THREADS = 20
QUESTIONS = THREADS
COURSE = "race-course"
QUIZ = f"/modules/{COURSE}/race"
JSON = {"Accept": "application/json"}
SESSION_COOKIE = "lms_session"
BARRIER_TIMEOUT = 15  # seconds; a thread that never arrives breaks the barrier, not the run
ALREADY_FINISHED = "This attempt is finished; your answer was not saved."


def write_race_course(folder) -> None:
    """A course with one quiz of ``QUESTIONS`` short-answer questions, in bank order, with
    no time limit: the answer to slot ``n`` is ``a{n}``."""
    root = folder / COURSE
    (root / "banks").mkdir(parents=True)
    gift = "\n\n".join(f"::q{n}:: Question {n}? {{=a{n}}}" for n in range(QUESTIONS))
    for language in ("vi", "en"):
        (root / "banks" / f"race.{language}.gift").write_text(gift + "\n", encoding="utf-8")
    manifest = {
        "schema": 1,
        "id": COURSE,
        "version": "1.0.0",
        "languages": ["vi", "en"],
        "estimated_minutes": 10,
        "review_required": False,
        "title": {"vi": "Bài kiểm tra đồng thời", "en": "Concurrent quiz"},
        "summary": {"vi": "Nhiều câu trả lời cùng lúc.", "en": "Many answers at once."},
        "completion": {"rule": "all-required"},
        "activities": [
            {
                "key": "race",
                "type": "quiz",
                "bank": "race",
                "pass_mark": 70,
                "attempts": 0,
                "shuffle_questions": False,
                "title": {"vi": "Bài kiểm tra", "en": "Quiz"},
            }
        ],
    }
    (root / "manifest.toml").write_text(tomli_w.dumps(manifest), encoding="utf-8")


@pytest.fixture(scope="module")
def live_app(database_kind, tmp_path_factory):
    """An application on a schema of its own whose data is committed, not rolled back."""
    if database_kind == "sqlite":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no concurrent writes to test")
    instance = tmp_path_factory.mktemp("instance")
    with committed_postgres_app(instance, connections=THREADS, RATELIMIT_ENABLED=False) as app:
        courses = tmp_path_factory.mktemp("courses")
        write_race_course(courses)
        report = sync(app, courses)
        assert not report.failed, report.failed
        yield app


@pytest.fixture
def learner_client(live_app, login_as) -> Client:
    """The client of a new learner, signed in, who has not opened the quiz yet."""
    user = Factories(live_app).user(locale="en")
    client = live_app.test_client()
    login_as(client, user)
    return client


def start(client: Client) -> int:
    page = client.submit(QUIZ, {"action": "start", "stay": "1"}, follow_redirects=True)
    return int(re.search(r'name="attempt" value="(\d+)"', page.get_data(as_text=True)).group(1))


def together(work, items: list) -> list:
    """``work(item, barrier)`` for every item, each in its own thread; the results in order.

    ``work`` calls ``barrier.wait()`` just before the statement or request that races."""
    barrier = threading.Barrier(len(items), timeout=BARRIER_TIMEOUT)
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        futures = [pool.submit(work, item, barrier) for item in items]
        return [future.result() for future in futures]


def tab_of(client: Client) -> Client:
    """Another client in the same signed-in browser session: another tab."""
    tab = client.application.test_client()
    tab.set_cookie(SESSION_COOKIE, client.get_cookie(SESSION_COOKIE).value)
    return tab


def post_together(client: Client, forms: list[dict]) -> list[tuple[int, dict]]:
    """Each form posted to the quiz at once from its own tab, as quiz.js posts: JSON back."""
    token = client.csrf_token()
    tabs = [tab_of(client) for _ in forms]

    def post(index: int, barrier) -> tuple[int, dict]:
        barrier.wait()
        response = tabs[index].post(QUIZ, data={"csrf_token": token, **forms[index]}, headers=JSON)
        return response.status_code, response.get_json(silent=True)

    return together(post, list(range(len(forms))))


def in_threads(app, attempt_id: int, call) -> list:
    """``call(attempt, activity, types, slot)`` for each slot at once, one thread, app context,
    session and connection each, committing after."""

    def work(slot: int, barrier):
        with app.app_context():
            attempt = db.session.get(QuizAttempt, attempt_id)
            activity = db.session.get(Activity, attempt.activity_id)
            types = registry().question_types
            barrier.wait()
            result = call(attempt, activity, types, slot)
            db.session.commit()
            return result

    return together(work, list(range(THREADS)))


class Calls(list):
    """What every call of ``services.finish`` returned; ``graded``: the attempts scored."""

    def __init__(self):
        super().__init__()
        self.graded = []


@pytest.fixture
def finish_calls(monkeypatch) -> Calls:
    returned = Calls()
    graded = returned.graded
    lock = threading.Lock()
    finish, score = services.finish, services._score

    @wraps(finish)
    def counted_finish(*args, **kwargs):
        result = finish(*args, **kwargs)
        with lock:
            returned.append(result)
        return result

    @wraps(score)
    def counted_score(*args, **kwargs):
        with lock:
            graded.append(args[0].id)
        return score(*args, **kwargs)

    monkeypatch.setattr(services, "finish", counted_finish)
    monkeypatch.setattr(services, "_score", counted_score)
    return returned


def attempt_row(app, attempt_id: int) -> QuizAttempt:
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        db.session.expunge(attempt)
        return attempt


def saved(app, attempt_id: int) -> dict:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)
        )
        return {row.slot: row.response for row in rows}


def every_right_answer() -> dict:
    return {f"answer-{n}": f"a{n}" for n in range(QUESTIONS)}


@pytest.mark.parametrize("via", ["http", "services"])
def test_twenty_submits_at_once_grade_once(live_app, learner_client, finish_calls, via):
    client = learner_client
    attempt_id = start(client)
    response = client.submit(
        QUIZ, {"action": "save", "attempt": attempt_id, **every_right_answer()}
    )
    assert response.status_code == 302

    if via == "http":
        outcomes = post_together(client, [{"action": "submit", "attempt": attempt_id}] * THREADS)
        assert {status for status, _ in outcomes} <= {200, 422}, outcomes
        assert all(
            body == {"saved": True, "notices": []}
            if status == 200
            else body == {"error": ALREADY_FINISHED}
            for status, body in outcomes
        ), outcomes
        assert sum(status == 200 for status, _ in outcomes) >= 1
    else:
        outcomes = in_threads(
            live_app,
            attempt_id,
            lambda attempt, activity, types, _slot: services.finish(
                attempt, activity, types, clock.now()
            ),
        )
        assert outcomes.count(True) == 1, outcomes
    assert finish_calls.count(True) == 1, finish_calls
    assert finish_calls.graded == [attempt_id], "graded exactly once"

    finished = attempt_row(live_app, attempt_id)
    assert (finished.state, finished.score) == (FINISHED, 1.0)
    assert finished.finished_at is not None
    again = client.post(
        QUIZ,
        data={"csrf_token": client.csrf_token(), "action": "submit", "attempt": attempt_id},
        headers=JSON,
    )
    assert (again.status_code, again.get_json()) == (422, {"error": ALREADY_FINISHED})
    after = attempt_row(live_app, attempt_id)
    assert (after.state, after.score, after.finished_at) == (FINISHED, 1.0, finished.finished_at)
    assert client.get(QUIZ).status_code == 200  # the learner's state follows on the next view
    with live_app.app_context():
        state = db.session.scalar(
            sa.select(ActivityProgress).where(ActivityProgress.user_id == finished.user_id)
        )
        assert (state.data["attempts"], state.data["grade"], state.data["passed"]) == (1, 1.0, True)
        attempts = db.session.scalar(
            sa.select(sa.func.count()).where(QuizAttempt.user_id == finished.user_id)
        )
        assert attempts == 1


@pytest.mark.parametrize("via", ["http", "services"])
def test_twenty_saves_at_once_keep_every_answer(live_app, learner_client, via):
    client = learner_client
    attempt_id = start(client)

    if via == "http":
        forms = [
            {"action": "save", "attempt": attempt_id, "slot": n, f"answer-{n}": f"a{n}"}
            for n in range(THREADS)
        ]
        outcomes = post_together(client, forms)
        assert outcomes == [(200, {"saved": True, "notices": []})] * THREADS
    else:
        in_threads(
            live_app,
            attempt_id,
            lambda attempt, activity, types, slot: services.save_answers(
                attempt, activity, {slot: [f"a{slot}"]}, types, clock.now()
            ),
        )

    assert saved(live_app, attempt_id) == {n: f"a{n}" for n in range(QUESTIONS)}
    response = client.submit(QUIZ, {"action": "submit", "attempt": attempt_id})
    assert response.status_code == 302
    assert attempt_row(live_app, attempt_id).score == 1.0, "every saved answer was graded"


def test_first_views_at_once_start_the_module_once(live_app, login_as):
    user = Factories(live_app).user(locale="en")
    client = live_app.test_client()
    login_as(client, user)  # the learner has not opened the module yet: no progress row
    tabs = [tab_of(client) for _ in range(THREADS)]

    def view(index: int, barrier) -> int:
        barrier.wait()
        return tabs[index].get(QUIZ).status_code

    assert together(view, list(range(THREADS))) == [200] * THREADS
    with live_app.app_context():
        for model in (ModuleProgress, ActivityProgress):
            rows = db.session.scalar(sa.select(sa.func.count()).where(model.user_id == user.id))
            assert rows == 1, f"one {model.__tablename__} row, not one per view"
