"""Learning events become xAPI statements in the outbox, and reach a real LRS (Ralph) as
statements it validates and gives back from its own API."""

import sqlalchemy as sa

from lms.certificates.models import Certificate
from lms.extensions import db
from lms.testing.courses import sync, write_course
from lms.xapi import jobs, services
from lms.xapi.models import Delivery, Statement
from tests.xapi.conftest import QUIZ

ADL = "http://adlnet.gov/expapi/verbs/"


def _outbox(app) -> list[Statement]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Statement).order_by(Statement.id)))


def test_a_learners_module_reaches_the_lrs_as_statements(app, factory, lrs, tmp_path):
    write_course(tmp_path / "courses", "chu-ky-so", lessons=1, title_vi="Chữ ký số", quiz=QUIZ)
    sync(app, tmp_path / "courses")
    learner = factory.user(full_name="Nguyễn Thị Hương", username="huong")
    factory.complete_lessons(learner, "chu-ky-so")
    factory.quiz_attempt(learner, "chu-ky-so", "check", {"answer-0": "true"})
    factory.quiz_attempt(learner, "chu-ky-so", "check", {"answer-0": "true", "answer-1": "false"})

    with app.app_context():
        outcomes = jobs.send.run()
        code = db.session.scalar(
            sa.select(Certificate.code).where(Certificate.user_id == learner.id)
        )
    written = _outbox(app)
    assert outcomes["ralph"].sent == len(written) == 7
    assert outcomes["ralph"].failed == 0

    actor = {"objectType": "Agent", "account": {"homePage": lrs.site, "name": "huong"}}
    stored = lrs.statements(agent={"account": actor["account"]})
    assert sorted(s["id"] for s in stored) == sorted(s.uuid for s in written)
    assert all(s["actor"] == actor for s in stored)
    module = f"{lrs.site}/modules/chu-ky-so?version=1"
    quiz = f"{lrs.site}/modules/chu-ky-so/check?version=1"
    assert sorted((s["verb"]["id"], s["object"]["id"]) for s in stored) == sorted(
        [
            (f"{ADL}attempted", module),
            (f"{ADL}completed", f"{lrs.site}/modules/chu-ky-so/lesson-1?version=1"),
            (f"{ADL}failed", quiz),
            (f"{ADL}passed", quiz),
            (f"{ADL}completed", quiz),
            (f"{ADL}completed", module),
            ("http://id.tincanapi.com/verb/earned", f"{lrs.site}/verify/{code}"),
        ]
    )
    by_verb = {s["verb"]["id"].rsplit("/", 1)[1]: s for s in stored}
    assert by_verb["failed"]["result"] == {
        "score": {"scaled": 0.5, "raw": 50, "min": 0, "max": 100},
        "success": False,
        "completion": True,
    }
    assert by_verb["passed"]["result"]["score"] == {"scaled": 1, "raw": 100, "min": 0, "max": 100}
    assert by_verb["passed"]["result"]["success"] is True
    assert by_verb["passed"]["context"]["contextActivities"]["parent"][0]["id"] == module
    assert by_verb["passed"]["object"]["definition"]["name"] == {
        "vi": "Bài kiểm tra",
        "en": "Quiz",
    }
    assert by_verb["earned"]["object"]["definition"]["name"]["vi"] == "Chữ ký số"
    assert by_verb["earned"]["context"]["contextActivities"]["other"][0]["id"] == module
    assert {s["context"]["language"] for s in stored} == {"vi"}

    with app.app_context():
        again = jobs.send.run()
    assert (again["ralph"].sent, again["ralph"].failed) == (0, 0)
    assert len(lrs.statements(agent={"account": actor["account"]})) == 7


def test_an_event_told_twice_is_one_statement(appctx, factory, lrs):
    learner = factory.user(username="binh")
    when = factory.user(username="other").created_at
    activity = {"objectType": "Activity", "id": f"{lrs.site}/modules/x?version=1"}
    assert services.record(learner, "module-progress:1:started", "attempted", when, activity)
    assert not services.record(learner, "module-progress:1:started", "attempted", when, activity)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Statement)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 1


def test_without_an_lrs_nothing_is_written(app, factory, tmp_path):
    write_course(tmp_path / "courses", "chu-ky-so", lessons=1)
    sync(app, tmp_path / "courses")
    learner = factory.user()
    factory.complete_lessons(learner, "chu-ky-so")
    assert _outbox(app) == []
    result = app.test_cli_runner().invoke(args=["xapi", "send"])
    assert result.exit_code == 0
    assert "LMS_XAPI_LRS" in result.output
