"""The contract every question type follows, and the registry of the installed ones.

The quiz (``lms.assessment``) knows questions only through this contract; the built-in
types (``lms.assessment.grading``) and a plugin's alike. A response is whatever
``parse_response`` returns: JSON-serialisable, and None when the question was left
unanswered.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from random import Random
from typing import Any, Protocol

from lms.core.errors import Invalid


class QuestionData(Protocol):
    """A question as the quiz stores it (``lms.assessment.questions.Question``): what
    ``data`` holds depends on the type."""

    @property
    def type_id(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def text_format(self) -> str: ...
    @property
    def weight(self) -> float: ...
    @property
    def general_feedback(self) -> str: ...
    @property
    def data(self) -> dict: ...


@dataclass(frozen=True)
class Graded:
    """The outcome of grading one response: ``fraction`` of the question's weight, 0 to 1,
    and the per-answer feedback the response earned (the author's texts, in order)."""

    fraction: float
    feedback: list[str] = field(default_factory=list)


class InvalidResponse(Invalid):
    """A submitted answer that no honest form could have sent, or a number that is not one."""


class QuestionType(Protocol):
    """What the quiz needs from a question type; built-ins and plugins alike."""

    type_id: str
    label: Any  # a lazy translated string

    def parse_response(self, question: Any, values: list[str]) -> Any:
        """Normalise what the question's form field posted (``MultiDict.getlist``).

        Raises ``InvalidResponse`` for values the question's form cannot have produced.
        """
        ...

    def grade(self, question: Any, response: Any) -> Graded:
        """Grade a response returned by ``parse_response`` for this question."""
        ...

    def public(self, question: Any, rng: Random | None = None) -> dict:
        """What the learner's browser may see before the attempt is finished: nothing that
        tells right from wrong (``type``, ``text``, ``text_format``, ``weight`` and the
        type's own keys). ``rng`` (seeded per attempt, so every page load agrees) shuffles
        the options; without it they come in the author's order."""
        ...

    def correct_answers(self, question: Any) -> list[str]:
        """The right answers as texts, for the review after the attempt is finished."""
        ...


class QuestionTypes:
    """The installed question types by id, from the lists that ``lms_question_types``
    implementations return.

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

    def ids(self) -> frozenset[str]:
        return frozenset(self._types)

    def __iter__(self):
        return iter(self._types.values())
