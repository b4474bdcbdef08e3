"""The contract every activity type follows (lesson and quiz are the first two).

The core knows activities only through this contract (after Open edX's XBlock). An activity
type is stateless: learner state is loaded and saved by the runtime
(``lms.learning.runtime``), and handed in as a plain dict.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Problem:
    """One thing wrong with a course, reported as ``file: field: message``."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class CourseFiles(Protocol):
    """Read access to a course's files, by path relative to the course folder."""

    def read_text(self, path: str) -> str: ...
    def exists(self, path: str) -> bool: ...


@dataclass
class Parsed:
    """What ``parse`` makes of an activity: content to store, or the problems found."""

    content: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class ActivityType(Protocol):
    type_id: str
    label: Any  # a lazy translated string

    def parse(self, spec: dict, files: CourseFiles, course) -> Parsed:
        """Turn the manifest's activity table and the course files into storable content."""

    def export(self, content: dict) -> tuple[dict, dict[str, str]]:
        """The manifest fields and the files (path → text) that ``parse`` would read back."""

    def render(self, activity, state: dict, runtime) -> str:
        """Server-side HTML of the activity for the learner; works without JavaScript."""

    def handle(self, activity, state: dict, form, runtime) -> dict:
        """Apply a learner's form submission; return the new state."""

    def progress(self, activity, state: dict) -> float:
        """0.0 to 1.0."""

    def is_completed(self, activity, state: dict) -> bool:
        """Whether this activity counts as done for the module's completion rule."""

    def score(self, activity, state: dict) -> float | None:
        """A score from 0.0 to 1.0 where the type has one (a quiz), else None."""

    # Optional: a type that keeps records of its own (a quiz's attempts) may define
    #   refresh(activity, state, runtime) -> dict
    # returning the state as those records now stand. The runtime calls it when the learner
    # opens the activity and on ``signals.activity_state_changed``.
