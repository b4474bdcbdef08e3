"""The built-in question types: each parses its responses, grades them and says what the
learner may see, in one class.

``Question.data`` per type (ids come from ``questions.item_id``):

``single_choice``, ``multiple_choice``
    ``{"options": [{"id", "text", "fraction", "feedback"}, ...]}``
``true_false``
    ``{"correct": bool, "feedback_right": str, "feedback_wrong": str}``
``short_answer``
    ``{"answers": [{"text", "fraction", "feedback"}, ...], "ignore_case": bool,
    "ignore_diacritics": bool}``
``numeric``
    ``{"answers": [{"value", "tolerance", "fraction", "feedback"}`` or
    ``{"min", "max", "fraction", "feedback"}, ...], "other_feedback": str}``
``matching``
    ``{"items": [{"id", "text", "match"}, ...], "choices": [{"id", "text"}, ...]}``: each
    item's ``match`` is a choice id; choices nobody matches are distractors.

Responses (what ``parse_response`` returns; None means unanswered, which grades 0): an
option id; a list of option ids in the question's order; a bool; the text as typed with its
whitespace normalised; the number as a decimal string ("3.5"); a map item id → choice id.

Grading rules:

- Single choice: the chosen option's fraction (0 if it is negative).
- Multiple choice: the sum of the ticked options' fractions, clamped to 0..1. Right options
  carry positive weights adding up to 100% and wrong ones negative weights, so ticking
  everything is not rewarded. When an author marks several right answers with ``=`` and
  gives no weights, the k right options get 1/k each and every wrong option -1/k: ticking
  two right and one wrong option of 3 right out of 5 earns 1/3.
- Short answer: the best fraction among the accepted answers equal to the response once
  both are in Unicode NFC with whitespace runs collapsed; ``ignore_case`` compares them
  case-folded, ``ignore_diacritics`` compares them folded ("Căn cước" = "can cuoc"), which
  ignores case too. An answer ``*`` is Moodle's catch-all: it takes any response that no
  other answer does, typically for 0% with feedback on the usual mistakes.
- Numeric: the best fraction among the answers whose interval (value ± tolerance, or
  min..max, edges included) holds the number, compared in decimal so that 3.15 is within
  3.14 ± 0.01. Learners may type a decimal comma ("3,5") or point; no thousands separators.
- Matching: the share of items matched to their right choice.

Fractions are rounded to 4 decimal places, so that weights such as 33.333% add up to full
credit. Feedback lists the author's per-answer feedback that the response earned; the
question's general feedback is shown whatever the answer.
"""

import re
import unicodedata
from decimal import Decimal
from random import Random

from flask_babel import lazy_gettext as _l

from lms.core.i18n import fold
from lms.plugins.question import Graded, InvalidResponse

from .questions import Question, public_base

MAX_TEXT_LENGTH = 1000
# A short answer that takes any response (Moodle: "=%0%*#feedback").
CATCH_ALL = "*"

NOT_AN_OPTION = _l("This answer is not one of the question's options.")
ONLY_ONE_ANSWER = _l("Give only one answer to this question.")
NOT_A_NUMBER = _l("Enter a number, for example 3,5 or -12.")
TEXT_TOO_LONG = _l("The answer is too long: at most %(limit)s characters.", limit=MAX_TEXT_LENGTH)
UNKNOWN_PAIR = _l("This pair names an item that is not in the question.")
MATCHED_TWICE = _l("Each item can be matched only once.")

_LEARNER_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def _graded(fraction: float, feedback) -> Graded:
    return Graded(round(min(1.0, max(0.0, fraction)), 4), [text for text in feedback if text])


def _filled(values: list[str]) -> list[str]:
    return [value for value in values if value.strip()]


def _at_most_one(values: list[str]) -> str | None:
    filled = _filled(values)
    if len(filled) > 1:
        raise InvalidResponse(ONLY_ONE_ANSWER)
    return filled[0] if filled else None


def _shuffled(items: list[dict], rng: Random | None) -> list[dict]:
    return items if rng is None else rng.sample(items, len(items))


class _Choice:
    """Options with ids; what single and multiple choice share."""

    def _options(self, question: Question) -> dict[str, dict]:
        return {option["id"]: option for option in question.data["options"]}

    def _checked(self, question: Question, values: list[str]) -> list[str]:
        options = self._options(question)
        chosen = {value.strip() for value in _filled(values)}
        if not chosen <= options.keys():
            raise InvalidResponse(NOT_AN_OPTION)
        return [option_id for option_id in options if option_id in chosen]

    def public(self, question: Question, rng: Random | None = None) -> dict:
        options = [{"id": o["id"], "text": o["text"]} for o in question.data["options"]]
        return {**public_base(question), "options": _shuffled(options, rng)}


class SingleChoice(_Choice):
    type_id = "single_choice"
    label = _l("Single choice")

    def parse_response(self, question: Question, values: list[str]) -> str | None:
        chosen = self._checked(question, values)
        if len(chosen) > 1:
            raise InvalidResponse(ONLY_ONE_ANSWER)
        return chosen[0] if chosen else None

    def grade(self, question: Question, response: str | None) -> Graded:
        if response is None:
            return Graded(0.0)
        option = self._options(question)[response]
        return _graded(option["fraction"], [option["feedback"]])

    def correct_answers(self, question: Question) -> list[str]:
        return [o["text"] for o in question.data["options"] if o["fraction"] == 1]


class MultipleChoice(_Choice):
    type_id = "multiple_choice"
    label = _l("Multiple choice")

    def parse_response(self, question: Question, values: list[str]) -> list[str] | None:
        return self._checked(question, values) or None

    def grade(self, question: Question, response: list[str] | None) -> Graded:
        if response is None:
            return Graded(0.0)
        options = self._options(question)
        ticked = [options[option_id] for option_id in response]
        return _graded(
            sum(option["fraction"] for option in ticked), [o["feedback"] for o in ticked]
        )

    def correct_answers(self, question: Question) -> list[str]:
        return [o["text"] for o in question.data["options"] if o["fraction"] > 0]


class TrueFalse:
    type_id = "true_false"
    label = _l("True/false")
    labels = {"true": _l("True"), "false": _l("False")}

    def parse_response(self, question: Question, values: list[str]) -> bool | None:
        answer = _at_most_one(values)
        if answer is None:
            return None
        if answer.strip() not in self.labels:
            raise InvalidResponse(NOT_AN_OPTION)
        return answer.strip() == "true"

    def grade(self, question: Question, response: bool | None) -> Graded:
        if response is None:
            return Graded(0.0)
        if response == question.data["correct"]:
            return _graded(1.0, [question.data["feedback_right"]])
        return _graded(0.0, [question.data["feedback_wrong"]])

    def public(self, question: Question, rng: Random | None = None) -> dict:
        options = [{"id": key, "text": str(label)} for key, label in self.labels.items()]
        return {**public_base(question), "options": options}

    def correct_answers(self, question: Question) -> list[str]:
        return [str(self.labels["true" if question.data["correct"] else "false"])]


def _normal_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


class ShortAnswer:
    type_id = "short_answer"
    label = _l("Short answer")

    def parse_response(self, question: Question, values: list[str]) -> str | None:
        answer = _at_most_one(values)
        if answer is None:
            return None
        if len(answer) > MAX_TEXT_LENGTH:
            raise InvalidResponse(TEXT_TOO_LONG)
        return _normal_text(answer)

    def _key(self, question: Question, text: str) -> str:
        text = _normal_text(text)
        if question.data["ignore_diacritics"]:
            return fold(text)
        if question.data["ignore_case"]:
            return text.casefold()
        return text

    def grade(self, question: Question, response: str | None) -> Graded:
        if response is None:
            return Graded(0.0)
        given = self._key(question, response)
        answers = question.data["answers"]
        accepted = [
            a for a in answers if a["text"] != CATCH_ALL and self._key(question, a["text"]) == given
        ] or [a for a in answers if a["text"] == CATCH_ALL]
        if not accepted:
            return Graded(0.0)
        best = max(accepted, key=lambda answer: answer["fraction"])
        return _graded(best["fraction"], [best["feedback"]])

    def public(self, question: Question, rng: Random | None = None) -> dict:
        return public_base(question)

    def correct_answers(self, question: Question) -> list[str]:
        answers = question.data["answers"]
        return [a["text"] for a in answers if a["fraction"] == 1 and a["text"] != CATCH_ALL]


def _decimal(number: float) -> Decimal:
    # repr gives the shortest text that reads back as the same float: the author's "3.14".
    return Decimal(repr(number))


def format_number(number: float) -> str:
    """A float as the author would write it: 2000.0 → "2000", 3.14 → "3.14"."""
    return str(int(number)) if number.is_integer() else repr(number)


class Numeric:
    type_id = "numeric"
    label = _l("Numeric")

    def parse_response(self, question: Question, values: list[str]) -> str | None:
        answer = _at_most_one(values)
        if answer is None:
            return None
        answer = answer.strip()
        if not _LEARNER_NUMBER.fullmatch(answer):
            raise InvalidResponse(NOT_A_NUMBER)
        return str(Decimal(answer.replace(",", ".")))

    @staticmethod
    def _holds(answer: dict, number: Decimal) -> bool:
        if "min" in answer:
            return _decimal(answer["min"]) <= number <= _decimal(answer["max"])
        return abs(number - _decimal(answer["value"])) <= _decimal(answer["tolerance"])

    def grade(self, question: Question, response: str | None) -> Graded:
        if response is None:
            return Graded(0.0)
        number = Decimal(response)
        holding = [a for a in question.data["answers"] if self._holds(a, number)]
        if not holding:
            return _graded(0.0, [question.data["other_feedback"]])
        best = max(holding, key=lambda answer: answer["fraction"])
        return _graded(best["fraction"], [best["feedback"]])

    def public(self, question: Question, rng: Random | None = None) -> dict:
        return public_base(question)

    def correct_answers(self, question: Question) -> list[str]:
        return [_interval(a) for a in question.data["answers"] if a["fraction"] == 1]


def _interval(answer: dict) -> str:
    if "min" in answer:
        return f"{format_number(answer['min'])} – {format_number(answer['max'])}"
    if answer["tolerance"] == 0:
        return format_number(answer["value"])
    return f"{format_number(answer['value'])} ± {format_number(answer['tolerance'])}"


class Matching:
    """Each item is answered with a form value ``"<item id>:<choice id>"``."""

    type_id = "matching"
    label = _l("Matching")

    def parse_response(self, question: Question, values: list[str]) -> dict | None:
        items = {item["id"] for item in question.data["items"]}
        choices = {choice["id"] for choice in question.data["choices"]}
        matched: dict[str, str] = {}
        for value in _filled(values):
            item, _, choice = value.strip().partition(":")
            if item not in items or choice not in choices:
                raise InvalidResponse(UNKNOWN_PAIR)
            if item in matched:
                raise InvalidResponse(MATCHED_TWICE)
            matched[item] = choice
        in_order = [item["id"] for item in question.data["items"] if item["id"] in matched]
        return {item: matched[item] for item in in_order} or None

    def grade(self, question: Question, response: dict | None) -> Graded:
        if response is None:
            return Graded(0.0)
        items = question.data["items"]
        right = sum(response.get(item["id"]) == item["match"] for item in items)
        return _graded(right / len(items), [])

    def public(self, question: Question, rng: Random | None = None) -> dict:
        items = [{"id": item["id"], "text": item["text"]} for item in question.data["items"]]
        # Choices in the author's order would line up with the items they match.
        choices = [{"id": c["id"], "text": c["text"]} for c in question.data["choices"]]
        choices.sort(key=lambda choice: (fold(choice["text"]), choice["text"]))
        return {**public_base(question), "items": items, "choices": _shuffled(choices, rng)}

    def correct_answers(self, question: Question) -> list[str]:
        choices = {choice["id"]: choice["text"] for choice in question.data["choices"]}
        return [f"{item['text']} → {choices[item['match']]}" for item in question.data["items"]]


BUILT_IN_TYPES = [
    SingleChoice(),
    MultipleChoice(),
    TrueFalse(),
    ShortAnswer(),
    Numeric(),
    Matching(),
]
