"""The built-in completion rule, provided through ``lms_completion_rules`` like a plugin's."""

from collections.abc import Sequence, Set

from flask_babel import lazy_gettext as _l

from lms.plugins import hookimpl
from lms.plugins.activity import Problem
from lms.plugins.completion import ActivityInfo

ALL_REQUIRED = "all-required"


class AllRequired:
    """Every required activity done (every activity, when none is marked required)."""

    name = ALL_REQUIRED
    label = _l("Every required activity done (quizzes passed)")

    def check(self, table: dict) -> list[Problem]:
        return []

    def holds(self, table: dict, activities: Sequence[ActivityInfo], completed: Set[str]) -> bool:
        counted = [activity for activity in activities if activity.required] or activities
        return all(activity.key in completed for activity in counted)


@hookimpl
def lms_completion_rules():
    return [AllRequired()]
