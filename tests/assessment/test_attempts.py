"""A learner's attempts at a quiz, through the pages: the server is the only judge."""

import json
import re
import shutil
from datetime import timedelta

import pytest
import sqlalchemy as sa
from quiz_answers import QUIZ_COURSE, matching_values, option_id

from lms.assessment import services
from lms.assessment.models import AttemptAnswer, QuizAttempt
from lms.assessment.questions import Question
from lms.catalogue.models import Activity
from lms.core import clock
from lms.core.errors import Invalid
from lms.extensions import db
from lms.plugins import registry
from lms.testing.courses import sync

QUIZ = "/modules/quiz-course/check"
JSON = {"Accept": "application/json"}


@pytest.fixture
def learner(client, factory, login_as, course):
    user = factory.user(locale="en")
    login_as(client, user)
    return user


def start(client) -> tuple[int, str]:
    page = client.submit(QUIZ, {"action": "start", "stay": "1"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    return int(re.search(r'name="attempt" value="(\d+)"', html).group(1)), html


def right_answers(bank) -> dict:
    return {
        "answer-0": option_id(bank, 0, "National Population Database"),
        "answer-1": [option_id(bank, 1, "Full name"), option_id(bank, 1, "Date of birth")],
        "answer-2": "false",
        "answer-3": "can cuoc",
        "answer-4": "12",
        "answer-5": matching_values(bank, 5, right=3),
    }


def save(client, attempt: int, answers: dict, **extra):
    return client.submit(QUIZ, {"action": "save", "attempt": attempt, **answers}, **extra)


def attempt_row(app, attempt_id: int) -> QuizAttempt:
    with app.app_context():
        return db.session.get(QuizAttempt, attempt_id)


def saved(app, attempt_id: int) -> dict:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)
        )
        return {row.slot: row.response for row in rows}


SECRETS = [
    "FEEDBACK",  # every per-answer and general feedback of the bank ends in it
    "Căn cước",  # the accepted short answer
    "fraction",
    "match",
]


def revealing_texts(question) -> list[str]:
    """What would tell right from wrong: feedback, accepted answers, numbers."""
    data = question.data
    texts = [question.general_feedback, data.get("feedback_right"), data.get("feedback_wrong")]
    for answer in data.get("options", []) + data.get("answers", []):
        texts.append(answer.get("feedback"))
        if question.type_id == "short_answer":
            texts.append(answer["text"])
    return [text for text in texts if isinstance(text, str)]


def test_an_attempt_in_progress_reveals_no_answer(client, learner, bank):
    attempt, page = start(client)
    response = save(client, attempt, {"answer-3": "x"}, headers=JSON)
    for text in (page, response.get_data(as_text=True)):
        for secret in SECRETS:
            assert secret not in text
        # The numeric answer (12) is nowhere a value; clock times on the page may hold "12".
        assert 'value="12' not in text and '"12"' not in text
    for question in bank:
        for secret in filter(None, revealing_texts(question)):
            assert secret not in page
    # Every item offers every choice: the page does not pair them.
    items = bank[5].data["items"]
    for item in items:
        offered = re.findall(rf'value="{item["id"]}:([0-9a-f]+)"', page)
        assert sorted(offered) == sorted(c["id"] for c in bank[5].data["choices"])


def test_right_answers_pass_and_complete_the_module(client, learner, bank):
    client.submit("/modules/quiz-course/reading", {"action": "done"})
    attempt, _ = start(client)
    save(client, attempt, right_answers(bank))
    page = client.submit(
        QUIZ, {"action": "submit", "attempt": attempt, "stay": "1"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Your grade: 100%." in page and "You passed this quiz." in page
    assert "SINGLE-RIGHT-FEEDBACK" in page, "feedback after the attempt, as set"
    module = client.get("/modules/quiz-course").get_data(as_text=True)
    assert '<progress value="100"' in module


@pytest.mark.parametrize(
    ("grading", "note", "other"),
    [
        ("highest", "a new attempt cannot lower your grade", "replaces your passing grade"),
        ("last", "a new attempt below the pass mark replaces your passing grade", "cannot lower"),
    ],
)
def test_a_passed_quiz_says_what_a_new_attempt_does_to_the_grade(
    app, client, factory, login_as, tmp_path, grading, note, other
):
    folder = tmp_path / "courses" / "quiz-course"
    shutil.copytree(QUIZ_COURSE, folder)
    manifest = folder / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('grading = "highest"', f'grading = "{grading}"'), "utf-8")
    sync(app, folder.parent)
    with app.app_context():
        activity = db.session.scalar(sa.select(Activity).where(Activity.key == "check"))
        bank = [Question.from_dict(question) for question in activity.content["banks"]["en"]]
    login_as(client, factory.user(locale="en"))
    assert "retake-note" not in client.get(QUIZ).get_data(as_text=True)
    attempt, _ = start(client)
    save(client, attempt, right_answers(bank))
    client.submit(QUIZ, {"action": "submit", "attempt": attempt})
    page = client.get(QUIZ).get_data(as_text=True)
    assert "You passed this quiz." in page and "Start a new attempt" in page
    assert note in page and other not in page
    assert 'aria-describedby="retake-note"' in page


def test_scores_are_written_the_way_the_learners_language_writes_numbers(
    client, factory, login_as, course
):
    login_as(client, factory.user(locale="vi"))
    attempt, _ = start(client)
    save(client, attempt, {"answer-3": "can cuoc"})
    client.submit(QUIZ, {"action": "submit", "attempt": attempt})
    page = client.get(QUIZ).get_data(as_text=True)
    assert "16,7%" in page and "70%" in page, "one question of six; the pass mark"
    assert "16.7" not in page and ".0%" not in page


def test_partial_answers_grade_partially_and_do_not_pass(app, client, learner, bank):
    attempt, _ = start(client)
    answers = right_answers(bank)
    answers["answer-1"] = [option_id(bank, 1, "Full name"), option_id(bank, 1, "The weather")]
    answers["answer-2"] = "true"
    answers["answer-5"] = matching_values(bank, 5, right=1)
    del answers["answer-4"]
    save(client, attempt, answers)
    client.submit(QUIZ, {"action": "submit", "attempt": attempt})
    # single 1 + multiple 0 (50% − 100%, clamped) + tf 0 + short 1 + numeric 0 + matching 1/3
    assert attempt_row(app, attempt).score == pytest.approx(round((1 + 1 + 1 / 3) / 6, 4))
    page = client.get(QUIZ).get_data(as_text=True)
    assert "Not passed yet." in page and "2 attempts left." in page
    assert '<progress value="0"' in client.get("/modules/quiz-course").get_data(as_text=True)


def test_answers_are_kept_across_reloads_and_saving_again_replaces(app, client, learner, bank):
    attempt, _ = start(client)
    assert save(client, attempt, {"answer-3": "ho chieu"}, headers=JSON).json == {
        "saved": True,
        "notices": [],
    }
    save(client, attempt, {"answer-4": "12,0"}, headers=JSON)
    save(client, attempt, {"answer-3": "can cuoc"}, headers=JSON)
    assert saved(app, attempt) == {3: "can cuoc", 4: "12.0"}
    page = client.get(QUIZ).get_data(as_text=True)
    assert 'value="can cuoc"' in page and 'value="12.0"' in page


def test_clearing_an_answer_saves_it_empty(app, client, learner, bank):
    attempt, _ = start(client)
    save(client, attempt, {"answer-0": option_id(bank, 0, "The land register")})
    save(client, attempt, {"slot": "0"})
    assert saved(app, attempt) == {0: None}


@pytest.mark.parametrize(
    "tampered",
    [
        {"answer-0": "deadbeef"},  # no option of this question
        {"answer-0": "-1"},
        {"answer-1": ["not-an-id"]},
        {"answer-2": "maybe"},
        {"answer-5": ["x:y"]},
        {"answer-99": "1"},  # a question the attempt does not have
        {"answer-4": "twelve"},
    ],
)
def test_tampered_or_malformed_answers_are_refused_and_nothing_is_saved(
    app, client, learner, bank, tampered
):
    attempt, _ = start(client)
    good = {"answer-3": "can cuoc"}
    response = save(client, attempt, {**good, **tampered}, headers=JSON)
    assert response.status_code == 422 and response.json["error"]
    assert saved(app, attempt) == {}


def test_an_option_of_another_question_is_refused(app, client, learner, bank):
    attempt, _ = start(client)
    other = option_id(bank, 1, "Full name")
    assert save(client, attempt, {"answer-0": other}, headers=JSON).status_code == 422
    assert saved(app, attempt) == {}


def test_another_learners_attempt_cannot_be_touched(app, client, learner, factory, login_as):
    attempt, _ = start(client)
    intruder = app.test_client()
    login_as(intruder, factory.user())
    response = intruder.submit(
        QUIZ, {"action": "save", "attempt": attempt, "answer-3": "x"}, headers=JSON
    )
    assert response.status_code == 404
    assert saved(app, attempt) == {}


def test_submitting_twice_grades_once(app, client, learner, bank):
    attempt, _ = start(client)
    save(client, attempt, right_answers(bank))
    client.submit(QUIZ, {"action": "submit", "attempt": attempt})
    first = attempt_row(app, attempt)
    again = client.submit(QUIZ, {"action": "submit", "attempt": attempt}, headers=JSON)
    assert again.status_code == 422
    second = attempt_row(app, attempt)
    assert (second.score, second.finished_at) == (first.score, first.finished_at)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 1


@pytest.fixture
def later(monkeypatch):
    """Move the clock forward by a number of minutes."""

    def move(minutes: float):
        moment = clock.now() + timedelta(minutes=minutes)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move


def test_an_answer_after_the_deadline_is_refused_and_the_saved_ones_graded(
    app, client, learner, bank, later
):
    attempt, _ = start(client)
    save(client, attempt, {"answer-0": option_id(bank, 0, "National Population Database")})
    later(11)
    response = save(client, attempt, {"answer-3": "can cuoc"}, follow_redirects=True)
    assert "answers sent after the deadline were not saved" in response.get_data(as_text=True)
    finished = attempt_row(app, attempt)
    assert finished.state == "finished"
    assert finished.score == pytest.approx(round(1 / 6, 4))
    assert finished.finished_at == finished.deadline_at
    assert saved(app, attempt) == {0: option_id(bank, 0, "National Population Database")}


def test_an_overdue_attempt_is_finished_when_the_learner_comes_back(app, client, learner, later):
    attempt, _ = start(client)
    save(client, attempt, {"answer-3": "can cuoc"})
    later(30)
    page = client.get(QUIZ).get_data(as_text=True)
    assert "Attempt 1: 16.7%" in page
    assert attempt_row(app, attempt).state == "finished"


def test_an_overdue_attempt_with_nothing_saved_is_abandoned(app, client, learner, later):
    attempt, _ = start(client)
    later(30)
    page = client.get(QUIZ).get_data(as_text=True)
    assert attempt_row(app, attempt).state == "abandoned"
    assert "2 attempts left." in page


def test_close_overdue_finishes_attempts_and_completes_the_module(
    app, client, learner, bank, later
):
    client.submit("/modules/quiz-course/reading", {"action": "done"})
    attempt, _ = start(client)
    save(client, attempt, right_answers(bank))
    later(30)
    result = app.test_cli_runner().invoke(args=["quizzes", "close-overdue"])
    assert result.exit_code == 0 and "1 overdue attempt(s) closed." in result.output
    assert attempt_row(app, attempt).score == 1.0
    home = client.get("/").get_data(as_text=True)
    assert '<progress value="100"' in home


def test_no_attempt_is_left_after_the_allowed_number(app, client, learner):
    for _ in range(3):
        attempt, _page = start(client)
        client.submit(QUIZ, {"action": "submit", "attempt": attempt})
    page = client.submit(QUIZ, {"action": "start"}, follow_redirects=True).get_data(as_text=True)
    assert "You have used every attempt at this quiz." in page
    assert "0 attempts left." in page
    assert 'value="start"' not in page


def test_an_attempt_keeps_its_questions_when_a_new_version_is_published(
    app, client, learner, course, bank
):
    attempt, _ = start(client)
    gift = course / "quiz-course" / "banks" / "check.en.gift"
    gift.write_text(gift.read_text(encoding="utf-8").replace("12:0", "13:0"), encoding="utf-8")
    assert sync(app, course).updated == ["quiz-course"]
    save(client, attempt, {"answer-4": "12"})
    client.submit(QUIZ, {"action": "submit", "attempt": attempt})
    assert attempt_row(app, attempt).score == pytest.approx(round(1 / 6, 4))


def test_quiz_settings_and_bank_problems_are_reported_by_file_and_field(app, tmp_path, monkeypatch):
    # The command speaks the site's default language: these lines read its English.
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    broken = tmp_path / "quiz-course"
    shutil.copytree(QUIZ_COURSE, broken)
    manifest = broken / "manifest.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        .replace("pass_mark = 70", "pass_mark = 170")
        .replace('grading = "highest"', 'grading = "average"'),
        encoding="utf-8",
    )
    (broken / "banks" / "check.vi.gift").write_text("::a:: Broken {=x ~y\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["courses", "validate", str(broken)])
    assert result.exit_code == 1
    assert "activities[1].pass_mark: a whole number from 0 to 100" in result.output
    assert "activities[1].grading: one of highest, last" in result.output
    assert "banks/check.vi.gift: line 1:" in result.output


def test_the_quiz_exports_to_gift_that_reimports_identically(app, course, tmp_path):
    from lms.catalogue.services import export_module
    from lms.plugins import registry
    from lms.plugins.manifest import load_course

    with app.app_context():
        folder = export_module("quiz-course", tmp_path / "out", registry())
        original, _ = load_course(course / "quiz-course", registry())
        exported, problems = load_course(folder, registry())
    assert problems == []
    assert json.dumps(exported.activities[1].content, sort_keys=True) == json.dumps(
        original.activities[1].content, sort_keys=True
    )


def test_an_autosave_is_one_write_in_a_fixed_number_of_statements(
    app, client, learner, bank, count_queries
):
    attempt, _ = start(client)
    save(client, attempt, {"answer-3": "ho chieu"}, headers=JSON)
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        connection = db.engines[None]
    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        with count_queries() as first:
            assert save(client, attempt, {"answer-4": "12"}, headers=JSON).json["saved"]
        with count_queries() as again:
            assert save(client, attempt, {"answer-3": "can cuoc"}, headers=JSON).json["saved"]
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)
    written = [s for s in seen if re.match(r"\s*(INSERT|UPDATE|DELETE)", s)]
    assert len(written) == 2, "one upsert per save; no progress, summary or module update"
    assert all(s.lstrip().startswith("INSERT INTO attempt_answers") for s in written)
    # user and roles; module, progress, activity with its content and state in one; the
    # attempt; the upsert; and the savepoint the test's transaction wraps the request in,
    # begun and ended.
    assert first.n == again.n <= 7
    assert saved(app, attempt) == {3: "can cuoc", 4: "12"}


def test_a_save_racing_a_submit_saves_nothing(app, client, learner, bank):
    attempt_id, _ = start(client)
    with app.test_request_context(method="POST"):
        attempt = db.session.get(QuizAttempt, attempt_id)
        activity = db.session.get(Activity, attempt.activity_id)
        # Another request finishes the attempt after this one has read it as open.
        db.session.execute(
            sa.update(QuizAttempt)
            .where(QuizAttempt.id == attempt_id)
            .values(state="finished")
            .execution_options(synchronize_session=False)
        )
        assert attempt.state == "in_progress"
        with pytest.raises(Invalid):
            services.save_answers(
                attempt, activity, {3: ["can cuoc"]}, registry().question_types, clock.now()
            )
        db.session.rollback()
    assert saved(app, attempt_id) == {}


def test_the_quiz_page_statements_do_not_grow_with_attempts(
    app, client, learner, bank, count_queries
):
    counts = []
    for _ in range(3):
        attempt, _ = start(client)
        save(client, attempt, right_answers(bank))
        client.submit(QUIZ, {"action": "submit", "attempt": attempt})
        client.get(QUIZ)
        with count_queries() as counted:
            assert client.get(QUIZ).status_code == 200
        counts.append(counted.n)
    assert counts[0] == counts[1] == counts[2]
