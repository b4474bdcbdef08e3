"""The quiz reports, through the pages: learners take the quiz of a module from a course
plugin, an admin (the only people who manage such a module) reads the attempts, reviews
one and sees how each question does. Trainers' access to the modules they author is in
``test_trainer_access.py``."""

import re

import pytest
from quiz_answers import matching_values, option_id

from lms.core.permissions import Role
from lms.testing.courses import sync

QUIZ = "/modules/quiz-course/check"
ATTEMPTS = "/trainer/modules/quiz-course/quizzes/check/attempts"
QUESTIONS = "/trainer/modules/quiz-course/quizzes/check/questions"
BANK = "/trainer/modules/quiz-course/quizzes/check/bank"


@pytest.fixture
def admin(app, factory, login_as, course):
    user = factory.user(roles=(Role.ADMIN,), locale="en", full_name="Admin Hoa")
    client = app.test_client()
    login_as(client, user)
    return client


def answers(bank, *, single=True, multiple=True, tf=True, short=True, numeric="12", matched=3):
    """A response to every question: each right or wrong as asked (numeric: what is typed,
    None to leave it blank; matching: how many items are paired rightly)."""
    chosen = {
        "answer-0": option_id(
            bank, 0, "National Population Database" if single else "The land register"
        ),
        "answer-1": [option_id(bank, 1, "Full name"), option_id(bank, 1, "Date of birth")]
        if multiple
        else [option_id(bank, 1, "The weather")],
        "answer-2": "false" if tf else "true",
        "answer-3": "can cuoc" if short else "ho chieu",
        "answer-5": matching_values(bank, 5, right=matched),
    }
    if numeric is not None:
        chosen["answer-4"] = numeric
    return chosen


def take_quiz(app, factory, login_as, responses: dict, *, full_name=None) -> int:
    """A new learner starts the quiz, saves ``responses`` and submits; the attempt's id."""
    client = app.test_client()
    login_as(client, factory.user(locale="en", full_name=full_name))
    page = client.submit(QUIZ, {"action": "start", "stay": "1"}, follow_redirects=True)
    attempt = int(re.search(r'name="attempt" value="(\d+)"', page.get_data(as_text=True))[1])
    client.submit(QUIZ, {"action": "save", "attempt": attempt, **responses})
    client.submit(QUIZ, {"action": "submit", "attempt": attempt})
    return attempt


def known_class(bank) -> list[dict]:
    """Ten learners, strongest first, with answer patterns whose statistics are known.

    Scores (sum of fractions out of 6): L1, L2 4; L3 3⅓; L4, L5 3; L6, L7 2⅔; L8 2⅓;
    L9, L10 2. With n = 10 the groups hold ceil(2.7) = 3 attempts: L1–L3 and L8–L10.
    """
    matched = [3, 3, 1, 0, 0, 2, 2, 1, 0, 0]
    return [
        answers(
            bank,
            single=True,  # everyone: 100% correct, discrimination 0
            multiple=n <= 7,  # 70%; upper 1, lower 0: 1.00
            tf=n >= 8,  # 30%; upper 0, lower 1: −1.00
            short=n <= 5,  # 50%; 1.00
            numeric="13" if n <= 8 else None,  # nobody right, two leave it blank: 0%
            matched=matched[n - 1],  # 40%; upper 7/9, lower 1/9: 0.67
        )
        for n in range(1, 11)
    ]


def row(page: str, language: str, number: int) -> str:
    """The text of one question's row in the statistics table, tags stripped."""
    found = re.search(rf'<tr id="question-{language}-{number}".*?</tr>', page, re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", found[0]).split())


def test_the_admin_sees_finished_attempts_and_reviews_one(app, factory, login_as, admin, bank):
    wrong = answers(bank, single=False, multiple=False, numeric=None, matched=1)
    reviewed = take_quiz(app, factory, login_as, wrong, full_name="Lê Thị Cúc")
    take_quiz(app, factory, login_as, answers(bank), full_name="Phạm Văn Dũng")
    unfinished = app.test_client()
    login_as(unfinished, factory.user(locale="en", full_name="Đang Làm Dở"))
    unfinished.submit(QUIZ, {"action": "start", "stay": "1"})

    page = admin.get(ATTEMPTS).get_data(as_text=True)
    assert "2 finished attempts" in page
    assert "Lê Thị Cúc" in page and "Phạm Văn Dũng" in page
    assert "Đang Làm Dở" not in page, "an attempt in progress is not listed"
    assert "100%" in page and "100.0%" not in page
    # single 0, multiple 0, tf 1, short 1, numeric blank 0, matching 1/3
    assert f"{round((2 + 1 / 3) / 6 * 100, 1)}%" in page
    assert f'href="/trainer/attempts/{reviewed}"' in page

    review = admin.get(f"/trainer/attempts/{reviewed}").get_data(as_text=True)
    assert "Attempt 1 of Lê Thị Cúc" in review
    assert review.count("Not right") == 3 and review.count("Partly right") == 1
    assert "SINGLE-WRONG-FEEDBACK" in review and "SINGLE-GENERAL-FEEDBACK" in review
    assert "MULTI-WEATHER-FEEDBACK" in review, "every option's feedback, for the trainer"
    assert "Right answers: National Population Database" in review
    assert "Right answers: Căn cước" in review and "Right answers: 12" in review
    assert "<q>can cuoc</q>" in review, "the learner's short answer"
    assert "Not answered." in review, "the numeric question was left blank"
    assert "fraction 0.3333" in review, "the matching question, one item of three"


def test_question_statistics_on_known_answers(app, factory, login_as, admin, bank):
    for responses in known_class(bank):
        take_quiz(app, factory, login_as, responses)

    page = admin.get(QUESTIONS).get_data(as_text=True)
    assert "Version 1: 10 finished attempts." in page
    expected = {
        1: ("10 100% 0", ["Too easy", "Low discrimination"]),
        2: ("10 70% 1", []),
        3: ("10 30% -1", ["Negative discrimination"]),
        4: ("10 50% 1", []),
        5: ("10 0% 0", ["Too hard", "Low discrimination"]),
        6: ("10 40% 0.67", []),
    }
    for number, (figures, flags) in expected.items():
        text = row(page, "en", number)
        assert figures in text, (number, text)
        for flag in flags:
            assert flag in text, (number, text)
        assert ("OK" in text) == (not flags), (number, text)
    assert page.count('class="flagged"') == 3
    assert "10 0%" not in row(page, "vi", 1) and "—" in row(page, "vi", 1), "no attempt in vi"


def test_few_answers_are_shown_but_not_flagged(app, factory, login_as, admin, bank):
    take_quiz(app, factory, login_as, answers(bank))
    page = admin.get(QUESTIONS).get_data(as_text=True)
    assert "1 100% 0" in row(page, "en", 1)
    assert "Too few answers to judge" in row(page, "en", 1)
    assert 'class="flagged"' not in page


def test_versions_are_reported_apart(app, factory, login_as, admin, bank, course):
    take_quiz(app, factory, login_as, answers(bank), full_name="Trên Bản Một")
    gift = course / "quiz-course" / "banks" / "check.en.gift"
    gift.write_text(gift.read_text(encoding="utf-8").replace("12:0", "13:0"), encoding="utf-8")
    assert sync(app, course).updated == ["quiz-course"]
    take_quiz(app, factory, login_as, answers(bank, numeric="13"), full_name="Trên Bản Hai")

    every = admin.get(ATTEMPTS).get_data(as_text=True)
    assert "Trên Bản Một" in every and "Trên Bản Hai" in every
    second = admin.get(ATTEMPTS, query_string={"version": 2}).get_data(as_text=True)
    assert "Trên Bản Hai" in second and "Trên Bản Một" not in second
    latest = admin.get(QUESTIONS).get_data(as_text=True)
    assert "Version 2: 1 finished attempt." in latest and "100%" in row(latest, "en", 5)
    first = admin.get(QUESTIONS, query_string={"version": 1}).get_data(as_text=True)
    assert "Version 1: 1 finished attempt." in first and "100%" in row(first, "en", 5)
    assert admin.get(QUESTIONS, query_string={"version": 9}).status_code == 404


def test_the_module_page_links_admins_to_the_reports_and_trainers_to_the_bank(
    app, factory, login_as, admin, course
):
    page = admin.get("/modules/quiz-course").get_data(as_text=True)
    assert f'href="{ATTEMPTS}"' in page and f'href="{QUESTIONS}"' in page
    trainer = app.test_client()
    login_as(trainer, factory.user(roles=(Role.TRAINER,), locale="en"))
    page = trainer.get("/modules/quiz-course").get_data(as_text=True)
    assert f'href="{BANK}"' in page and ATTEMPTS not in page and QUESTIONS not in page
    learner = app.test_client()
    login_as(learner, factory.user(locale="en"))
    assert "/trainer/" not in learner.get("/modules/quiz-course").get_data(as_text=True)


def test_only_admins_see_the_learners_of_a_course_plugin_module(app, factory, login_as, bank):
    """Every trainer reads the module's bank, shipped in its folder; its learners' attempts
    and statistics are for those who manage it, and nobody authors it: admins only."""
    attempt = take_quiz(app, factory, login_as, answers(bank))
    pages = [ATTEMPTS, QUESTIONS, f"/trainer/attempts/{attempt}", BANK]
    for roles, statuses in [
        ((Role.LEARNER,), [403, 403, 403, 403]),
        ((Role.MANAGER, Role.LEARNER), [403, 403, 403, 403]),
        ((Role.TRAINER,), [404, 404, 404, 200]),
        ((Role.ADMIN,), [200, 200, 200, 200]),
    ]:
        client = app.test_client()
        login_as(client, factory.user(roles=roles, locale="en"))
        for url, status in zip(pages, statuses, strict=True):
            assert client.get(url).status_code == status, (roles, url)
    anonymous = app.test_client()
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 302 and response.location.startswith("/login?next=")


def test_unknown_quizzes_and_attempts_are_not_found(app, factory, login_as, admin, bank):
    in_progress = app.test_client()
    login_as(in_progress, factory.user(locale="en"))
    page = in_progress.submit(QUIZ, {"action": "start", "stay": "1"}, follow_redirects=True)
    unfinished = int(re.search(r'name="attempt" value="(\d+)"', page.get_data(as_text=True))[1])
    for url in [
        "/trainer/modules/no-such-module/quizzes/check/attempts",
        "/trainer/modules/quiz-course/quizzes/no-such-quiz/questions",
        "/trainer/modules/quiz-course/quizzes/reading/attempts",  # a lesson, not a quiz
        "/trainer/attempts/999999",
        f"/trainer/attempts/{unfinished}",
    ]:
        assert admin.get(url).status_code == 404, url


def test_report_pages_take_as_many_queries_for_eight_attempts_as_for_two(
    app, factory, login_as, admin, bank, count_queries
):
    def counts() -> list[int]:
        found = []
        for url in (QUESTIONS, ATTEMPTS, f"/trainer/attempts/{first}"):
            with count_queries() as counted:
                assert admin.get(url).status_code == 200
            found.append(counted.n)
        return found

    class_answers = known_class(bank)
    first = take_quiz(app, factory, login_as, class_answers[0])
    take_quiz(app, factory, login_as, class_answers[9])
    two = counts()
    for responses in class_answers[1:7]:
        take_quiz(app, factory, login_as, responses)
    assert counts() == two
    assert two[0] <= 8, (
        "sign-in user and roles, unread notifications, the quiz, its banks, the statistics"
    )
