"""GIFT, Moodle's text format for questions: ``parse`` imports a file, ``dump`` writes one.

The syntax follows https://docs.moodle.org/en/GIFT_format and, where that page is silent,
what Moodle's importer does (``qformat_gift`` in question/format/gift/format.php, cited
below by method); docs/gift.md is the trainers' guide. Where this importer differs from
Moodle's:

- Several ``=`` answers next to ``~`` answers make a multiple-answer question whose right
  options share 100% and whose wrong options cost as much (Moodle would make a single-choice
  question with several fully right options).
- ``// lms: weight=2 ignore-diacritics match-case`` just before a question sets what GIFT
  cannot say; Moodle reads it as a comment. Short answers ignore case and keep diacritics
  unless told otherwise.
- Essays ``{}`` and descriptions (no answer block) are refused, as are answers that start
  with neither ``=`` nor ``~`` (Moodle takes ``{Paris}`` as a short answer), weights that are
  not numbers, and matching questions with fewer than three pairs.
- A question has one text format, which its answers and feedback share. Format markers
  (``[html]``, ``[moodle]``, ``[markdown]``, ``[plain]``) are read where Moodle reads them
  (``parse_text_with_format``): before the question text, before each choice answer and
  each feedback (``commentparser``, after the weight and once trimmed), before the left side
  of a matching pair, and right after ``####``. A marker of the question's kind of format
  (formatted or plain) is simply removed; see ``_QuestionParser._shown`` for the others.
- Of Moodle's short-answer wildcards only the catch-all answer ``*`` is read (any other
  response); a ``*`` inside an answer is a star.

A bare CR is a line break, as in Moodle (``qformat_default::readdata`` splits a file of CR
lines), and the ID number and tags of a question (``// [id:…] [tag:…]`` in its comments,
``extract_idnumber_and_tags_from_comment``) are kept and written back.

``parse`` checks the whole file and raises one ``GiftError`` listing the first problem of
every wrong question, by line, so a file is imported whole or not at all.
``parse(dump(questions)) == questions`` for whatever ``parse`` returns.
"""

import html
import math
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from lms.core.errors import Invalid
from lms.core.markdown import render

from .grading import (
    Matching,
    MultipleChoice,
    Numeric,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
    format_number,
)
from .questions import BLANK, TEXT_FORMATS, Question, item_id, line_feeds

CATEGORY = "$CATEGORY:"
DEFAULT_FORMAT = "moodle"
PLAIN = "plain"
_ESCAPABLE = "\\:#={}~n"
_FORMAT_MARKER = re.compile(r"\[(" + "|".join(TEXT_FORMATS) + r")\]")
_DIRECTIVE = re.compile(r"//\s*lms:(.*)")
# Moodle's patterns (extract_idnumber_and_tags_from_comment): any characters but control
# characters and an unescaped ], and for a tag none of <>` either (PARAM_TAG).
_IDNUMBER = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])+)\]")
_PHP_TRIM = " \t\n\r\0\x0b"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_WEIGHT = re.compile(r"-?\d+(\.\d+)?")
_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}
# Three answers at 33.333% each count as adding up to 100%.
_WEIGHT_SLACK = Decimal("0.002")

EMPTY_ANSWER = _l("An answer is empty.")


@dataclass(frozen=True)
class GiftProblem:
    line: int
    message: str  # lazily translated

    def __str__(self) -> str:
        return str(_l("line %(line)s: %(message)s", line=self.line, message=self.message))


class GiftError(Invalid):
    """A GIFT file was not imported; ``problems`` says what is wrong, by line."""

    def __init__(self, problems: list[GiftProblem]):
        super().__init__(_l("The GIFT file was not imported: fix the problems listed below."))
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join([str(self.message), *map(str, self.problems)])


class _Problem(Exception):
    """The first thing wrong with a question: at an offset of its block, or on a line."""

    def __init__(self, offset: int, message, *, line: int | None = None):
        super().__init__(message)
        self.offset = offset
        self.message = message
        self.line = line


class _Span(NamedTuple):
    """A piece of a question's text and where it starts, so a problem can name its line."""

    text: str
    start: int

    def cut(self, begin: int, end: int | None = None) -> "_Span":
        return _Span(self.text[begin:end], self.start + begin)

    def strip(self) -> "_Span":
        stripped = self.text.lstrip()
        return _Span(stripped.rstrip(), self.start + len(self.text) - len(stripped))


@dataclass
class _Block:
    """Consecutive non-blank lines (numbered from 1), comments and directives aside."""

    lines: list[tuple[int, str]] = field(default_factory=list)
    directives: list[tuple[int, str]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def line_at(self, offset: int) -> int:
        starts, total = [], 0
        for _, line in self.lines:
            starts.append(total)
            total += len(line) + 1
        return self.lines[max(0, bisect_right(starts, offset) - 1)][0]


def parse(text: str) -> list[Question]:
    """The questions of a GIFT file, in order.

    Raises ``GiftError`` when the file has no questions or any question is wrong, listing
    the first problem of each wrong question with its 1-based line.
    """
    questions, problems, category = [], [], ""
    for block in _blocks(text):
        if block.lines and block.lines[0][1].lstrip().startswith(CATEGORY):
            category = block.lines.pop(0)[1].lstrip().removeprefix(CATEGORY).strip()
            if not block.lines and not block.directives:
                continue
        try:
            questions.append(_QuestionParser(block, category).question())
        except _Problem as problem:
            problems.append(
                GiftProblem(problem.line or block.line_at(problem.offset), problem.message)
            )
    if not questions and not problems:
        problems.append(GiftProblem(1, _l("The file has no questions.")))
    if problems:
        raise GiftError(problems)
    return questions


def _blocks(text: str):
    block = _Block()
    for number, line in enumerate(line_feeds(text.removeprefix("\ufeff")).split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            if block.lines or block.directives:
                yield block
            block = _Block()
        elif stripped.startswith("//"):
            block.comments.append(stripped)
            if directive := _DIRECTIVE.match(stripped):
                block.directives.append((number, directive.group(1)))
        else:
            block.lines.append((number, line))
    if block.lines or block.directives:
        yield block


def _is_escape(text: str, index: int) -> bool:
    return text[index] == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPABLE


def _unescaped(text: str, token: str) -> list[int]:
    """Where ``token`` occurs in ``text`` other than inside an escape such as ``\\=``."""
    found, index = [], 0
    while index < len(text):
        if _is_escape(text, index):
            index += 2
        elif text.startswith(token, index):
            found.append(index)
            index += len(token)
        else:
            index += 1
    return found


def _first(span: _Span, token: str) -> int | None:
    found = _unescaped(span.text, token)
    return found[0] if found else None


def unescape(text: str) -> str:
    """GIFT to plain text: ``\\=`` → ``=``, ``\\n`` → a line break, ``\\\\`` → ``\\``; a
    backslash before any other character stays."""
    result, index = [], 0
    while index < len(text):
        if _is_escape(text, index):
            result.append("\n" if text[index + 1] == "n" else text[index + 1])
            index += 2
        else:
            result.append(text[index])
            index += 1
    return "".join(result)


def escape(text: str) -> str:
    """Plain text to GIFT, escaping what Moodle escapes; line breaks, a bare CR among them,
    become ``\\n`` (Moodle's ``repchar`` drops CRs: a CR written raw would end the line)."""
    text = line_feeds(text).replace("\\", "\\\\")
    for character in ":#={}~":
        text = text.replace(character, "\\" + character)
    return text.replace("\n", "\\n")


def _plain(span: _Span, *, strip=True) -> str:
    text = unescape(span.text)
    if BLANK in text:
        raise _Problem(
            span.start,
            _l(
                "%(blank)s marks the blank of a missing-word question; write it differently.",
                blank=BLANK,
            ),
        )
    return text.strip() if strip else text


class _Formatted(Exception):
    """A plain question has a formatted answer or feedback: it is read again as formatted."""

    def __init__(self, text_format: str):
        super().__init__(text_format)
        self.text_format = text_format


class _QuestionParser:
    def __init__(self, block: _Block, category: str):
        self.block = block
        self.category = category
        # The format the question's text is written in, which its answers and feedback
        # share unless marked otherwise, and the format the question is kept in.
        self.text_format = self.target = DEFAULT_FORMAT

    def question(self) -> Question:
        if not self.block.lines:
            raise _Problem(
                0,
                _l("An “// lms:” comment must come just before a question."),
                line=self.block.directives[0][0],
            )
        span = _Span(self.block.text, 0).strip()
        name, span = self._name(span)
        self.text_format, span = self._format(span, DEFAULT_FORMAT)
        self.target = self.text_format
        try:
            return self._question(name, span)
        except _Formatted as formatted:
            self.target = formatted.text_format
            return self._question(name, span)

    def _question(self, name: str, span: _Span) -> Question:
        text, body = self._text_and_answers(span)
        general_feedback = ""
        if found := _unescaped(body.text, "####"):
            # Moodle reads a marker right after ####, without trimming first.
            general_feedback = self._part(body.cut(found[-1] + 4))
            body = body.cut(0, found[-1])
        type_id, data = self._answers(body.strip())
        weight, data = self._directives(type_id, data)
        idnumber, tags = _idnumber_and_tags(self.block.comments)
        return Question(
            type_id=type_id,
            text=self._shown(text, self.text_format),
            text_format=self.target,
            name=name,
            category=self.category,
            general_feedback=general_feedback,
            weight=weight,
            data=data,
            idnumber=idnumber,
            tags=tags,
        )

    def _part(self, span: _Span) -> str:
        """The text of an answer or feedback, where Moodle reads a format marker at the
        start (``parse_text_with_format``), in the format the question is kept in."""
        text_format, span = self._format(span, self.text_format)
        return self._shown(_plain(span), text_format)

    def _unmarked(self, span: _Span) -> _Span:
        """A short answer or a number, which Moodle reads without its format marker."""
        return self._format(span, self.text_format)[1]

    def _shown(self, text: str, text_format: str) -> str:
        """``text``, written in ``text_format``, as the question's format shows it alike.

        The formatted formats (moodle, markdown, html) all go through the one sanitised
        Markdown path, so among them a text stays as it is. Plain text in a formatted
        question becomes formatted text that shows the same; formatted text in a plain
        question makes the whole question formatted, since plain text shows no formatting.
        """
        if (text_format == PLAIN) == (self.target == PLAIN):
            return text
        if self.target == PLAIN:
            raise _Formatted(text_format)
        return _as_formatted(text)

    def _name(self, span: _Span) -> tuple[str, _Span]:
        if not span.text.startswith("::"):
            return "", span
        end = _first(span.cut(2), "::")
        if end is None:
            raise _Problem(span.start, _l("The title is not closed with ::."))
        return _plain(span.cut(2, end + 2)), span.cut(end + 4).strip()

    @staticmethod
    def _format(span: _Span, default: str) -> tuple[str, _Span]:
        marker = _FORMAT_MARKER.match(span.text)
        if marker is None:
            return default, span
        return marker.group(1), span.cut(marker.end()).strip()

    def _text_and_answers(self, span: _Span) -> tuple[str, _Span]:
        opening, closing = _first(span, "{"), _first(span, "}")
        if opening is None and closing is None:
            raise _Problem(span.start, _l("No answers {…}: descriptions are not supported."))
        if closing is not None and (opening is None or closing < opening):
            raise _Problem(span.start + closing, _l("A } without a { before it."))
        if closing is None:
            raise _Problem(
                span.start + opening,
                _l(
                    "This { is not closed. A blank line ends a question; write \\n for a line "
                    "break inside one."
                ),
            )
        body, after = span.cut(opening + 1, closing), span.cut(closing + 1)
        if (inner := _first(body, "{")) is not None:
            raise _Problem(body.start + inner, _l("Write \\{ for a { inside the answers."))
        if (extra := _first(after, "{")) is not None:
            raise _Problem(after.start + extra, _l("A question has only one set of answers {…}."))
        before = span.cut(0, opening)
        text = _plain(before)
        if after.text.strip():  # text after the answers makes a missing-word question
            text = f"{_plain(before, strip=False)}{BLANK}{_plain(after, strip=False)}".strip()
        if not text:
            raise _Problem(span.start, _l("The question has no text."))
        return text, body

    def _answers(self, body: _Span) -> tuple[str, dict]:
        if not body.text:
            raise _Problem(body.start, _l("Essay questions {} are not supported."))
        if body.text.startswith("#"):
            return Numeric.type_id, self._numeric(body.cut(1))
        if _first(body, "~") is not None:
            return self._choice(body)
        if _first(body, "=") is not None and "->" in body.text:
            return Matching.type_id, self._matching(body)
        verdict = body.cut(0, _first(body, "#")).text.strip().upper()
        if verdict in _TRUE | _FALSE:
            return TrueFalse.type_id, self._true_false(body, verdict in _TRUE)
        return ShortAnswer.type_id, self._short_answer(body)

    # Answers are "=text" or "~text", with an optional "%weight%" and "#feedback".

    def _split(self, body: _Span, markers: str, *, unmarked_first=False):
        """``(marker, span)`` per answer; the first may lack its marker when allowed."""
        cuts = sorted(index for marker in markers for index in _unescaped(body.text, marker))
        leading = body.cut(0, cuts[0] if cuts else None)
        answers = []
        if leading.text.strip():
            if not unmarked_first:
                raise _Problem(leading.strip().start, _l("An answer must start with = or ~."))
            answers.append(("", leading))
        ends = [*cuts[1:], len(body.text)] if cuts else []
        answers += [(body.text[i], body.cut(i + 1, end)) for i, end in zip(cuts, ends, strict=True)]
        return answers

    def _weight(self, span: _Span) -> tuple[Decimal | None, _Span]:
        span = span.strip()
        if not span.text.startswith("%"):
            return None, span
        end = span.text.find("%", 1)
        if end < 0:
            raise _Problem(span.start, _l("A weight starts with % but has no closing %."))
        weight = span.text[1:end]
        if not _WEIGHT.fullmatch(weight) or not -100 <= Decimal(weight) <= 100:
            raise _Problem(
                span.start,
                _l(
                    "“%(weight)s” is not a weight: write a percentage from -100 to 100, "
                    "such as %(example)s.",
                    weight=f"%{weight}%",
                    example="%50%",
                ),
            )
        return Decimal(weight), span.cut(end + 1)

    def _text_and_feedback(self, span: _Span, *, shown=True) -> tuple[str, str]:
        """An answer's text (``shown`` to learners, or only compared with their own) and
        its feedback, both trimmed before Moodle looks for a marker (``commentparser``)."""
        found = _first(span, "#")
        answer = span.cut(0, found).strip()
        text = self._part(answer) if shown else _plain(self._unmarked(answer))
        if not text:
            raise _Problem(span.strip().start, EMPTY_ANSWER)
        return text, "" if found is None else self._part(span.cut(found + 1).strip())

    def _choice(self, body: _Span) -> tuple[str, dict]:
        answers = self._split(body, "=~")
        if len(answers) < 2:
            raise _Problem(body.start, _l("A choice question needs at least two answers."))
        right = sum(marker == "=" for marker, _ in answers)
        options, weights = [], []
        for marker, span in answers:
            weight, rest = self._weight(span)
            if weight is not None and marker == "=":
                raise _Problem(
                    span.start,
                    _l(
                        "= marks the right answer; write %(example)s for partial credit.",
                        example="~%50%",
                    ),
                )
            if weight is not None and right > 1:
                raise _Problem(
                    span.start,
                    _l("Mark several right answers with = only when no answer has a weight."),
                )
            text, feedback = self._text_and_feedback(rest)
            self._check_unique(text, [option["text"] for option in options], span)
            weights.append(self._choice_weight(marker, weight, right))
            fraction = float(weights[-1])
            options.append(
                {"id": item_id(text), "text": text, "fraction": fraction, "feedback": feedback}
            )
        if right == 0:
            self._check_adds_up(weights, body.start)
        return (SingleChoice if right == 1 else MultipleChoice).type_id, {"options": options}

    @staticmethod
    def _choice_weight(marker: str, weight: Decimal | None, right: int) -> Decimal:
        if right > 1:
            return Decimal(1) / right if marker == "=" else -Decimal(1) / right
        if marker == "=":
            return Decimal(1)
        return (weight or Decimal(0)) / 100

    @staticmethod
    def _check_unique(text: str, seen: list[str], span: _Span) -> None:
        if text in seen:
            raise _Problem(span.strip().start, _l("Two answers are “%(text)s”.", text=text))

    @staticmethod
    def _check_adds_up(weights: list[Decimal], offset: int) -> None:
        total = sum((weight for weight in weights if weight > 0), Decimal(0)) * 100
        if abs(total - 100) > _WEIGHT_SLACK:
            raise _Problem(
                offset,
                _l(
                    "The positive weights add up to %(total)s%%, not 100%%.",
                    total=_decimal_text(total),
                ),
            )

    def _graded_answers(self, body: _Span, *, unmarked_first=False):
        """``(weight, span)`` of short-answer and numeric answers: from 0 to 100, default 100."""
        weighted = []
        for _, span in self._split(body, "=", unmarked_first=unmarked_first):
            weight, rest = self._weight(span)
            if weight is not None and weight < 0:
                raise _Problem(span.strip().start, _l("Weights here are from 0 to 100%."))
            weighted.append((Decimal(100) if weight is None else weight, rest))
        if not weighted:
            raise _Problem(body.start, _l("The question has no answers."))
        if max(weight for weight, _ in weighted) != 100:
            raise _Problem(body.start, _l("No answer gives full credit (100%)."))
        return weighted

    def _short_answer(self, body: _Span) -> dict:
        answers = []
        for weight, span in self._graded_answers(body):
            text, feedback = self._text_and_feedback(span, shown=False)
            answers.append({"text": text, "fraction": float(weight / 100), "feedback": feedback})
        return {"answers": answers, "ignore_case": True, "ignore_diacritics": False}

    def _numeric(self, body: _Span) -> dict:
        other_feedback = ""
        if (other := _first(body, "~")) is not None:
            other_feedback = self._other_feedback(body.cut(other + 1))
            body = body.cut(0, other)
        answers = []
        for weight, span in self._graded_answers(body, unmarked_first=True):
            found = _first(span, "#")
            answers.append(
                {
                    **self._number_range(self._unmarked(span.cut(0, found).strip())),
                    "fraction": float(weight / 100),
                    "feedback": "" if found is None else self._part(span.cut(found + 1).strip()),
                }
            )
        return {"answers": answers, "other_feedback": other_feedback}

    def _other_feedback(self, span: _Span) -> str:
        span = span.strip()
        if not span.text.startswith("#"):
            raise _Problem(span.start, _l("Feedback for any other number is written ~#feedback."))
        return self._part(span.cut(1).strip())

    def _number_range(self, span: _Span) -> dict:
        if ".." in span.text:
            low, high = span.text.split("..", 1)
            minimum, maximum = _number(low, span.start), _number(high, span.start)
            if minimum > maximum:
                raise _Problem(span.start, _l("The range starts above where it ends."))
            return {"min": minimum, "max": maximum}
        value, _, tolerance = span.text.partition(":")
        tolerance = _number(tolerance, span.start) if tolerance else 0.0
        if tolerance < 0:
            raise _Problem(span.start, _l("The tolerance cannot be negative."))
        return {"value": _number(value, span.start), "tolerance": tolerance}

    def _true_false(self, body: _Span, correct: bool) -> dict:
        marks = _unescaped(body.text, "#")[:2]
        wrong = right = ""
        if marks:
            wrong = self._part(body.cut(marks[0] + 1, marks[1] if len(marks) > 1 else None).strip())
        if len(marks) > 1:
            right = self._part(body.cut(marks[1] + 1).strip())
        return {"correct": correct, "feedback_right": right, "feedback_wrong": wrong}

    def _matching(self, body: _Span) -> dict:
        items, used, distractors = [], [], []
        for _, span in self._split(body, "="):
            left, right = self._pair(span)
            if not left:  # "= -> text": a choice that matches nothing
                distractors.append(right)
                continue
            self._check_unique(left, [item["text"] for item in items], span)
            items.append({"id": item_id(left), "text": left, "match": item_id(right)})
            used.append(right)
        if len(items) < 3:
            raise _Problem(body.start, _l("A matching question needs at least three pairs."))
        texts = list(dict.fromkeys(used + distractors))
        return {"items": items, "choices": [{"id": item_id(text), "text": text} for text in texts]}

    def _pair(self, span: _Span) -> tuple[str, str]:
        if (found := _first(span, "#")) is not None:
            raise _Problem(
                span.start + found, _l("Matching pairs have no feedback; write \\# for a #.")
            )
        arrow = span.text.find("->")
        if arrow < 0:
            raise _Problem(span.strip().start, _l("A matching pair is written left -> right."))
        right = _plain(span.cut(arrow + 2))
        if not right:
            raise _Problem(span.strip().start, EMPTY_ANSWER)
        # Moodle reads a marker before the left side only (``readquestion``, case 'match').
        return self._part(span.cut(0, arrow).strip()), right

    def _directives(self, type_id: str, data: dict) -> tuple[float, dict]:
        weight = 1.0
        for line, directive in self.block.directives:
            for option in directive.split():
                if option.startswith("weight="):
                    weight = _question_weight(option.removeprefix("weight="), line)
                elif option in ("ignore-diacritics", "match-case"):
                    data = _short_answer_option(type_id, data, option, line)
                else:
                    raise _Problem(
                        0, _l("Unknown “// lms:” option “%(option)s”.", option=option), line=line
                    )
        return weight, data


def _finite(text: str) -> float | None:
    """The number ``text`` writes, or None, also for a number beyond what a float holds."""
    if not _NUMBER.fullmatch(text):
        return None
    try:
        number = float(Decimal(text))
    except InvalidOperation:  # an exponent beyond even what Decimal holds
        return None
    return number if math.isfinite(number) else None


def _number(text: str, offset: int) -> float:
    text = text.strip()
    number = _finite(text)
    if number is None:
        raise _Problem(offset, _l("“%(text)s” is not a number.", text=text))
    return number


def _as_formatted(text: str) -> str:
    """Plain text as formatted text that shows the same: as it is when Markdown reads
    nothing in it (most answers), else as the HTML paragraph that shows it, which Markdown
    passes through untouched and which Moodle's formatted formats display alike."""
    paragraph = f"<p>{html.escape(text, quote=False)}</p>"
    return text if render(text) == paragraph else paragraph


def _idnumber_and_tags(comments: list[str]) -> tuple[str, list[str]]:
    """Moodle's ``extract_idnumber_and_tags_from_comment``: the first ``[id:…]`` and every
    ``[tag:…]`` in the question's comment lines, each trimmed, ``\\]`` standing for ``]``."""
    comment = "\n".join(comments)
    found = _IDNUMBER.search(comment)
    idnumber = _bracketed_text(found[1]) if found else ""
    tags = (_bracketed_text(tag[1]) for tag in _TAG.finditer(comment))
    return idnumber, list(dict.fromkeys(tag for tag in tags if tag))


def _bracketed_text(raw: str) -> str:
    return raw.strip(_PHP_TRIM).replace("\\]", "]")


def _question_weight(text: str, line: int) -> float:
    weight = _finite(text)
    if weight is None or weight <= 0:
        raise _Problem(0, _l("The question weight must be a positive number."), line=line)
    return weight


def _short_answer_option(type_id: str, data: dict, option: str, line: int) -> dict:
    if type_id != ShortAnswer.type_id:
        raise _Problem(
            0,
            _l("“%(option)s” applies to short-answer questions only.", option=option),
            line=line,
        )
    if option == "match-case":
        return {**data, "ignore_case": False}
    return {**data, "ignore_diacritics": True}


def _decimal_text(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _percent(fraction: float) -> str:
    return _decimal_text(Decimal(repr(fraction)) * 100)


def dump(questions: Iterable[Question]) -> str:
    """GIFT text of the questions, each category written where it starts. ``parse`` reads
    it back to questions equal to those it came from.

    Raises ValueError for a question of a type GIFT cannot write (a plugin's).
    """
    chunks, category = [], ""
    for question in questions:
        if question.category != category:
            category = question.category
            chunks.append(f"{CATEGORY} {category}".rstrip())
        chunks.append(_dump_question(question))
    return "\n\n".join(chunks) + "\n"


def _dump_question(question: Question) -> str:
    lines = []
    if directives := _directives_of(question):
        lines.append("// lms: " + " ".join(directives))
    if question.idnumber or question.tags:
        lines.append("// " + _idnumber_and_tags_text(question))
    head = f"::{escape(question.name)}::" if question.name else ""
    # A line starting // is a comment, and a leading byte-order mark is dropped on import.
    if (
        question.text_format != DEFAULT_FORMAT
        or _FORMAT_MARKER.match(question.text)
        or question.text.startswith(("//", "\ufeff"))
    ):
        head += f"[{question.text_format}]"
    if question.type_id not in _WRITERS:
        raise ValueError(f"GIFT cannot write {question.type_id!r} questions")
    answers = _WRITERS[question.type_id](question.data, question.text_format)
    if question.general_feedback:
        indent = "\t" if answers.endswith("\n") else ""
        answers += f"{indent}####{_written_part(question.general_feedback, question.text_format)}\n"
    before, blank, after = question.text.partition(BLANK)
    if not blank:
        before += " "
    lines.append(f"{head}{escape(before)}{{{answers}}}{escape(after)}")
    return "\n".join(lines)


def _idnumber_and_tags_text(question: Question) -> str:
    """``[id:…] [tag:…]`` as Moodle writes them (``write_idnumber_and_tags``), with ``]``
    escaped; a space before the closing ] keeps a final backslash from escaping it."""

    def bracketed(kind: str, value: str) -> str:
        value = value.replace("]", "\\]")
        return f"[{kind}:{value} ]" if value.endswith("\\") else f"[{kind}:{value}]"

    bits = [bracketed("id", question.idnumber)] if question.idnumber else []
    return " ".join(bits + [bracketed("tag", tag) for tag in question.tags])


def _written_part(text: str, text_format: str) -> str:
    """An answer's or a feedback's text where Moodle reads a format marker: led by the
    question's own marker when Moodle would take its start for a marker or, after = and ~,
    for a weight (the marker is read, and removed, after the weight)."""
    if _FORMAT_MARKER.match(text) or text.startswith("%"):
        return f"[{text_format}]{escape(text)}"
    return escape(text)


def _directives_of(question: Question) -> list[str]:
    directives = []
    if question.weight != 1:
        directives.append(f"weight={format_number(question.weight)}")
    if question.type_id == ShortAnswer.type_id:
        if question.data["ignore_diacritics"]:
            directives.append("ignore-diacritics")
        if not question.data["ignore_case"]:
            directives.append("match-case")
    return directives


def _answer_lines(entries: Iterable[str]) -> str:
    entries = list(entries)
    if len(entries) == 1:
        return entries[0]
    return "\n" + "".join(f"\t{entry}\n" for entry in entries)


def _single_choice(data: dict, text_format: str) -> str:
    entries, right_written = [], False
    for option in data["options"]:
        if option["fraction"] == 1 and not right_written:
            marker, right_written = "=", True
        else:
            marker = "~" + _weight_text(option["fraction"], implied=0)
        entries.append(marker + _with_feedback(option["text"], option["feedback"], text_format))
    return _answer_lines(entries)


def _multiple_choice(data: dict, text_format: str) -> str:
    return _answer_lines(
        "~"
        + _weight_text(option["fraction"], implied=0)
        + _with_feedback(option["text"], option["feedback"], text_format)
        for option in data["options"]
    )


def _weight_text(fraction: float, *, implied: float) -> str:
    """``%50%``, or nothing when the weight goes without saying."""
    return "" if fraction == implied else f"%{_percent(fraction)}%"


def _with_feedback(text: str, feedback: str, text_format: str) -> str:
    if not feedback:
        return _written_part(text, text_format)
    return f"{_written_part(text, text_format)}#{_written_part(feedback, text_format)}"


def _true_false_answers(data: dict, text_format: str) -> str:
    answer = "TRUE" if data["correct"] else "FALSE"
    wrong, right = (
        _written_part(data[key], text_format) for key in ("feedback_wrong", "feedback_right")
    )
    if right:
        return f"{answer}#{wrong}#{right}"
    if wrong:
        return f"{answer}#{wrong}"
    return answer


def _short_answers(data: dict, text_format: str) -> str:
    return _answer_lines(
        "="
        + _weight_text(answer["fraction"], implied=1)
        + _with_feedback(answer["text"], answer["feedback"], text_format)
        for answer in data["answers"]
    )


def _numeric_answers(data: dict, text_format: str) -> str:
    entries = []
    for answer in data["answers"]:
        entry = "=" + _weight_text(answer["fraction"], implied=1) + _number_range_text(answer)
        if answer["feedback"]:
            entry += "#" + _written_part(answer["feedback"], text_format)
        entries.append(entry)
    if data["other_feedback"]:
        entries.append("~#" + _written_part(data["other_feedback"], text_format))
    return "#" + _answer_lines(entries)


def _number_range_text(answer: dict) -> str:
    if "min" in answer:
        return f"{format_number(answer['min'])}..{format_number(answer['max'])}"
    if answer["tolerance"]:
        return f"{format_number(answer['value'])}:{format_number(answer['tolerance'])}"
    return format_number(answer["value"])


def _matching_answers(data: dict, text_format: str) -> str:
    # Moodle reads a format marker on the left of a pair only.
    choices = {choice["id"]: choice["text"] for choice in data["choices"]}
    matched = {item["match"] for item in data["items"]}
    pairs = [
        f"={_written_part(item['text'], text_format)} -> {escape(choices[item['match']])}"
        for item in data["items"]
    ]
    spare = [f"= -> {escape(c['text'])}" for c in data["choices"] if c["id"] not in matched]
    return _answer_lines(pairs + spare)


_WRITERS = {
    SingleChoice.type_id: _single_choice,
    MultipleChoice.type_id: _multiple_choice,
    TrueFalse.type_id: _true_false_answers,
    ShortAnswer.type_id: _short_answers,
    Numeric.type_id: _numeric_answers,
    Matching.type_id: _matching_answers,
}
