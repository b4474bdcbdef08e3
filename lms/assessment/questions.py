"""Questions as plain data (the contract of question types is ``lms.plugins.question``).

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
from dataclasses import asdict, dataclass, field

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
