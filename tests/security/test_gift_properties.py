"""Properties of the GIFT parser, on outside input that nobody wrote with care.

Whatever text comes in, ``parse`` answers with questions or with its own ``GiftError``, never
another exception; and every question GIFT can hold, of every type and with any text
(GIFT's special characters, format markers, CR and LF among them), comes back equal from
export and import, its line breaks as line feeds.
"""

from hypothesis import event, given, note
from hypothesis import strategies as st

from lms.assessment.gift import GiftError, dump, parse
from lms.assessment.questions import BLANK, TEXT_FORMATS, Question, item_id, line_feeds

# Pieces of GIFT syntax, so that generated text reaches past the first refusal.
SYNTAX = [
    *"~=#{}:\\[]%\r\n\t -*.>",
    "->",
    "::",
    "####",
    "\\n",
    "{_}",
    "\r\n",
    "$CATEGORY:",
    "// lms: weight=2",
    "// [id:x] [tag:y]",
    "//",
    "T",
    "FALSE",
    "1..5",
    "3:0.5",
    "1e400",
    "%50%",
    "%-100%",
    "\ufeff",
    *(f"[{name}]" for name in TEXT_FORMATS),
]


def joined(syntax: list[str], *, min_size=0):
    pieces = st.one_of(st.characters(codec="utf-8"), st.sampled_from(syntax))
    return st.lists(pieces, min_size=min_size, max_size=12).map("".join)


raw_text = joined(SYNTAX)


@st.composite
def gift_like(draw):
    """Text shaped like a question, so that many import and the rest fail deep inside."""
    escaped = [f"\\{character}" for character in "=~#{}:n\\"]
    markup = ["<b>x</b>", "*y*", "2 < 3", "1. z", "&amp;", "[plain]", "%", "->", "\r"]
    safe = st.sampled_from([*escaped, *markup, "abc", "T", " "]) | st.characters(codec="utf-8")
    word = st.lists(safe, min_size=1, max_size=6).map("".join)
    marker = st.sampled_from(["", *(f"[{name}]" for name in TEXT_FORMATS)])
    number = st.sampled_from(["1", "-2.5", "3:0.5", "1..5", "1e3", "*", "x"])

    def part():
        return draw(marker) + draw(word)

    def feedback():
        return f"#{part()}" if draw(st.booleans()) else ""

    def several(entry):
        return " ".join(entry() for _ in range(draw(st.integers(1, 4))))

    kind = draw(st.sampled_from(["choice", "short", "true_false", "numeric", "matching"]))
    mark = st.sampled_from(["=", "~", "~", "~%50%", "~%-100%", "=%50%"])
    answers = {
        "choice": lambda: several(lambda: draw(mark) + part() + feedback()),
        "short": lambda: several(lambda: "=" + part() + feedback()) + " =%0%*" + feedback(),
        "true_false": lambda: draw(st.sampled_from(["T", "FALSE"])) + feedback() + feedback(),
        "numeric": lambda: (
            "#" + several(lambda: "=" + draw(number) + feedback()) + " ~" + feedback()
        ),
        "matching": lambda: several(lambda: f"={part()} -> {draw(word)}") + " = -> z",
    }[kind]()
    general = f"####{part()}" if draw(st.booleans()) else ""
    head = f"::{draw(word)}::" if draw(st.booleans()) else ""
    return f"{head}{part()} {{{answers}{general}}}"


@given(
    st.one_of(
        st.text(),
        raw_text,
        st.lists(raw_text, max_size=6).map("\n".join),
        st.lists(gift_like(), min_size=1, max_size=3).map("\n\n".join),
        gift_like(),
    )
)
def test_any_text_parses_or_raises_only_a_gift_error(text):
    try:
        questions = parse(text)
    except GiftError:
        event("refused")
        return
    event("imported")
    assert parse(dump(questions)) == questions


# Questions GIFT can hold. Each strategy draws the texts as typed (CRs, spaces around them
# trimmed) and returns a builder: given how to clean a text, the question. Built with the
# texts as typed it is what goes out; built with line feeds it is what must come back.

# The blank of a missing-word question stands in a question's text only (``question_texts``).
TEXT_SYNTAX = [piece for piece in SYNTAX if piece != BLANK]
texts = joined(TEXT_SYNTAX).map(str.strip).filter(lambda text: BLANK not in text)
filled = joined(TEXT_SYNTAX, min_size=1).map(str.strip).filter(lambda t: t and BLANK not in t)
# Short answers: "->" next to "=" would make any answer block a matching question, in
# Moodle as here; GIFT has no escape for it. The left side of a pair cannot hold it either.
arrowless = filled.filter(lambda text: "->" not in text)
single_line = texts.filter(lambda text: "\r" not in text and "\n" not in text)
# Moodle's ID numbers and tags: no control characters, trimmed, and nothing that reads as
# another [id:] or [tag:] in the comment that carries them.
moodle_text = (
    st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=12)
    .map(lambda text: text.strip(" "))
    .filter(lambda text: "[id:" not in text and "[tag:" not in text)
)
tag_text = moodle_text.filter(lambda text: text and not set(text) & set("<>`"))
fractions = st.floats(min_value=-1, max_value=1)
credits = st.floats(min_value=0, max_value=1)
numbers = st.floats(allow_nan=False, allow_infinity=False)


def unique(strategy, min_size):
    return st.lists(strategy, min_size=min_size, max_size=5, unique_by=line_feeds)


@st.composite
def choice_data(draw, type_id):
    texts_ = draw(unique(filled, 2))
    feedback = draw(st.lists(texts, min_size=len(texts_), max_size=len(texts_)))
    if type_id == "single_choice":
        others = st.lists(fractions, min_size=len(texts_) - 1, max_size=len(texts_) - 1)
        shares = [1.0, *draw(others)]
    else:
        right = draw(st.integers(1, len(texts_)))
        wrong = draw(st.lists(fractions.map(lambda f: -abs(f)), min_size=len(texts_) - right))
        shares = [1 / right] * right + wrong
    order = draw(st.permutations(range(len(texts_))))

    def build(clean):
        return {
            "options": [
                {
                    "id": item_id(clean(texts_[i])),
                    "text": clean(texts_[i]),
                    "fraction": shares[i],
                    "feedback": clean(feedback[i]),
                }
                for i in order
            ]
        }

    return build


@st.composite
def true_false_data(draw):
    correct, right, wrong = draw(st.booleans()), draw(texts), draw(texts)
    return lambda clean: {
        "correct": correct,
        "feedback_right": clean(right),
        "feedback_wrong": clean(wrong),
    }


@st.composite
def short_answer_data(draw):
    answers = draw(st.lists(st.tuples(arrowless, credits, arrowless | st.just("")), max_size=4))
    answers.insert(draw(st.integers(0, len(answers))), (draw(arrowless), 1.0, draw(arrowless)))
    answers += draw(st.lists(st.tuples(st.just("*"), credits, arrowless), max_size=1))
    ignore_case, ignore_diacritics = draw(st.booleans()), draw(st.booleans())
    return lambda clean: {
        "answers": [
            {"text": clean(text), "fraction": fraction, "feedback": clean(feedback)}
            for text, fraction, feedback in answers
        ],
        "ignore_case": ignore_case or ignore_diacritics,
        "ignore_diacritics": ignore_diacritics,
    }


@st.composite
def numeric_answer(draw, fraction):
    if draw(st.booleans()):
        low, high = sorted(draw(st.tuples(numbers, numbers)))
        interval = {"min": low, "max": high}
    else:
        interval = {"value": draw(numbers), "tolerance": abs(draw(numbers))}
    return interval, draw(fraction), draw(texts)


@st.composite
def numeric_data(draw):
    answers = draw(st.lists(numeric_answer(credits), max_size=3))
    answers.insert(draw(st.integers(0, len(answers))), draw(numeric_answer(st.just(1.0))))
    other = draw(texts)
    return lambda clean: {
        "answers": [
            {**interval, "fraction": fraction, "feedback": clean(feedback)}
            for interval, fraction, feedback in answers
        ],
        "other_feedback": clean(other),
    }


@st.composite
def matching_data(draw):
    lefts = draw(unique(arrowless, 3))
    rights = draw(st.lists(filled, min_size=len(lefts), max_size=len(lefts)))
    spare = draw(unique(filled, 0))

    def build(clean):
        used = [clean(right) for right in rights]
        choices = list(dict.fromkeys(used + [clean(text) for text in spare]))
        return {
            "items": [
                {"id": item_id(clean(left)), "text": clean(left), "match": item_id(right)}
                for left, right in zip(lefts, used, strict=True)
            ],
            "choices": [{"id": item_id(text), "text": text} for text in choices],
        }

    return build


DATA = {
    "single_choice": choice_data("single_choice"),
    "multiple_choice": choice_data("multiple_choice"),
    "true_false": true_false_data(),
    "short_answer": short_answer_data(),
    "numeric": numeric_data(),
    "matching": matching_data(),
}


@st.composite
def question_texts(draw):
    """A question's text, or a missing-word question's: text, the blank, then more text."""
    text = draw(filled)
    if draw(st.booleans()):
        after = draw(filled)
        text = f"{text[: draw(st.integers(0, len(text)))]}{BLANK} {after}".strip()
    return text


@st.composite
def questions(draw):
    type_id = draw(st.sampled_from(sorted(DATA)))
    data = draw(DATA[type_id])
    text, name, general_feedback = draw(question_texts()), draw(texts), draw(texts)
    fields = {
        "text_format": draw(st.sampled_from(TEXT_FORMATS)),
        "category": draw(single_line),
        "weight": draw(st.floats(min_value=0, exclude_min=True, allow_infinity=False)),
        "idnumber": draw(moodle_text),
        "tags": draw(st.lists(tag_text, max_size=3, unique=True)),
    }
    return lambda clean: Question(
        type_id=type_id,
        text=clean(text),
        name=clean(name),
        general_feedback=clean(general_feedback),
        data=data(clean),
        **fields,
    )


def as_typed(text: str) -> str:
    return text


@given(st.lists(questions(), min_size=1, max_size=4))
def test_every_question_gift_can_hold_comes_back_from_export_and_import(builders):
    exported = dump([build(as_typed) for build in builders])
    note(exported)
    assert parse(exported) == [build(line_feeds) for build in builders]
    assert "\r" not in exported
