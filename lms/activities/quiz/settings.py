"""A quiz's settings as its manifest table states them, checked field by field, and as
trainers write them in the browser."""

from typing import TypeGuard

from flask_babel import lazy_gettext as _l

from lms.assessment.services import (
    HIGHEST,
    LAST,
    REVIEW_ANSWERS,
    REVIEW_FEEDBACK,
    REVIEW_SCORE,
    QuizSettings,
    bank_path,
)
from lms.plugins.activity import AuthoringField, Problem

DEFAULTS = QuizSettings()
_WHOLE_NUMBERS = {
    "pass_mark": (0, 100),
    "attempts": (0, 100),
    "time_limit_minutes": (0, 24 * 60),
    "wait_minutes": (0, 30 * 24 * 60),
}
_FLAGS = ("shuffle_questions", "shuffle_options", "answers_after_last_attempt")
_CHOICES = {"grading": (HIGHEST, LAST), "review": (REVIEW_SCORE, REVIEW_FEEDBACK, REVIEW_ANSWERS)}


def _is_whole(value) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_settings(table: dict, where: str) -> tuple[dict, list[Problem]]:
    """The settings to store (every field, defaults filled in) and the problems found."""
    settings, problems = {}, []

    def problem(name: str, message) -> None:
        problems.append(Problem("manifest.toml", f"{where}.{name}", message))

    for name, (low, high) in _WHOLE_NUMBERS.items():
        value = table.get(name, getattr(DEFAULTS, name))
        if not _is_whole(value) or not low <= value <= high:
            problem(name, _l("a whole number from %(low)d to %(high)d", low=low, high=high))
        settings[name] = value
    for name in _FLAGS:
        value = table.get(name, getattr(DEFAULTS, name))
        if not isinstance(value, bool):
            problem(name, _l("true or false"))
        settings[name] = value
    for name, allowed in _CHOICES.items():
        value = table.get(name, getattr(DEFAULTS, name))
        if value not in allowed:
            problem(name, _l("one of %(choices)s", choices=", ".join(allowed)))
        settings[name] = value
    settings["draw"] = _parse_draw(table.get("draw", []), problem)
    return settings, problems


def _parse_draw(rules, problem) -> list[dict]:
    if not isinstance(rules, list):
        problem("draw", _l("a list of {category, count} tables"))
        return []
    parsed = []
    for index, rule in enumerate(rules):
        category = rule.get("category") if isinstance(rule, dict) else None
        count = rule.get("count") if isinstance(rule, dict) else None
        if not isinstance(category, str) or not category:
            problem(f"draw[{index}].category", _l("a category name of the bank"))
        elif not _is_whole(count) or count < 1:
            problem(f"draw[{index}].count", _l("a whole number of questions from 1"))
        else:
            parsed.append({"category": category, "count": count})
    return parsed


def parse_needs(table: dict, where: str) -> tuple[dict | None, list[Problem]]:
    """What a quiz tells the training-needs domain (``docs/needs.md``): ``diagnostic = true``
    makes it a pre-test whose results are evidence of levels, and ``measures`` maps bank
    categories to the competency and the level each one tests. None when the quiz says
    neither, so an ordinary quiz's content (and hash) is unchanged."""
    problems = []

    def problem(name: str, message) -> None:
        problems.append(Problem("manifest.toml", f"{where}.{name}", message))

    diagnostic = table.get("diagnostic", False)
    if not isinstance(diagnostic, bool):
        problem("diagnostic", _l("true or false"))
        diagnostic = False
    rules = table.get("measures", [])
    measures = []
    if not isinstance(rules, list):
        problem("measures", _l("a list of {category, competency, level} tables"))
        rules = []
    for index, rule in enumerate(rules):
        rule = rule if isinstance(rule, dict) else {}
        category, code, level = rule.get("category"), rule.get("competency"), rule.get("level")
        if not isinstance(category, str) or not category:
            problem(f"measures[{index}].category", _l("a category name of the bank"))
        elif not isinstance(code, str) or not code:
            problem(f"measures[{index}].competency", _l('a competency code such as "DS.1"'))
        elif not _is_whole(level) or not 1 <= level <= 4:
            problem(
                f"measures[{index}].level", _l("a level from %(low)d to %(high)d", low=1, high=4)
            )
        else:
            measures.append({"category": category, "competency": code, "level": level})
    if not diagnostic and not measures:
        return None, problems
    return {"diagnostic": diagnostic, "measures": measures}, problems


class QuizAuthoring:
    """A quiz in the browser: its settings here; its questions in the bank editor that
    authoring offers every ``Capability.GRADED`` type."""

    url_segment = "quizzes"
    fields = (
        AuthoringField(
            "pass_mark", _l("Pass mark (%)"), kind="integer", required=True, minimum=0, maximum=100
        ),
        AuthoringField(
            "attempts",
            _l("Attempts allowed (0: unlimited)"),
            kind="integer",
            minimum=0,
            maximum=100,
        ),
        AuthoringField(
            "time_limit_minutes",
            _l("Time limit in minutes (0: none)"),
            kind="integer",
            minimum=0,
            maximum=1440,
        ),
        AuthoringField(
            "wait_minutes",
            _l("Minutes to wait between attempts"),
            kind="integer",
            minimum=0,
            maximum=43200,
        ),
        AuthoringField(
            "grading",
            _l("Grade kept"),
            kind="choice",
            choices=((HIGHEST, _l("Highest attempt")), (LAST, _l("Last attempt"))),
        ),
        AuthoringField(
            "review",
            _l("After an attempt, learners see"),
            kind="choice",
            choices=(
                (REVIEW_SCORE, _l("Their score only")),
                (REVIEW_FEEDBACK, _l("Their score and the feedback")),
                (REVIEW_ANSWERS, _l("Their score, the feedback and the right answers")),
            ),
        ),
        AuthoringField("shuffle_questions", _l("Shuffle the questions"), kind="boolean"),
        AuthoringField(
            "shuffle_options", _l("Shuffle the options of each question"), kind="boolean"
        ),
        AuthoringField(
            "answers_after_last_attempt",
            _l("Show the right answers only once no attempt is left or the quiz is passed"),
            kind="boolean",
        ),
    )

    def new(self, key: str, languages: list[str]) -> tuple[dict, dict[str, str]]:
        return {"bank": key}, {bank_path(key, language): "" for language in languages}

    def to_form(self, table: dict, files, languages: list[str]) -> dict:
        return {
            field.name: table.get(field.name, getattr(DEFAULTS, field.name))
            for field in self.fields
        }

    def from_form(
        self, table: dict, values: dict, languages: list[str]
    ) -> tuple[dict, dict[str, str]]:
        settings = {name: values.get(name) or 0 for name in _WHOLE_NUMBERS}
        settings.update({name: bool(values.get(name)) for name in _FLAGS})
        settings.update({name: values.get(name) for name in _CHOICES})
        return settings, {}

    def files(self, table: dict, languages: list[str]) -> list[str]:
        return [bank_path(table["bank"], language) for language in languages]

    def problems(self, table: dict, files, languages: list[str]) -> list:
        return [
            Problem(path, table["key"], _l("the quiz has no questions"))
            for path in self.files(table, languages)
            if not files.get(path, "").strip()
        ]
