"""The contract of a completion rule: when a learner has completed a module.

A module's manifest names its rule in ``[completion]`` (``rule = "all-required"``, the
default, with any settings the rule reads beside it). Loading a course refuses a rule no
installed plugin provides, and asks the rule to ``check`` its settings; the learning runtime
asks it whether it ``holds`` each time an activity's state changes.
"""

from collections.abc import Sequence, Set
from typing import Any, Protocol

from lms.plugins.activity import Problem


class ActivityInfo(Protocol):
    """An activity of the module version, as a rule sees it."""

    @property
    def key(self) -> str: ...
    @property
    def type_id(self) -> str: ...
    @property
    def required(self) -> bool: ...


class CompletionRule(Protocol):
    name: str
    label: Any  # a lazy translated string, offered in the browser's module settings

    def check(self, table: dict) -> list[Problem]:
        """The problems of the manifest's ``[completion]`` table (empty when fine)."""
        ...

    def holds(self, table: dict, activities: Sequence[ActivityInfo], completed: Set[str]) -> bool:
        """Whether the module is complete: ``completed`` holds the keys of the activities
        the learner has completed."""
        ...
