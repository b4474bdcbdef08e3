"""GIFT as Moodle reads and writes it (qformat_gift, question/format/gift/format.php).

Most snippets come from Moodle's own tests (question/format/gift/tests/giftformat_test.php)
and its GIFT documentation; each expects what Moodle's importer makes of it, in the
platform's terms, and the same questions again after export and import.
"""

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
from lms.assessment.grading import ShortAnswer
from lms.assessment.rendering import inline_html, text_html

SPECTRUM = "What's between orange and green in the spectrum?"
ANIMAL = "Which is the best animal?"
ACTIVITIES = [
    ("An activity supporting asynchronous discussions.", "Forum"),
    ("A teacher asks a question and specifies a choice of multiple responses.", "Choice"),
    ("A bank of record entries which participants can add to.", "Database"),
    ("A collection of web pages that anyone can add to or edit.", "Wiki"),
]
ANIMAL_ANSWERS = (
    answer("Frog", 1.0, "Good!"),
    answer("Cat", 0.5, "What is it with Moodlers and cats?"),
    answer("*", 0.0, "Completely wrong"),
)

SNIPPETS = {
    # Format markers: before the question text, each answer, each feedback, a pair's left.
    "match with a marker on each left side": (
        "// question: 2  name: Moodle activities\n"
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        "    =[html]An activity supporting asynchronous discussions. -> Forum\n"
        "    =[moodle]A teacher asks a question and specifies a choice of multiple "
        "responses. -> Choice\n"
        "    =[plain]A bank of record entries which participants can add to. -> Database\n"
        "    =[markdown]A collection of web pages that anyone can add to or edit. -> Wiki\n"
        "    = -> Chat\n"
        "}",
        [
            matching(
                "Match the <b>activity</b> to the description.",
                ACTIVITIES,
                distractors=["Chat"],
                name="Moodle activities",
                text_format="html",
            )
        ],
    ),
    "markers on an answer and on a feedback": (
        "// multiple choice with specified feedback for right and wrong answers\n"
        f"::Q2:: {SPECTRUM}\n"
        "{\n"
        "    =yellow # right; good!\n"
        "    ~red # [html]wrong, it's yellow\n"
        "    ~[plain]blue # wrong, it's yellow\n"
        "}",
        [
            single(
                SPECTRUM,
                option("yellow", 1.0, "right; good!"),
                option("red", 0.0, "wrong, it's yellow"),
                option("blue", 0.0, "wrong, it's yellow"),
                name="Q2",
            )
        ],
    ),
    "markers after weights": (
        f"::colours:: {SPECTRUM}\n"
        "{\n"
        "    ~%50%yellow # right; good!\n"
        "    ~%-100%red # [html]wrong\n"
        "    ~%50%off-beige # right; good!\n"
        "    ~%-100%[plain]blue # wrong\n"
        "}",
        [
            multiple(
                SPECTRUM,
                option("yellow", 0.5, "right; good!"),
                option("red", -1.0, "wrong"),
                option("off-beige", 0.5, "right; good!"),
                option("blue", -1.0, "wrong"),
                name="colours",
            )
        ],
    ),
    "a marker in the general feedback": (
        f"::Shortanswer::{ANIMAL}{{\n"
        "    =Frog#Good!\n"
        "    =%50%Cat#What is it with Moodlers and cats?\n"
        "    =%0%*#Completely wrong\n"
        "    ####[html]Here is some general feedback!\n"
        "}",
        [
            short(
                ANIMAL,
                *ANIMAL_ANSWERS,
                name="Shortanswer",
                general_feedback="Here is some general feedback!",
            )
        ],
    ),
    "markers on a short answer and on numeric feedback": (
        "Capital of Japan? {=[plain]Tokyo#[markdown]**Yes**}\n\n"
        "Year? {#=[moodle]1822#[html]<em>Right</em> ~#[plain]No}",
        [
            short("Capital of Japan?", answer("Tokyo", 1.0, "**Yes**")),
            numeric("Year?", within(1822.0, 0.0, 1.0, "<em>Right</em>"), other="No"),
        ],
    ),
    "markers on true/false feedback": (
        "[markdown]Is **this** true?{TRUE#[plain]No.#[html]<b>Yes.</b>}",
        [
            true_false(
                "Is **this** true?", True, right="<b>Yes.</b>", wrong="No.", text_format="markdown"
            )
        ],
    ),
    "an unknown marker is text": (
        "[HTML]Upper case is no marker {=[1] first ~[b] second}",
        [single("[HTML]Upper case is no marker", option("[1] first", 1.0), option("[b] second"))],
    ),
    "HTML with escaped braces": (
        "::Q001::[html]<p>What would running the test method print?</p>\n"
        "<pre>\n"
        "    public void test() \\{\n"
        "        method1();\n"
        "    \\}\n"
        "</pre>\n"
        "{T}",
        [
            true_false(
                "<p>What would running the test method print?</p>\n<pre>\n"
                "    public void test() {\n        method1();\n    }\n</pre>",
                True,
                name="Q001",
                text_format="html",
            )
        ],
    ),
    # Moodle's catch-all short answer
    "catch-all short answer": (
        f"// question: 666  name: Shortanswer\n::Shortanswer::{ANIMAL}{{\n"
        "    =Frog#Good!\n    =%50%Cat#What is it with Moodlers and cats?\n"
        "    =%0%*#Completely wrong\n}",
        [short(ANIMAL, *ANIMAL_ANSWERS, name="Shortanswer")],
    ),
    # ID number and tags, from the question's comments
    "ID number and tags": (
        "// This question is to test importing tags: [tag:tag] [tag:other-tag].\n"
        "// And an idnumber: [id:myid].\n"
        "::Question name:: How are you? {T}",
        [
            true_false(
                "How are you?",
                True,
                name="Question name",
                idnumber="myid",
                tags=["tag", "other-tag"],
            )
        ],
    ),
    "ID number and tags mixed up over two comment lines": (
        "// [tag:  basic] Here is  \n// a [id:   four   ] que[tag:add   ]stion.\nSum? {#4}",
        [numeric("Sum?", within(4.0), idnumber="four", tags=["basic", "add"])],
    ),
    "escaped ] in an ID number and a tag": (
        "// [id:i\\]d] [tag:t\\]ag] [tag:split over\n// line]\nOK? {T}",
        [true_false("OK?", True, idnumber="i]d", tags=["t]ag"])],
    ),
    "Moodle's export of an ID number and tags": (
        "// question: 12  name: True/false question\n"
        "// [id:myid] [tag:tag1] [tag:tag2]\n"
        "::True/false question::[html]The answer is true.{TRUE#This is the wrong answer."
        "#This is the right answer.####You should have selected true.}",
        [
            true_false(
                "The answer is true.",
                True,
                right="This is the right answer.",
                wrong="This is the wrong answer.",
                name="True/false question",
                text_format="html",
                general_feedback="You should have selected true.",
                idnumber="myid",
                tags=["tag1", "tag2"],
            )
        ],
    ),
    # Escapes
    "every escape": (
        "::Escapes\\: all:: 1 \\= 1, a\\~b, \\#1, \\{x\\}, a\\:b, C:\\\\ {\n"
        "    =\\=\\~\\#\\{\\}\\:#fb \\= \\#\n"
        "    ~two\\nlines\n"
        "}",
        [
            single(
                "1 = 1, a~b, #1, {x}, a:b, C:\\",
                option("=~#{}:", 1.0, "fb = #"),
                option("two\nlines"),
                name="Escapes: all",
            )
        ],
    ),
    "backslashes": (
        "::double backslash:: A \\\\ B \\\\\\\\ C{T}",
        [true_false("A \\ B \\\\ C", True, name="double backslash")],
    ),
    # Numbers
    "numeric tolerance and other feedback": (
        "// math range question\n::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}",
        [
            numeric(
                "What is a number from 1 to 5?",
                within(3.0, 2.0),
                other="Completely wrong",
                name="Q5",
            )
        ],
    ),
    "numeric range": (
        "::Q6:: What is a number from 1 to 5? {#1..5}",
        [numeric("What is a number from 1 to 5?", between(1.0, 5.0), name="Q6")],
    ),
    "numeric answers with partial credit": (
        "When was Ulysses S. Grant born? {#\n"
        "    =1822:0      # Correct! Full credit.\n"
        "    =%50%1822:2  # He was born in 1822. Half credit for being close.\n"
        "}",
        [
            numeric(
                "When was Ulysses S. Grant born?",
                within(1822.0, 0.0, 1.0, "Correct! Full credit."),
                within(1822.0, 2.0, 0.5, "He was born in 1822. Half credit for being close."),
            )
        ],
    ),
    # Matching, true/false, choices
    "matching": (
        "Match the following countries with their corresponding capitals. "
        "{=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo =India -> New Delhi}",
        [
            matching(
                "Match the following countries with their corresponding capitals.",
                [
                    ("Canada", "Ottawa"),
                    ("Italy", "Rome"),
                    ("Japan", "Tokyo"),
                    ("India", "New Delhi"),
                ],
            )
        ],
    ),
    "true/false with both feedbacks": (
        "// true/false\n::Q1:: 42 is the Absolute Answer to everything.{\n"
        "FALSE#42 is the Ultimate Answer.#You gave the right answer.}",
        [
            true_false(
                "42 is the Absolute Answer to everything.",
                False,
                right="You gave the right answer.",
                wrong="42 is the Ultimate Answer.",
                name="Q1",
            )
        ],
    ),
    "true/false written T": (
        "// name 0-11\n::2-08 TSL::TSL is blablabla.{T}",
        [true_false("TSL is blablabla.", True, name="2-08 TSL")],
    ),
    "single choice with partial credit": (
        "::Jesus' hometown::Jesus Christ was from {\n"
        "   ~Jerusalem#This was an important city, but the wrong answer.\n"
        "   ~%25%Bethlehem#He was born here, but not raised here.\n"
        "   ~%50%Galilee#You need to be more specific.\n"
        "   =Nazareth#Yes! That's right!\n"
        "}",
        [
            single(
                "Jesus Christ was from",
                option("Jerusalem", 0.0, "This was an important city, but the wrong answer."),
                option("Bethlehem", 0.25, "He was born here, but not raised here."),
                option("Galilee", 0.5, "You need to be more specific."),
                option("Nazareth", 1.0, "Yes! That's right!"),
                name="Jesus' hometown",
            )
        ],
    ),
    "multiple answers weighted %50%": (
        "What two people are entombed in Grant's tomb? {\n"
        "   ~%-100%No one\n   ~%50%Grant\n   ~%50%Grant's wife\n   ~%-100%Grant's father\n}",
        [
            multiple(
                "What two people are entombed in Grant's tomb?",
                option("No one", -1.0),
                option("Grant", 0.5),
                option("Grant's wife", 0.5),
                option("Grant's father", -1.0),
            )
        ],
    ),
    "missing word": (
        "Grant is {~buried =entombed ~living} in Grant's tomb.",
        [
            single(
                "Grant is {_} in Grant's tomb.",
                option("buried"),
                option("entombed", 1.0),
                option("living"),
            )
        ],
    ),
    # Line endings: Windows, and old Mac files whose lines end with a bare CR
    "CRLF and bare CR line endings": (
        "// Windows\r\n::A::First?{\r\n=yes\r\n~no\r\n}\r\n\r\n"
        "// old Mac\r::B::Second?{\r=yes\r~no\r}\r",
        [
            single("First?", option("yes", 1.0), option("no"), name="A"),
            single("Second?", option("yes", 1.0), option("no"), name="B"),
        ],
    ),
}


def test_there_are_two_dozen_snippets():
    assert len(SNIPPETS) >= 24


@pytest.mark.parametrize("name", SNIPPETS)
def test_imports_what_moodle_makes_of_it(name):
    gift, expected = SNIPPETS[name]
    assert parse(gift) == expected


@pytest.mark.parametrize("name", SNIPPETS)
def test_export_then_import_gives_the_same_questions(name):
    gift, expected = SNIPPETS[name]
    exported = dump(parse(gift))
    assert parse(exported) == expected
    assert dump(parse(exported)) == exported


# The catch-all short answer


@pytest.mark.parametrize(
    ("response", "fraction", "feedback"),
    [
        ("frog", 1.0, ["Good!"]),
        ("Cat", 0.5, ["What is it with Moodlers and cats?"]),
        ("Dog", 0.0, ["Completely wrong"]),
        ("*", 0.0, ["Completely wrong"]),
    ],
)
def test_the_catch_all_takes_any_response_no_other_answer_takes(response, fraction, feedback):
    [question] = parse(SNIPPETS["catch-all short answer"][0])
    graded = ShortAnswer().grade(question, ShortAnswer().parse_response(question, [response]))
    assert (graded.fraction, graded.feedback) == (fraction, feedback)


def test_the_catch_all_is_not_shown_as_a_right_answer():
    [question] = parse("Which? {=%100%Frog =%100%*#Anything goes}")
    assert ShortAnswer().correct_answers(question) == ["Frog"]


# Formats of answers and feedback: shown as Moodle shows them, through the one sanitiser


def test_plain_text_in_a_formatted_question_shows_as_typed(appctx):
    [question] = parse("[markdown]Which is **bold**? {=[plain]<b> and *stars* ~**this**}")
    plain, bold = question.data["options"]
    assert plain["text"] == "<p>&lt;b&gt; and *stars*</p>"
    assert inline_html(plain["text"], question.text_format) == "&lt;b&gt; and *stars*"
    assert inline_html(bold["text"], question.text_format) == "<strong>this</strong>"


def test_a_formatted_answer_makes_a_plain_question_formatted(appctx):
    [question] = parse("[plain]Is 2 < 3 *really*? {=[html]<b>Yes</b>#[plain]1 < 2 too ~No}")
    assert question.text_format == "html"
    assert question.text == "<p>Is 2 &lt; 3 *really*?</p>"
    yes, no = question.data["options"]
    assert (yes["text"], yes["feedback"], no["text"]) == ("<b>Yes</b>", "1 < 2 too", "No")
    assert str(text_html(question.text, question.text_format)) == question.text


def test_html_never_reaches_a_learner_unsanitised(appctx):
    [question] = parse(
        "[html]<p onclick=alert(1)>Pick</p><script>alert(2)</script> "
        "{=<img src\\=x onerror\\=alert(3)>Yes ~[html]<a href\\=javascript\\:alert(4)>No</a>}"
    )
    shown = [str(text_html(question.text, question.text_format)).strip()] + [
        str(inline_html(o["text"], question.text_format)) for o in question.data["options"]
    ]
    assert shown == ["<p>Pick</p>", "<img>Yes", '<a rel="noopener noreferrer">No</a>']


# What export writes for Moodle


def test_export_writes_an_id_number_and_tags_as_moodle_does():
    question = true_false("OK?", True, idnumber="my]id\\", tags=["tag1", "tag 2"])
    exported = dump([question])
    assert exported.splitlines()[0] == "// [id:my\\]id\\ ] [tag:tag1] [tag:tag 2]"
    assert parse(exported) == [question]


@pytest.mark.parametrize("literal", ["[plain] is a marker", "[html]<b>", "[markdown]**x**"])
def test_export_never_writes_a_text_moodle_would_take_for_a_marker(literal):
    question = single(
        "Which?",
        option(literal, 1.0, literal),
        option("other"),
        general_feedback=literal,
        text_format="plain",
    )
    exported = dump([question])
    assert exported.count(f"[plain]{literal}") == 3  # the answer, its feedback, general feedback
    assert parse(exported) == [question]


def test_a_right_answer_that_starts_like_a_weight_stays_the_right_answer():
    question = single("Discount?", option("%50% off", 1.0), option("none"))
    assert dump([question]) == "Discount? {\n\t=[moodle]%50% off\n\t~none\n}\n"
    assert parse(dump([question])) == [question]


def test_export_writes_a_question_marker_only_where_meant():
    exported = dump([true_false("Plain text", True), true_false("Text", True, text_format="plain")])
    assert exported == "Plain text {TRUE}\n\n[plain]Text {TRUE}\n"


# What the platform refuses, with a message that says so


@pytest.mark.parametrize(
    ("gift", "message"),
    [
        ("// essay\n::Q8:: How are you? {}", "Essay questions {} are not supported."),
        ("::Q8:: How are you? {####[html]Say how.}", "Essay questions {} are not supported."),
        ("::Intro::[html]<p>Read this first.</p>", "descriptions are not supported"),
        ("Number {#1e400}", "“1e400” is not a number"),
    ],
)
def test_refuses_what_the_platform_cannot_ask_with_a_clear_message(gift, message):
    with pytest.raises(GiftError) as refused:
        parse(gift)
    [problem] = refused.value.problems
    assert message in str(problem.message)
