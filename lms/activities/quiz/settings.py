"""A quiz's settings as its manifest table states them, checked field by field."""

from lms.assessment.services import (
    HIGHEST,
    LAST,
    REVIEW_ANSWERS,
    REVIEW_FEEDBACK,
    REVIEW_SCORE,
    QuizSettings,
)
from lms.plugins.activity import Problem

DEFAULTS = QuizSettings()
_WHOLE_NUMBERS = {
    "pass_mark": (0, 100),
    "attempts": (0, 100),
    "time_limit_minutes": (0, 24 * 60),
    "wait_minutes": (0, 30 * 24 * 60),
}
_FLAGS = ("shuffle_questions", "shuffle_options", "answers_after_last_attempt")
_CHOICES = {"grading": (HIGHEST, LAST), "review": (REVIEW_SCORE, REVIEW_FEEDBACK, REVIEW_ANSWERS)}


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_settings(table: dict, where: str) -> tuple[dict, list[Problem]]:
    """The settings to store (every field, defaults filled in) and the problems found."""
    settings, problems = {}, []

    def problem(name: str, message: str) -> None:
        problems.append(Problem("manifest.toml", f"{where}.{name}", message))

    for name, (low, high) in _WHOLE_NUMBERS.items():
        value = table.get(name, getattr(DEFAULTS, name))
        if not _is_whole(value) or not low <= value <= high:
            problem(name, f"a whole number from {low} to {high}")
        settings[name] = value
    for name in _FLAGS:
        value = table.get(name, getattr(DEFAULTS, name))
        if not isinstance(value, bool):
            problem(name, "true or false")
        settings[name] = value
    for name, allowed in _CHOICES.items():
        value = table.get(name, getattr(DEFAULTS, name))
        if value not in allowed:
            problem(name, f"one of {', '.join(allowed)}")
        settings[name] = value
    settings["draw"] = _parse_draw(table.get("draw", []), problem)
    return settings, problems


def _parse_draw(rules, problem) -> list[dict]:
    if not isinstance(rules, list):
        problem("draw", "a list of {category, count} tables")
        return []
    parsed = []
    for index, rule in enumerate(rules):
        category = rule.get("category") if isinstance(rule, dict) else None
        count = rule.get("count") if isinstance(rule, dict) else None
        if not isinstance(category, str) or not category:
            problem(f"draw[{index}].category", "a category name of the bank")
        elif not _is_whole(count) or count < 1:
            problem(f"draw[{index}].count", "a whole number of questions from 1")
        else:
            parsed.append({"category": category, "count": count})
    return parsed


def parse_needs(table: dict, where: str) -> tuple[dict | None, list[Problem]]:
    """What a quiz tells the training-needs domain (``docs/needs.md``): ``diagnostic = true``
    makes it a pre-test whose results are evidence of levels, and ``measures`` maps bank
    categories to the competency and the level each one tests. None when the quiz says
    neither, so an ordinary quiz's content (and hash) is unchanged."""
    problems = []

    def problem(name: str, message: str) -> None:
        problems.append(Problem("manifest.toml", f"{where}.{name}", message))

    diagnostic = table.get("diagnostic", False)
    if not isinstance(diagnostic, bool):
        problem("diagnostic", "true or false")
        diagnostic = False
    rules = table.get("measures", [])
    measures = []
    if not isinstance(rules, list):
        problem("measures", "a list of {category, competency, level} tables")
        rules = []
    for index, rule in enumerate(rules):
        rule = rule if isinstance(rule, dict) else {}
        category, code, level = rule.get("category"), rule.get("competency"), rule.get("level")
        if not isinstance(category, str) or not category:
            problem(f"measures[{index}].category", "a category name of the bank")
        elif not isinstance(code, str) or not code:
            problem(f"measures[{index}].competency", 'a competency code such as "DS.1"')
        elif not _is_whole(level) or not 1 <= level <= 4:
            problem(f"measures[{index}].level", "a level from 1 to 4")
        else:
            measures.append({"category": category, "competency": code, "level": level})
    if not diagnostic and not measures:
        return None, problems
    return {"diagnostic": diagnostic, "measures": measures}, problems
