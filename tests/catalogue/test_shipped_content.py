"""The shipped digital-skills modules meet the content standard: enough lessons, words
and questions, a reviewable manifest, answer keys that earn full marks, quizzes a learner who
knows the answers passes (and one who does not fails), and each language really written in
that language."""

import re
import shutil
import tomllib

import pytest

from lms.assessment import services
from lms.assessment.gift import parse
from lms.assessment.grading import BUILT_IN_TYPES, format_number
from lms.assessment.models import QuizAttempt
from lms.catalogue.models import Activity
from lms.catalogue.stats import (
    LESSONS,
    MIN_QUESTIONS,
    WORDS_PER_LESSON,
    count_words,
    framework_codes,
)
from lms.config import ROOT
from lms.extensions import db
from lms.legal import citations, register
from lms.testing.courses import sync

COURSES = ROOT / "courses"
MODULES = sorted(path.parent.name for path in COURSES.glob("*/manifest.toml"))
SHIPPED = {
    "citizen-authentication",
    "digital-government-foundations",
    "digital-transformation-leadership",
    "document-management-system",
    "information-security",
    "online-public-services",
}
TYPES = {question_type.type_id: question_type for question_type in BUILT_IN_TYPES}
LANGUAGES = ("vi", "en")


def manifest(module: str) -> dict:
    return tomllib.loads((COURSES / module / "manifest.toml").read_text(encoding="utf-8"))


def banks(language: str):
    return sorted(COURSES.glob(f"*/banks/*.{language}.gift"))


def bank_ids(paths):
    return [f"{path.parents[1].name}-{path.name}" for path in paths]


def test_the_shipped_modules_are_present():
    assert set(MODULES) >= SHIPPED


def test_courses_stats_shows_every_module_meeting_the_standard(app):
    result = app.test_cli_runner().invoke(args=["courses", "stats"])
    assert result.exit_code == 0, result.output
    assert "0 short of the standard" in result.output
    header, *lines = result.output.splitlines()
    columns = header.split()
    rows = {}
    for line in lines:
        cells = line.split()
        if len(cells) == len(columns) and cells[1] in LANGUAGES:
            rows[cells[0], cells[1]] = dict(zip(columns, cells, strict=True))
    for module in SHIPPED:
        assert f"ok: {module} " in result.output
        for language in LANGUAGES:
            row = rows[module, language]
            assert LESSONS[0] <= int(row["lessons"]) <= LESSONS[1]
            assert WORDS_PER_LESSON[0] <= int(row["min"])
            assert int(row["max"]) <= WORDS_PER_LESSON[1]
            assert int(row["questions"]) >= MIN_QUESTIONS
            assert sum(int(row[t]) > 0 for t in TYPES if t in row) >= 4
            assert int(row["media"]) >= 1


def test_courses_stats_lists_why_a_module_falls_short(app, tmp_path):
    sample = ROOT / "tests" / "data" / "courses" / "sample-course"
    result = app.test_cli_runner().invoke(args=["courses", "stats", str(sample)])
    assert result.exit_code == 1
    assert "short: sample-course" in result.output
    assert "competencies not in the framework: DT.1" in result.output
    assert "vi: 3 lessons (needs 4–7)" in result.output
    assert "1 short of the standard" in result.output


def test_words_are_counted_without_code_links_and_markup():
    lesson = (
        "## Hai từ\n\n| Cột | Cột |\n|---|---|\n| một | hai |\n\n"
        '!!! warning "Chú ý"\n    Xem [Cổng](https://dichvucong.gov.vn) `code`.\n\n'
        "```\nkhông đếm\n```\n"
    )
    assert count_words(lesson) == 10


@pytest.mark.parametrize("module", MODULES)
def test_manifest_is_reviewable_and_uses_the_framework(module):
    data = manifest(module)
    assert data["review_required"] is True
    codes = [item["code"] for item in data["competencies"]]
    assert codes and set(codes) <= framework_codes()


@pytest.mark.parametrize("module", MODULES)
def test_readme_states_audience_review_and_the_framework_names(module):
    readme = (COURSES / module / "README.md").read_text(encoding="utf-8")
    assert "## Audience" in readme
    assert "## Review status" in readme and "review_required = true" in readme
    framework = tomllib.loads((ROOT / "lms/needs/data/framework.toml").read_text("utf-8"))
    names = {item["code"]: item["name"]["en"] for item in framework["competencies"]}
    for item in manifest(module)["competencies"]:
        # The README names each competency as the framework does, in a table or in prose.
        name = names[item["code"]]
        assert re.search(re.escape(name), readme.replace("\n", " "), re.IGNORECASE), name


@pytest.mark.parametrize("module", MODULES)
def test_every_legal_instrument_is_cited_from_the_register(module):
    """No bare legal number (13/2023/NĐ-CP, 57-NQ/TW …) in lessons or banks, and every
    citation names an instrument of the shipped register."""
    files = {
        path.relative_to(COURSES / module).as_posix(): path.read_text(encoding="utf-8")
        for pattern in ("lessons/*/*.md", "banks/*.gift")
        for path in sorted((COURSES / module).glob(pattern))
    }
    shipped = register.read([ROOT / "lms" / "legal" / "register"])
    assert [str(problem) for problem in citations.problems(files, shipped)] == []


# Answering from the answer key ---------------------------------------------------------


def answer(question, *, right: bool) -> list[str]:
    """The form values of a learner who knows (or does not know) the answer."""
    data = question.data
    if question.type_id in {"single_choice", "multiple_choice"}:
        if not right:
            return [min(data["options"], key=lambda option: option["fraction"])["id"]]
        if question.type_id == "single_choice":
            return [max(data["options"], key=lambda option: option["fraction"])["id"]]
        return [option["id"] for option in data["options"] if option["fraction"] > 0]
    if question.type_id == "true_false":
        return ["true" if data["correct"] == right else "false"]
    if question.type_id == "short_answer":
        best = max(data["answers"], key=lambda answer: answer["fraction"])
        return [best["text"] if right else "không biết / no idea"]
    if question.type_id == "numeric":
        best = max(data["answers"], key=lambda answer: answer["fraction"])
        return [format_number(best.get("value", best.get("min"))) if right else "-987654"]
    choices = [choice["id"] for choice in data["choices"]]
    return [
        f"{item['id']}:{item['match'] if right else next(c for c in choices if c != item['match'])}"
        for item in data["items"]
    ]


@pytest.mark.parametrize("path", banks("vi") + banks("en"), ids=bank_ids(banks("vi") + banks("en")))
def test_every_question_earns_full_marks_from_its_answer_key(path):
    for question in parse(path.read_text(encoding="utf-8")):
        kind = TYPES[question.type_id]
        right = kind.grade(question, kind.parse_response(question, answer(question, right=True)))
        wrong = kind.grade(question, kind.parse_response(question, answer(question, right=False)))
        assert (right.fraction, wrong.fraction) == (1.0, 0.0), question.name


QUIZ_CASES = [(module, language) for module in sorted(SHIPPED) for language in LANGUAGES]


def take_final_quiz(app, client, factory, login_as, tmp_path, module, language, *, right):
    shutil.copytree(COURSES / module, tmp_path / module)
    assert sync(app, tmp_path).created == [module]
    learner = factory.user(locale=language)
    login_as(client, learner)
    url = f"/modules/{module}/final-quiz"
    page = client.submit(url, {"action": "start", "stay": "1"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    attempt_id = int(re.search(r'name="attempt" value="(\d+)"', html).group(1))
    # The test may look behind the page for the right answers; the learner may not.
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.language == language
        questions = services.slot_questions(attempt, db.session.get(Activity, attempt.activity_id))
    assert html.count('<fieldset class="question"') == len(questions) > 0
    answers = {}
    for slot, question in enumerate(questions):
        answers[f"answer-{slot}"] = values = answer(question, right=right)
        if question.type_id in {"single_choice", "multiple_choice", "matching"}:
            assert all(f'value="{value}"' in html for value in values), "offered on the page"
    saved = client.submit(url, {"action": "save", "attempt": attempt_id, **answers})
    assert saved.status_code in {200, 302}, saved.get_data(as_text=True)
    page = client.submit(
        url, {"action": "submit", "attempt": attempt_id, "stay": "1"}, follow_redirects=True
    )
    with app.app_context():
        finished = db.session.get(QuizAttempt, attempt_id)
        return finished.score, page.get_data(as_text=True)


@pytest.mark.parametrize(("module", "language"), QUIZ_CASES)
def test_right_answers_pass_the_final_quiz(
    app, client, factory, login_as, tmp_path, module, language
):
    score, page = take_final_quiz(
        app, client, factory, login_as, tmp_path, module, language, right=True
    )
    assert score == 1.0
    assert {"vi": "Bạn đã đạt bài kiểm tra này.", "en": "You passed this quiz."}[language] in page


@pytest.mark.parametrize(("module", "language"), QUIZ_CASES)
def test_wrong_answers_fail_the_final_quiz(
    app, client, factory, login_as, tmp_path, module, language
):
    score, page = take_final_quiz(
        app, client, factory, login_as, tmp_path, module, language, right=False
    )
    assert score == 0.0
    assert {"vi": "Chưa đạt.", "en": "Not passed yet."}[language] in page


# Each language is written in that language ---------------------------------------------

VIETNAMESE = set("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
# Vietnamese an English text may keep, each for a reason:
# - a term in quotes or brackets, up to six words: the original wording shown beside its
#   translation ("Hỏa tốc" (flash), a charge (lệ phí), "ngày 05 tháng 02 năm 2025");
# - capitalised words: names of people and places (Mr Quân, Tân Hòa) and the codes of legal
#   documents (Decree No. 30/2020/NĐ-CP, Decision No. 749/QĐ-TTg);
# - English words spelt with an accent.
ORIGINAL_TERM = re.compile(r'"[^"\n]{1,60}"|\([^()\n]{1,60}\)')
ENGLISH_WITH_ACCENTS = {"café", "cafés"}


def has_vietnamese(text: str) -> bool:
    return not VIETNAMESE.isdisjoint(text.casefold())


def sentences(text: str):
    """Paragraphs, list items, table cells and sentences of four words or more; code and
    link targets left out."""
    text = re.sub(r"^(```|~~~).*?^\1", " ", text, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"`[^`\n]*`", " ", text)
    text = re.sub(r"(!?\[[^\]]*\])\([^)]*\)", r"\1", text)
    for piece in re.split(r"\n|\||(?<=[.!?;:])\s+", text):
        # Words, not abbreviations (TM., KT.) nor units and numbers (A4, 210 mm).
        words = [w for w in piece.split() if sum(map(str.isalpha, w)) >= 2 and w != w.upper()]
        if len(words) >= 4:
            yield piece.strip()


def without_original_terms(english: str) -> str:
    return ORIGINAL_TERM.sub(lambda m: " " if len(m.group().split()) <= 6 else m.group(), english)


def vietnamese_words(english: str) -> list[str]:
    return [
        word
        for word in re.findall(r"[^\W\d_]+", without_original_terms(english))
        if has_vietnamese(word) and not word[0].isupper() and word not in ENGLISH_WITH_ACCENTS
    ]


def question_texts(question) -> list[str]:
    data = question.data
    texts = [question.text, question.general_feedback]
    texts += [data.get(key, "") for key in ("feedback_right", "feedback_wrong", "other_feedback")]
    for entry in data.get("options", []) + data.get("answers", []):
        texts += [entry.get("text", ""), entry.get("feedback", "")]
    texts += [entry["text"] for entry in data.get("items", []) + data.get("choices", [])]
    return texts


def texts_of(language: str):
    """(where, text) of every lesson and every question text, answer and feedback."""
    for path in sorted(COURSES.glob(f"*/lessons/{language}/*.md")):
        yield path.relative_to(COURSES).as_posix(), path.read_text(encoding="utf-8")
    for path in banks(language):
        for question in parse(path.read_text(encoding="utf-8")):
            where = f"{path.relative_to(COURSES).as_posix()}: {question.name}"
            for text in question_texts(question):
                yield where, text


def test_vietnamese_lessons_and_questions_are_written_with_diacritics():
    unaccented = [
        f"{where}: {sentence}"
        for where, text in texts_of("vi")
        for sentence in sentences(text)
        if not has_vietnamese(sentence)
    ]
    assert unaccented == []


def test_english_lessons_and_questions_are_written_in_english():
    vietnamese = [
        f"{where}: {sentence}"
        for where, text in texts_of("en")
        for sentence in sentences(without_original_terms(text))
        if vietnamese_words(sentence)
    ]
    assert vietnamese == []


def test_the_language_checks_catch_a_slip():
    assert not has_vietnamese("Cong chuc mot cua huong dan nguoi dan nop ho so.")
    assert vietnamese_words("The clerk said: công chức nộp hồ sơ hộ dân.") != []
    assert vietnamese_words('Mr Quân marks it "Hỏa tốc" (flash) under NĐ-CP.') == []
