"""Between the question forms and ``Question``: what a trainer types, as the data each
built-in type grades (shapes documented in ``lms.assessment.grading``), and back.

Every text is trimmed and its line breaks saved as line feeds: browsers send a textarea's
line breaks as CRLF, and a pasted text may hold bare CRs, which a bank must not keep.
"""

import dataclasses
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from lms.assessment.questions import Question, item_id, line_feeds
from lms.core.errors import Invalid

TYPE_LABELS = {
    "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"),
    "true_false": _l("True/false"),
    "short_answer": _l("Short answer"),
    "numeric": _l("Numeric"),
    "matching": _l("Matching"),
}


def _text(value: str | None) -> str:
    return line_feeds(value or "").strip()


def _fraction(mark, default: float) -> float:
    return default if mark is None else round(float(mark) / 100, 4)


def _right_rows(form, type_id: str) -> set[int]:
    """The rows marked right: a single-choice question's radio, a multiple-choice
    question's ticks."""
    if type_id == "single_choice":
        chosen = form.right_option.data or ""
        return {int(chosen)} if chosen.isdigit() else set()
    return {index for index, row in enumerate(form.options.data) if row["right"]}


def _single_fractions(rows: list[tuple[int, dict]], right: set[int]) -> list[float]:
    """The right answer 1; the others 0, or the partial mark typed for them."""
    fractions = []
    for index, row in rows:
        if index in right:
            if row["mark"] is not None and row["mark"] != 100:
                raise Invalid(_l("The right answer gets the full mark: leave its mark empty."))
            fractions.append(1.0)
        elif row["mark"] is not None and row["mark"] >= 100:
            raise Invalid(_l("Only the right answer gets the full mark."))
        else:
            fractions.append(_fraction(row["mark"], 0.0))
    return fractions


def _multiple_fractions(rows: list[tuple[int, dict]], right: set[int]) -> list[float]:
    """Without marks, as GIFT scores several "=" answers: each right one 1/k, each wrong
    one -1/k (k right answers), so ticking everything earns nothing. With marks, the
    marks: the right ones positive, adding up to 100%; the wrong ones 0 or negative."""
    if all(row["mark"] is None for _index, row in rows):
        share = Decimal(1) / len(right)
        return [float(share if index in right else -share) for index, _row in rows]
    fractions = []
    for index, row in rows:
        fraction = _fraction(row["mark"], 0.0)
        if (index in right) != (fraction > 0):
            raise Invalid(
                _l(
                    "With marks, give each right answer a mark above 0 and each wrong one "
                    "0 or a negative mark."
                )
            )
        fractions.append(fraction)
    if abs(sum(f for f in fractions if f > 0) - 1) > 0.01:
        raise Invalid(_l("The marks of the right answers must add up to 100%."))
    return fractions


def _choice_data(form, type_id: str) -> dict:
    rows = [(index, row) for index, row in enumerate(form.options.data) if _text(row["text"])]
    if len(rows) < 2:
        raise Invalid(_l("Give at least two answers."))
    right = _right_rows(form, type_id)
    if right - {index for index, _row in rows}:
        raise Invalid(_l("An answer marked right has no text."))
    if not right:
        raise Invalid(
            _l("Choose the right answer.")
            if type_id == "single_choice"
            else _l("Tick at least one right answer.")
        )
    if type_id == "single_choice":
        fractions = _single_fractions(rows, right)
    else:
        fractions = _multiple_fractions(rows, right)
    options = [
        {
            "id": item_id(_text(row["text"])),
            "text": _text(row["text"]),
            "fraction": fraction,
            "feedback": _text(row["feedback"]),
        }
        for (_index, row), fraction in zip(rows, fractions, strict=True)
    ]
    if len({option["id"] for option in options}) != len(options):
        raise Invalid(_l("Two answers have the same text."))
    return {"options": options}


def _short_data(form) -> dict:
    answers = [
        {
            "text": _text(row["text"]),
            "fraction": _fraction(row["mark"], 1.0),
            "feedback": _text(row["feedback"]),
        }
        for row in form.options.data
        if _text(row["text"])
    ]
    if not any(answer["fraction"] == 1 for answer in answers):
        raise Invalid(_l("Give at least one accepted answer with a mark of 100%."))
    return {
        "answers": answers,
        "ignore_case": bool(form.ignore_case.data) or bool(form.ignore_diacritics.data),
        "ignore_diacritics": bool(form.ignore_diacritics.data),
    }


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _numeric_data(form) -> dict:
    answers = [
        {
            "value": _number(row["value"]),
            "tolerance": _number(row["tolerance"] or Decimal(0)),
            "fraction": _fraction(row["mark"], 1.0),
            "feedback": _text(row["feedback"]),
        }
        for row in form.answers.data
        if row["value"] is not None
    ]
    if not any(answer["fraction"] == 1 for answer in answers):
        raise Invalid(_l("Give at least one accepted number with a mark of 100%."))
    return {"answers": answers, "other_feedback": _text(form.other_feedback.data)}


def _matching_data(form) -> dict:
    pairs = [
        (_text(row["item"]), _text(row["match"])) for row in form.pairs.data if _text(row["item"])
    ]
    if len(pairs) < 3 or not all(match for _item, match in pairs):
        raise Invalid(_l("Give at least three items, each with its match."))
    choices = list(dict.fromkeys(match for _item, match in pairs))
    return {
        "items": [{"id": item_id(item), "text": item, "match": item_id(m)} for item, m in pairs],
        "choices": [{"id": item_id(text), "text": text} for text in choices],
    }


def question_from(form, type_id: str, existing: Question | None = None) -> Question:
    """The question the form describes; ``Invalid`` says what is missing. What the form
    does not show (category, weight, text format, Moodle's ID number and tags) stays as
    the ``existing`` question has it."""
    if type_id in ("single_choice", "multiple_choice"):
        data = _choice_data(form, type_id)
    elif type_id == "true_false":
        data = {
            "correct": form.correct.data == "true",
            "feedback_right": _text(form.feedback_right.data),
            "feedback_wrong": _text(form.feedback_wrong.data),
        }
    elif type_id == "short_answer":
        data = _short_data(form)
    elif type_id == "numeric":
        data = _numeric_data(form)
    else:
        data = _matching_data(form)
    edited = {
        "type_id": type_id,
        "text": _text(form.text.data),
        "name": _text(form.name.data),
        "general_feedback": _text(form.general_feedback.data),
        "data": data,
    }
    return dataclasses.replace(existing, **edited) if existing else Question(**edited)


def _percent(fraction: float) -> Decimal:
    return Decimal(str(round(fraction * 100, 4))).normalize() + 0


def _choice_values(type_id: str, options: list[dict]) -> dict:
    """A choice question's rows: the right answers chosen, and a mark only where the
    scoring is not what choosing them alone gives (partial credit), so saving the form
    unchanged keeps the scoring."""
    if type_id == "single_choice":
        right = next((i for i, o in enumerate(options) if o["fraction"] == 1), None)
        rows = [
            {
                "text": o["text"],
                "mark": None if i == right or o["fraction"] == 0 else _percent(o["fraction"]),
                "feedback": o["feedback"],
            }
            for i, o in enumerate(options)
        ]
        return {"options": rows, "right_option": "" if right is None else str(right)}
    ticked = [o["fraction"] > 0 for o in options]
    share = 1 / max(1, sum(ticked))
    plain = all(
        abs(o["fraction"] - (share if is_right else -share)) < 0.0001
        for o, is_right in zip(options, ticked, strict=True)
    )
    rows = [
        {
            "text": o["text"],
            "right": is_right,
            "mark": None if plain else _percent(o["fraction"]),
            "feedback": o["feedback"],
        }
        for o, is_right in zip(options, ticked, strict=True)
    ]
    return {"options": rows}


def form_data(question: Question) -> dict:
    """The form's fields for an existing question (``formdata`` of the edit form)."""
    values = {
        "name": question.name,
        "text": question.text,
        "general_feedback": question.general_feedback,
    }
    data = question.data
    if question.type_id in ("single_choice", "multiple_choice"):
        values.update(_choice_values(question.type_id, data["options"]))
    elif question.type_id == "true_false":
        values.update(
            correct="true" if data["correct"] else "false",
            feedback_right=data["feedback_right"],
            feedback_wrong=data["feedback_wrong"],
        )
    elif question.type_id == "short_answer":
        values["options"] = [
            {
                "text": a["text"],
                "mark": Decimal(str(a["fraction"] * 100)),
                "feedback": a["feedback"],
            }
            for a in data["answers"]
        ]
        values.update(ignore_case=data["ignore_case"], ignore_diacritics=data["ignore_diacritics"])
    elif question.type_id == "numeric":
        values["answers"] = [
            {
                "value": Decimal(str(a.get("value", a.get("min", 0)))),
                "tolerance": Decimal(str(a.get("tolerance", 0))),
                "mark": Decimal(str(a["fraction"] * 100)),
                "feedback": a["feedback"],
            }
            for a in data["answers"]
        ]
        values["other_feedback"] = data.get("other_feedback", "")
    elif question.type_id == "matching":
        choices = {choice["id"]: choice["text"] for choice in data["choices"]}
        values["pairs"] = [
            {"item": item["text"], "match": choices[item["match"]]} for item in data["items"]
        ]
    return values
