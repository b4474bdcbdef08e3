"""Questions as plain data, the contract every question type follows, and their registry.

A ``Question`` knows nothing about storage: its ``data`` is JSON-serialisable, so a module
version can keep a question bank in one JSON column and rebuild equal questions from it
(``Question.from_dict(question.to_dict()) == question``). What ``data`` holds depends on the
type; the built-in types document their shape in ``lms.assessment.grading``.

Options that reach the learner's browser (choice options, matching items) carry an id made
from a hash of their text (``item_id``), not their position: with positional ids a shuffled
option called "1" would still betray that the author wrote it first, which is where GIFT
authors usually put the right answer.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from random import Random
from typing import Any, Protocol

from lms.core.errors import Invalid

# Stands in the text of a missing-word question where the answer goes ("Hà Nội là {_} của…").
BLANK = "{_}"

TEXT_FORMATS = ("moodle", "markdown", "html", "plain")


@dataclass(frozen=True, kw_only=True)
class Question:
    """One question. ``weight`` is its mark relative to the other questions of a quiz.

    ``idnumber`` and ``tags`` are Moodle's ID number and tags, kept so that a bank goes back
    to Moodle as it came; the platform itself does not use them.
    """

    type_id: str
    text: str
    text_format: str = "moodle"
    name: str = ""
    category: str = ""
    general_feedback: str = ""
    weight: float = 1.0
    data: dict = field(default_factory=dict)
    idnumber: str = ""
    tags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict) -> "Question":
        return cls(**stored)


@dataclass(frozen=True)
class Graded:
    """The outcome of grading one response: ``fraction`` of the question's weight, 0 to 1,
    and the per-answer feedback the response earned (the author's texts, in order)."""

    fraction: float
    feedback: list[str] = field(default_factory=list)


class InvalidResponse(Invalid):
    """A submitted answer that no honest form could have sent, or a number that is not one."""


class QuestionType(Protocol):
    """What the quiz needs from a question type; built-ins and plugins alike.

    A response is whatever ``parse_response`` returns: JSON-serialisable, and None when the
    question was left unanswered.
    """

    type_id: str
    label: Any  # a lazy translated string

    def parse_response(self, question: Question, values: list[str]) -> Any:
        """Normalise what the question's form field posted (``MultiDict.getlist``).

        Raises ``InvalidResponse`` for values the question's form cannot have produced.
        """

    def grade(self, question: Question, response: Any) -> Graded:
        """Grade a response returned by ``parse_response`` for this question."""

    def public(self, question: Question, rng: Random | None = None) -> dict:
        """What the learner's browser may see before the attempt is finished: nothing that
        tells right from wrong. ``rng`` (seeded per attempt, so every page load agrees)
        shuffles the options; without it they come in the author's order (the choices of a
        matching question: alphabetical)."""

    def correct_answers(self, question: Question) -> list[str]:
        """The right answers as texts, for the review after the attempt is finished."""


def line_feeds(text: str) -> str:
    """``text`` with Windows (CRLF) and old Mac (bare CR) line breaks as line feeds: a CR
    left in a bank would end a GIFT line wherever the file is read with universal newlines."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def item_id(text: str) -> str:
    """A short id for an option, stable across exports and unrelated to its position."""
    return hashlib.blake2s(text.encode(), digest_size=4).hexdigest()


def public_base(question: Question) -> dict:
    """The part of ``public`` every type shares; name, category and feedback stay out."""
    return {
        "type": question.type_id,
        "text": question.text,
        "text_format": question.text_format,
        "weight": question.weight,
    }


class QuestionTypes:
    """The installed question types by id, from the lists that ``lms_question_types``
    implementations return; the built-ins are ``grading.BUILT_IN_TYPES``.

    Raises ValueError, naming both modules, when two types share an id.
    """

    def __init__(self, type_lists: Iterable[Iterable[QuestionType]]):
        self._types: dict[str, QuestionType] = {}
        for types in type_lists:
            for question_type in types:
                self._add(question_type)

    def _add(self, question_type: QuestionType) -> None:
        existing = self._types.get(question_type.type_id)
        if existing is not None:
            raise ValueError(
                f"two question types have the id {question_type.type_id!r}: "
                f"{type(existing).__module__} and {type(question_type).__module__}"
            )
        self._types[question_type.type_id] = question_type

    def get(self, type_id: str) -> QuestionType | None:
        """The installed type, or None: a question of an uninstalled type degrades gently."""
        return self._types.get(type_id)
