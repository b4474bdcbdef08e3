"""GIFT import and export: the shapes Moodle documents, round trips, and refused files."""

import json
from pathlib import Path

import pytest
from gift_builders import (
    answer,
    between,
    matching,
    multiple,
    numeric,
    option,
    short,
    single,
    true_false,
    within,
)

from lms.assessment.gift import GiftError, dump, parse
from lms.assessment.questions import Question

CORPUS = Path(__file__).parent / "gift"


def read(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


TOMB = "Who's buried in Grant's tomb?"
BORN = "When was Ulysses S. Grant born?"
VIETNAMESE_CATEGORY = "$course$/top/Chữ ký số/Cơ bản"

EXPECTED = {
    "01-single-choice.gift": [
        single(TOMB, option("Grant"), option("Jefferson"), option("no one", 1.0))
    ],
    "02-missing-word.gift": [
        single(
            "Moodle costs {_} to download.",
            option("lots of money"),
            option("nothing", 1.0),
            option("a small amount"),
        )
    ],
    "03-single-choice-feedback.gift": [
        single(
            "What's the answer to this multiple-choice question?",
            option("the right answer", 1.0, "Right, this is the right answer."),
            option("a wrong answer", 0.0, "Wrong, please try again."),
            option("another wrong answer", 0.0, "Wrong, please try again."),
        )
    ],
    "04-single-choice-partial-credit.gift": [
        single(
            "Which is the best password?",
            option("Correct-Horse-Battery-Staple", 1.0),
            option("P@ssw0rd2024", 0.5),
            option("123456", 0.0, "Never"),
        )
    ],
    "05-multiple-answers-weights.gift": [
        multiple(
            "What two people are entombed in Grant's tomb?",
            option("No one", -1.0),
            option("Grant", 0.5),
            option("Grant's wife", 0.5),
            option("Grant's father", -1.0),
        )
    ],
    "06-multiple-answers-equal-shares.gift": [
        multiple(
            "Which of these are prime numbers?",
            *[option(n, 1 / 3) for n in "235"],
            *[option(n, -1 / 3) for n in "49"],
        )
    ],
    "07-true.gift": [true_false("Grant was buried in a tomb in New York City.", True)],
    "08-true-word.gift": [true_false("The Earth orbits the Sun.", True)],
    "09-false-feedback.gift": [
        true_false(
            "The sun rises in the West.",
            False,
            right="Right: it sets in the West.",
            wrong="No, it rises in the East.",
        )
    ],
    "10-false-word.gift": [
        true_false("Two and two make five.", False, wrong="Two and two make four.")
    ],
    "11-short-answer.gift": [
        short(TOMB, answer("Grant"), answer("Ulysses S. Grant"), answer("Ulysses Grant"))
    ],
    "12-short-answer-partial-credit.gift": [
        short(
            "What is the capital of Australia?",
            answer("Canberra"),
            answer("Sydney", 0.5, "Sydney is the largest city, not the capital."),
        )
    ],
    "13-short-answer-missing-word.gift": [
        short("Two plus two equals {_}.", answer("four"), answer("4"))
    ],
    "14-numeric-tolerance.gift": [numeric(BORN, within(1822.0, 5.0))],
    "15-numeric-range.gift": [numeric("What is a number from 1 to 5?", between(1.0, 5.0))],
    "16-numeric-several-answers.gift": [
        numeric(
            BORN,
            within(1822.0, 0.0, 1.0, "Correct! Full credit."),
            within(1822.0, 2.0, 0.5, "He was born in 1822. Half credit for being close."),
        )
    ],
    "17-numeric-other-feedback.gift": [
        numeric(
            "What is the value of pi (to 3 decimal places)?",
            within(3.14159, 0.0005, 1.0, "Good"),
            other="Pi is about 3.14159.",
        )
    ],
    "18-numeric-negative-and-decimal.gift": [
        numeric(
            "Water freezes at how many degrees Fahrenheit below the boiling point of -40?",
            within(-40.0, 0.5),
        ),
        numeric("A decimal range", between(-0.25, 0.75)),
    ],
    "19-matching.gift": [
        matching(
            "Match the following countries with their corresponding capitals.",
            [("Canada", "Ottawa"), ("Italy", "Rome"), ("Japan", "Tokyo"), ("India", "New Delhi")],
        )
    ],
    "20-matching-distractors.gift": [
        matching(
            "Match the animals with what they eat.",
            [("Cow", "grass"), ("Sheep", "grass"), ("Lion", "meat"), ("Owl", "mice")],
            distractors=["stones"],
        )
    ],
    "21-title.gift": [true_false("Grant is buried in Grant's tomb.", True, name="Grant's tomb")],
    "22-format-markdown.gift": [
        single(
            "Is **this** bold?",
            option("yes", 1.0),
            option("no"),
            name="Bold",
            text_format="markdown",
        )
    ],
    "23-format-html.gift": [
        true_false(
            "<p>Is <em>HTML</em> allowed?</p>",
            True,
            text_format="html",
            general_feedback="<b>Yes</b>",
        )
    ],
    "24-format-plain-and-moodle.gift": [
        true_false("Plain text <b> stays as typed.", True, text_format="plain"),
        true_false("Moodle auto-format.", False),
    ],
    "25-escapes.gift": [
        single(
            "Which is written { } = ~ # : and \\?",
            option("a = b", 1.0, "It\\'s 1 # 2"),
            option("c ~ d"),
            name="Escapes: all of them",
        ),
        true_false("Line one\nline two", True),
    ],
    "26-comments.gift": [single("What colour is the sky?", option("blue", 1.0), option("green"))],
    "27-categories.gift": [
        short("Capital of France?", answer("Paris"), category="$course$/top/Geography"),
        short("Capital of Italy?", answer("Rome"), category="$course$/top/Geography"),
        numeric("Two plus two?", within(4.0), category="$course$/top/Maths"),
    ],
    "28-general-feedback.gift": [
        single(
            "Which planet is largest?",
            option("Jupiter", 1.0, "Yes."),
            option("Earth", 0.0, "No."),
            general_feedback=(
                "Jupiter is more than twice as massive as all the other planets together."
            ),
        )
    ],
    "29-multi-line.gift": [
        single(
            "A question\nwritten over\nseveral lines",
            option("with answers", 1.0),
            option("on lines"),
            option("of their own"),
            name="Multi-line",
            text_format="markdown",
        )
    ],
    "30-weights-and-options.gift": [
        numeric("How many days has a leap year?", within(366.0), weight=2.0),
        short(
            "Giấy tờ tùy thân của công dân Việt Nam là gì?",
            answer("Căn cước"),
            ignore_diacritics=True,
        ),
        short("The chemical symbol for sodium?", answer("Na"), ignore_case=False, weight=0.5),
    ],
    "31-vietnamese-bank.gift": [
        single(
            "**Chữ ký số** dùng để làm gì?",
            option(
                "Xác thực người ký và bảo đảm văn bản không bị sửa",
                1.0,
                "Đúng: đó là hai tác dụng chính.",
            ),
            option("Trang trí văn bản", 0.0, "Không phải."),
            option(
                "Thay cho con dấu của cơ quan trong mọi trường hợp",
                -0.5,
                "Chưa đúng: con dấu vẫn cần khi luật yêu cầu.",
            ),
            name="Chữ ký số là gì",
            text_format="markdown",
            category=VIETNAMESE_CATEGORY,
            general_feedback="Xem Nghị định 23/2025/NĐ-CP về chữ ký điện tử.",
        ),
        true_false(
            "Chứng thư số có thời hạn sử dụng.",
            True,
            right="Đúng.",
            wrong="Sai: chứng thư số có thời hạn.",
            name="Thời hạn chứng thư",
            category=VIETNAMESE_CATEGORY,
        ),
        short(
            "Thiết bị lưu khóa bí mật thường là {_}.",
            answer("USB token"),
            answer("token"),
            answer("thẻ thông minh", 0.5, "Cũng dùng được, nhưng ít gặp hơn."),
            name="Thiết bị",
            category=VIETNAMESE_CATEGORY,
        ),
        numeric(
            "Số định danh cá nhân có bao nhiêu chữ số?",
            within(12.0),
            name="Số định danh",
            category=VIETNAMESE_CATEGORY,
        ),
        matching(
            "Ghép mỗi thủ tục với cơ quan giải quyết.",
            [
                ("Cấp căn cước", "Công an"),
                ("Đăng ký khai sinh", "Ủy ban nhân dân cấp xã"),
                ("Cấp phiếu lý lịch tư pháp", "Sở Tư pháp"),
            ],
            name="Ghép cặp",
            category=VIETNAMESE_CATEGORY,
        ),
    ],
    "32-windows-line-endings.gift": [
        true_false("First question?", True, name="Windows"),
        single("Second question?", option("yes", 1.0), option("no")),
    ],
    "33-moodle-export.gift": [
        short(
            "<p>Capital of Japan?</p>",
            answer("Tokyo"),
            answer("Edo", 0.5, "The old name."),
            name="Short",
            text_format="html",
            category="$course$/top/Default for Course",
        ),
        numeric(
            "<p>Boiling point of water?</p>",
            within(100.0),
            within(99.0, 2.0, 0.5, "Close."),
            other="Water boils at 100 degrees.",
            name="Numeric",
            text_format="html",
            category="$course$/top/Default for Course",
        ),
        multiple(
            "<p>Pick the even numbers.</p>",
            option("2", 0.5),
            option("4", 0.5),
            option("7", -1.0),
            name="Multi",
            text_format="html",
            category="$course$/top/Default for Course",
        ),
    ],
}


def test_the_corpus_covers_every_file_and_at_least_thirty_snippets():
    assert sorted(path.name for path in CORPUS.glob("*.gift")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_imports_what_moodle_documents(name):
    assert parse(read(name)) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_export_then_import_gives_the_same_questions(name):
    questions = parse(read(name))
    assert parse(dump(questions)) == questions


def test_the_whole_corpus_survives_a_round_trip_as_one_file():
    questions = [question for name in sorted(EXPECTED) for question in parse(read(name))]
    exported = dump(questions)
    assert parse(exported) == questions
    assert dump(parse(exported)) == exported


def test_questions_survive_a_json_column():
    for name in sorted(EXPECTED):
        for question in parse(read(name)):
            stored = json.loads(json.dumps(question.to_dict()))
            assert Question.from_dict(stored) == question


def test_export_writes_each_category_once_per_run():
    exported = dump(parse(read("27-categories.gift")))
    assert exported.count("$CATEGORY: $course$/top/Geography") == 1
    assert exported.count("$CATEGORY: $course$/top/Maths") == 1


def test_export_can_return_to_no_category():
    questions = [
        true_false("In a category", True, category="Rules"),
        true_false("In none", False),
    ]
    assert parse(dump(questions)) == questions


def test_export_refuses_a_type_gift_cannot_write():
    with pytest.raises(ValueError, match="GIFT cannot write 'ordering' questions"):
        dump([Question(type_id="ordering", text="Put in order.")])


def test_export_escapes_special_characters():
    question = single("Is 1 + 1 = 2 {yes}?", option("a: ~b #c \\ d", 1.0), option("e"))
    exported = dump([question])
    assert "1 + 1 \\= 2 \\{yes\\}?" in exported
    assert "=a\\: \\~b \\#c \\\\ d" in exported
    assert parse(exported) == [question]


def test_export_keeps_a_text_that_looks_like_a_format_marker():
    question = true_false("[html] is a GIFT marker", True)
    assert parse(dump([question])) == [question]


def test_export_writes_the_blank_of_a_missing_word_question_in_place():
    exported = dump(parse(read("13-short-answer-missing-word.gift")))
    assert exported == "Two plus two equals {\n\t=four\n\t=4\n}.\n"


def test_vietnamese_bank_keeps_its_diacritics_through_export():
    exported = dump(parse(read("31-vietnamese-bank.gift")))
    assert "Ủy ban nhân dân cấp xã" in exported
    assert "$CATEGORY: $course$/top/Chữ ký số/Cơ bản" in exported


# Refused files: every problem is reported with its line, and nothing is imported.

MALFORMED = [
    ("Unclosed {=a ~b\n", 1, "is not closed"),
    ("First {T}\n\nSecond {\n=a\n~b\n\nThird {T}\n", 3, "is not closed"),
    ("Closed before opening } {T}\n", 1, "without a {"),
    ("Pick one {\n=right\n}\n{~x}\n", 4, "only one set of answers"),
    ("Nested {=a {b} ~c}\n", 1, "inside the answers"),
    ("Which? {\nright\n~wrong\n}\n", 2, "must start with = or ~"),
    ("Short {Paris}\n", 1, "must start with = or ~"),
    ("Which? {\n=a\n~%abc%b\n}\n", 3, "“%abc%” is not a weight"),
    ("Which? {=a ~%150%b}\n", 1, "is not a weight"),
    ("Which? {=a ~%50 b}\n", 1, "no closing %"),
    ("Which? {=%50%a ~b}\n", 1, "= marks the right answer"),
    ("Which? {=a =b ~%-50%c}\n", 1, "only when no answer has a weight"),
    ("Which? {~%50%a ~%40%b ~c}\n", 1, "add up to 90%, not 100%"),
    ("Which? {~a ~b}\n", 1, "add up to 0%, not 100%"),
    ("Which? {=a ~a}\n", 1, "Two answers are “a”"),
    ("Which? {=only}\n\nWhich? {~only}\n", 3, "at least two answers"),
    ("Which? {=a ~#feedback}\n", 1, "An answer is empty"),
    ("Number {#abc}\n", 1, "“abc” is not a number"),
    ("Number {#\n=3:0.1\n=%50%3x:1\n}\n", 3, "“3x” is not a number"),
    ("Number {#1..five}\n", 1, "“five” is not a number"),
    ("Number {#3:-1}\n", 1, "tolerance cannot be negative"),
    ("Number {#5..1}\n", 1, "starts above where it ends"),
    ("Number {#}\n", 1, "no answers"),
    ("Number {#3 ~wrong}\n", 1, "~#feedback"),
    ("Short {=%50%half}\n", 1, "No answer gives full credit"),
    ("Short {=a =%-10%b}\n", 1, "from 0 to 100%"),
    ("Match {=a -> 1 =b -> 2}\n", 1, "at least three pairs"),
    ("Match {\n=a -> 1\n=b -> 2\n=c 3\n}\n", 4, "left -> right"),
    ("Match {=a -> 1 =b -> 2 =c -> 3#nice}\n", 1, "no feedback"),
    ("Match {=a -> 1 =a -> 2 =c -> 3}\n", 1, "Two answers are “a”"),
    ("Essay? {}\n", 1, "Essay questions"),
    ("Just a description.\n", 1, "descriptions are not supported"),
    ("::Unclosed title Text {T}\n", 1, "not closed with ::"),
    ("{=no text}\n", 1, "no text"),
    ("The text \\{_\\} looks like a blank {T}\n", 1, "marks the blank"),
    ("// lms: weight=abc\nQuestion {T}\n", 1, "positive number"),
    ("// lms: ignore-diacritics\nQuestion {T}\n", 1, "short-answer questions only"),
    ("// lms: ignore-accents\nQuestion {=a}\n", 1, "Unknown “// lms:” option"),
    ("Question {T}\n\n// lms: weight=2\n", 3, "must come just before a question"),
    ("", 1, "no questions"),
    ("// only a comment\n\n$CATEGORY: empty\n", 1, "no questions"),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED)
def test_refuses_a_malformed_question_naming_its_line(text, line, message):
    with pytest.raises(GiftError) as refused:
        parse(text)
    [problem] = refused.value.problems
    assert problem.line == line
    assert message in str(problem.message)


def test_reports_every_wrong_question_and_imports_nothing():
    text = "Good {T}\n\nBad {#x}\n\nAlso good {=a ~b}\n\nUnclosed {=a\n\n\nMatch {=a -> 1}\n"
    with pytest.raises(GiftError) as refused:
        parse(text)
    assert [problem.line for problem in refused.value.problems] == [3, 7, 10]
    assert str(refused.value).startswith("The GIFT file was not imported")
    assert "line 10: A matching question needs at least three pairs." in str(refused.value)


def test_a_blank_line_ends_a_question_even_inside_its_answers():
    with pytest.raises(GiftError) as refused:
        parse("Which? {\n=a\n\n~b\n}\n")
    first, second = refused.value.problems
    assert (first.line, second.line) == (1, 5)
    assert "is not closed" in str(first.message)
    assert "without a {" in str(second.message)
