"""The contract every activity type follows; lesson, quiz and session are written to it.

The core knows activities only through this contract (after Open edX's XBlock) and calls
exactly these signatures; ``lms.plugins.init_app`` refuses a type whose methods do not
match them. An activity type is stateless: learner state is loaded and saved by the runtime
(``lms.learning.runtime``) and handed in as a plain dict.

The core never asks which type an activity is: it asks what the type can do
(``capabilities``), so a new type takes part in everything its capabilities promise.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l

from lms.core.markdown import is_remote
from lms.core.markdown import render as render_markdown

MANIFEST = "manifest.toml"


@dataclass
class Problem:
    """One thing wrong with a course, reported as ``file: field: message``."""

    file: str
    field: str
    message: Any  # a text, or a lazily translated one

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class Capability(StrEnum):
    """What a type can do, declared in its ``capabilities``; each promises what it says."""

    # ``authoring`` is an ``ActivityAuthoring``: trainers write the activity in the browser.
    AUTHORABLE = "authorable"
    # Learners answer questions of a bank in attempts that ``lms.assessment`` grades: the
    # manifest table names the bank (``bank``: ``banks/<bank>.<language>.gift``) and the
    # content holds its questions per language (``banks``: language → [question dict]).
    GRADED = "graded"
    # A graded activity that may measure competency levels for the training-needs domain
    # (content ``needs``: ``diagnostic`` and ``measures``, see docs/needs.md).
    DIAGNOSTIC = "diagnostic"
    # Done by attending a training session (``lms.classes``): the content's ``tag`` names
    # the sessions that count, and attendance sends ``activity_state_changed``.
    ATTENDANCE = "attendance"
    # A text to read: content ``source`` (language → Markdown) and ``html`` (language →
    # sanitised HTML), ``file`` its file name; course statistics count its words. It keeps
    # no records of its own (``refresh`` returns the state as is), so a learner's page of it
    # is named by the content and the learner's state alone, and a repeat read is served
    # without calling the type.
    READING = "reading"


class CourseFiles(Protocol):
    """Read access to a course's files, by path relative to the course folder."""

    def read_text(self, path: str) -> str: ...
    def exists(self, path: str) -> bool: ...


class CourseInfo(Protocol):
    """What ``parse`` may know of the course being read."""

    @property
    def languages(self) -> list[str]: ...
    @property
    def media(self) -> Mapping[str, bytes]: ...
    def media_path(self, path: str) -> str: ...


@dataclass(frozen=True)
class ParseContext:
    """Everything ``parse`` is given besides the activity's table and the course files.

    ``where`` is the table's place in the manifest (``activities[2]``): problems name their
    field under it. ``question_types`` are the installed question types' ids, for a type
    whose table names one.
    """

    course: CourseInfo
    where: str
    extensions: Sequence[Any] = ()
    question_types: frozenset[str] = frozenset()

    def problem(self, name: str, message: Any, file: str = MANIFEST) -> Problem:
        """A problem with the field ``name`` of this activity's table."""
        return Problem(file, f"{self.where}.{name}", message)

    def markdown(
        self, text: str, file: str, language: str | None = None
    ) -> tuple[str, list[Problem]]:
        """``text`` (read from ``file``, written in ``language``) as sanitised HTML, the one
        path every lesson takes, with the course's Markdown extensions; images must be files
        of the course's media. Returns the HTML and the problems found in it."""
        problems: list[Problem] = []

        def media_url(path: str) -> str | None:
            if path not in self.course.media:
                problems.append(
                    Problem(file, "(image)", _l("%(path)s not found", path=f"media/{path}"))
                )
                return None
            return self.course.media_path(path)

        def refused_image(source: str) -> None:
            message = (
                _l("remote images are not allowed; put the file in media/")
                if is_remote(source)
                else _l("images come from the course's media/ folder, linked relatively")
            )
            problems.append(Problem(file, "(image)", message))

        html = render_markdown(
            text,
            media_url=media_url,
            refused_image=refused_image,
            extensions=self.extensions,
            language=language,
        )
        return html, problems


@dataclass
class Parsed:
    """What ``parse`` makes of an activity: content to store, or the problems found."""

    content: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class StoredActivity(Protocol):
    """An activity of a published module version, as the runtime hands it to its type."""

    @property
    def id(self) -> int: ...
    @property
    def key(self) -> str: ...
    @property
    def type_id(self) -> str: ...
    @property
    def content(self) -> dict: ...


class Runtime(Protocol):
    """What the runtime tells a type while a learner works (``lms.learning.runtime``)."""

    @property
    def user_id(self) -> int: ...
    @property
    def locale(self) -> str: ...
    @property
    def action_url(self) -> str: ...
    @property
    def preview(self) -> bool: ...
    @property
    def params(self) -> Any: ...  # the page's query string (a MultiDict)
    @property
    def messages(self) -> list: ...  # notices for the learner that are not errors


class FormData(Protocol):
    """A submitted form (werkzeug's ``MultiDict``)."""

    def get(self, key: str, default: Any = None, type: Callable | None = None) -> Any: ...
    def getlist(self, key: str, type: Callable | None = None) -> list: ...


@dataclass(frozen=True)
class AuthoringField:
    """One field of a type's editor in the browser.

    ``kind``: ``text``, ``markdown`` (Markdown with a preview and media uploads),
    ``lines`` (one item a line, given as a list), ``integer``, ``boolean`` or ``choice``
    (one of ``choices``: (value, label) pairs). A ``per_language`` field appears once per
    language of the module and its value is a dict language → value.
    """

    name: str
    label: Any
    kind: str = "text"
    per_language: bool = False
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, Any], ...] = ()


FIELD_KINDS = ("text", "markdown", "lines", "integer", "boolean", "choice")


class ActivityAuthoring(Protocol):
    """How a type is written in the browser (``Capability.AUTHORABLE``). The core keeps a
    draft shaped like the course folder: the activity's manifest table and text files.

    The table's ``key``, ``type`` and ``title`` are the core's; the type owns the rest.
    """

    # The editor's address: /authoring/modules/<module>/<url_segment>/<key>.
    url_segment: str
    fields: Sequence[AuthoringField]

    def new(self, key: str, languages: list[str]) -> tuple[dict, dict[str, str]]:
        """The manifest fields and the files (path → text) of a new, empty activity."""
        ...

    def to_form(self, table: dict, files: Mapping[str, str], languages: list[str]) -> dict:
        """The values of ``fields`` (name → value; per language: name → {language: value})."""
        ...

    def from_form(
        self, table: dict, values: dict, languages: list[str]
    ) -> tuple[dict, dict[str, str]]:
        """The manifest fields and files that the submitted ``values`` make."""
        ...

    def files(self, table: dict, languages: list[str]) -> list[str]:
        """The paths of the draft's files that belong to the activity in ``languages``."""
        ...

    def problems(self, table: dict, files: Mapping[str, str], languages: list[str]) -> list:
        """What the course format allows but learners could not use (a lesson with no text),
        as ``Problem``s: publishing waits until there are none."""
        ...


class ActivityType(Protocol):
    type_id: str
    label: Any  # a lazy translated string
    capabilities: frozenset[Capability]
    authoring: ActivityAuthoring | None  # required with Capability.AUTHORABLE

    def parse(self, table: dict, files: CourseFiles, context: ParseContext) -> Parsed:
        """Turn the manifest's activity table and the course files into storable content."""
        ...

    def export(self, content: dict) -> tuple[dict, dict[str, str]]:
        """The manifest fields and the files (path → text) that ``parse`` would read back."""
        ...

    def render(self, activity: StoredActivity, state: dict, runtime: Runtime) -> str:
        """Server-side HTML of the activity for the learner; works without JavaScript."""
        ...

    def handle(
        self, activity: StoredActivity, state: dict, form: FormData, runtime: Runtime
    ) -> dict:
        """Apply a learner's form submission; return the new state."""
        ...

    def refresh(self, activity: StoredActivity, state: dict, runtime: Runtime) -> dict:
        """The state as the type's own records now stand (a quiz's attempts); a type without
        records returns ``state``. Called when the learner opens the activity and on
        ``signals.activity_state_changed``."""
        ...

    def progress(self, activity: StoredActivity, state: dict) -> float:
        """0.0 to 1.0."""
        ...

    def is_completed(self, activity: StoredActivity, state: dict) -> bool:
        """Whether this activity counts as done for the module's completion rule."""
        ...

    def score(self, activity: StoredActivity, state: dict) -> float | None:
        """A score from 0.0 to 1.0 where the type has one (a quiz), else None."""
        ...
