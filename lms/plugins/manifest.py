"""The course plugin format (schema 1): reading and checking a course folder.

See docs/course-plugins.md for the format as content authors see it. ``load_course`` reads
a folder into a ``Course`` and reports every problem as ``file: field: message``; it
writes nothing.
"""

import hashlib
import importlib.util
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from lms.plugins import Registry, markdown_extensions, new_manager
from lms.plugins.activity import ParseContext, Parsed, Problem
from lms.plugins.spec import COURSE_HOOKS

SCHEMA = 1
LOCALES = ("vi", "en")
COURSE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
ACTIVITY_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
COMPETENCY_CODE = re.compile(r"^[A-Z]{2,4}\.[0-9]{1,2}$")
MANIFEST = "manifest.toml"
HOOKS = "hooks.py"
MEDIA_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
}
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}
MAX_MEDIA_BYTES = 5 * 1024 * 1024
DATA_FOLDERS = ("lessons", "banks", "media")
# The rule a manifest without [completion] follows (``lms.learning.completion``).
DEFAULT_RULE = "all-required"
OUTSIDE = _l("the link leads outside the course folder")
NOT_TEXT = _l("The file is not UTF-8 text: save it as UTF-8.")


@dataclass
class ActivitySpec:
    key: str
    type_id: str
    title: dict[str, str]
    required: bool
    table: dict
    content: dict = field(default_factory=dict)


@dataclass
class Course:
    """A course as read from its folder; ``content_hash`` identifies its content."""

    id: str
    version: str
    languages: list[str]
    title: dict[str, str]
    summary: dict[str, str]
    estimated_minutes: int
    review_required: bool
    competencies: list[dict]
    completion: dict
    activities: list[ActivitySpec]
    media: dict[str, bytes]
    other_files: dict[str, bytes]
    content_hash: str = ""
    root: Path | None = None
    review_by: date | None = None

    def manifest_fields(self) -> dict:
        """The manifest without activities: what module versions store about themselves."""
        review_by = {"review_by": self.review_by.isoformat()} if self.review_by else {}
        return {
            "schema": SCHEMA,
            "id": self.id,
            "version": self.version,
            "languages": self.languages,
            "title": self.title,
            "summary": self.summary,
            "estimated_minutes": self.estimated_minutes,
            "review_required": self.review_required,
            "competencies": self.competencies,
            "completion": self.completion,
            **review_by,
        }

    def media_path(self, path: str) -> str:
        digest = hashlib.sha256(self.media[path]).hexdigest()[:16]
        return f"/modules/{self.id}/media/{digest}/{path}"


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash(manifest: dict, activities: list[dict], file_digests: dict[str, str]) -> str:
    """A hash of what the course says, not how its files are formatted, so an export
    re-imports to the same hash. ``activities`` are ``activity_identity`` tables and
    ``file_digests`` maps each media, bank and README path to ``file_digest`` of it."""
    canonical = json.dumps(
        {
            "manifest": manifest,
            "activities": activities,
            "files": dict(sorted(file_digests.items())),
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Checker:
    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, field_name: str, message: Any, file: str = MANIFEST) -> None:
        self.problems.append(Problem(file, field_name, message))

    def text_per_language(self, data: dict, name: str, languages: list[str]) -> dict[str, str]:
        value = data.get(name)
        if not isinstance(value, dict):
            self.add(name, _l("a table with one text per language is required"))
            return {}
        for language in languages:
            if not isinstance(value.get(language), str) or not value[language].strip():
                self.add(f"{name}.{language}", _l("missing text for this language"))
        return {language: str(value.get(language, "")).strip() for language in languages}


class CourseFolder:
    """A course folder's files, each read where it really is: a path is resolved (links
    followed) and refused when it leads outside the folder, so a course cannot publish
    a file of the machine it is synced on. A link that stays inside reads like the file
    it points to. A refused file and a text file that is not UTF-8 are each reported once.

    It is also the ``CourseFiles`` activity types read lessons and banks through.
    """

    def __init__(self, root: Path, check: _Checker):
        self.root = root.resolve()
        self.check = check
        self._refused: set[str] = set()

    def _refuse(self, relative: str, field_name: str, message) -> None:
        if relative not in self._refused:
            self._refused.add(relative)
            self.check.add(field_name, message, relative)

    def _inside(self, relative: str, real: Path) -> bool:
        if real.is_relative_to(self.root):
            return True
        self._refuse(relative, "(path)", OUTSIDE)
        return False

    def exists(self, relative: str) -> bool:
        return (self.root / relative).is_file()

    def real(self, relative: str) -> Path | None:
        """Where the file really is; None when it is missing or refused."""
        real = (self.root / relative).resolve()
        if relative in self._refused or not self._inside(relative, real) or not real.is_file():
            return None
        return real

    def read_bytes(self, relative: str) -> bytes | None:
        real = self.real(relative)
        return None if real is None else real.read_bytes()

    def text(self, relative: str, data: bytes | None = None) -> str | None:
        """The file (or ``data`` read from it) as text; None when it is missing, refused or
        not UTF-8. NUL is refused too: no database stores it in text."""
        data = self.read_bytes(relative) if data is None else data
        if data is None:
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is None or "\x00" in text:
            self._refuse(relative, "(encoding)", NOT_TEXT)
            return None
        return text

    def read_text(self, relative: str) -> str:
        """``CourseFiles.read_text``: a refused file reads as empty, its problem already
        reported (so the course is not used)."""
        return self.text(relative) or ""

    def walk(self, relative: str) -> list[tuple[str, bytes]]:
        """``(path, content)`` of every file under the folder ``relative``, sorted by path.
        Links are followed while they stay inside, and each real folder is read once, so
        a link to a parent folder does not loop."""
        start = self.root / relative
        if not self._inside(relative, start.resolve()) or not start.is_dir():
            return []
        found, seen = [], {start.resolve()}
        for here, folders, files in os.walk(start, followlinks=True):
            here = Path(here)
            kept = []
            for name in sorted(folders):
                real = (here / name).resolve()
                if self._inside(self._relative(here / name), real) and real not in seen:
                    seen.add(real)
                    kept.append(name)
            folders[:] = kept
            for name in files:
                data = self.read_bytes(self._relative(here / name))
                if data is not None:
                    found.append((self._relative(here / name), data))
        return sorted(found)

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def read_manifest(root: Path) -> tuple[dict | None, list[Problem]]:
    """The manifest of the course folder ``root`` as a table (None when it cannot be read)
    and the problems reading it."""
    check = _Checker()
    return _read_manifest(CourseFolder(root, check), check), check.problems


def _read_manifest(folder: CourseFolder, check: _Checker) -> dict | None:
    if not folder.exists(MANIFEST):
        check.add("(file)", _l("%(file)s is missing", file=MANIFEST))
        return None
    text = folder.text(MANIFEST)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        check.add("(syntax)", str(error))
    except RecursionError:
        check.add("(syntax)", _l("The file is nested too deeply."))
    return None


def _check_header(data: dict, check: _Checker) -> list[str]:
    if data.get("schema") != SCHEMA:
        check.add("schema", _l("must be %(schema)s", schema=SCHEMA))
    if not isinstance(data.get("id"), str) or not COURSE_ID.match(data["id"]):
        check.add("id", _l("3–64 lowercase letters, digits and dashes"))
    if not isinstance(data.get("version"), str) or not data["version"].strip():
        check.add("version", _l('a version text such as "1.0.0" is required'))
    languages = data.get("languages")
    if (
        not isinstance(languages, list)
        or not languages
        or not all(code in LOCALES for code in languages)
    ):
        check.add("languages", _l("a non-empty list of %(choices)s", choices=", ".join(LOCALES)))
        return ["vi"]
    minutes = data.get("estimated_minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 10_000:
        check.add("estimated_minutes", _l("a whole number of minutes from 1"))
    if not isinstance(data.get("review_required", False), bool):
        check.add("review_required", _l("true or false"))
    if "review_by" in data and _review_by(data) is None:
        check.add("review_by", _l("a date such as %(example)s", example="2027-06-30"))
    return languages


def _review_by(data: dict) -> date | None:
    """The manifest's ``review_by`` date: a TOML date, or the ISO text an export writes."""
    value = data.get("review_by")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, date) and not isinstance(value, datetime) else None


def _check_competencies(data: dict, check: _Checker) -> list[dict]:
    competencies = data.get("competencies", [])
    if not isinstance(competencies, list):
        check.add("competencies", _l("a list of {code, level} tables"))
        return []
    for index, item in enumerate(competencies):
        if not isinstance(item, dict) or not COMPETENCY_CODE.match(str(item.get("code", ""))):
            check.add(f"competencies[{index}].code", _l('a code such as "DG.1"'))
        elif not isinstance(item.get("level"), int) or not 1 <= item["level"] <= 5:
            check.add(
                f"competencies[{index}].level",
                _l("a level from %(low)d to %(high)d", low=1, high=5),
            )
    return [
        {"code": item.get("code"), "level": item.get("level")}
        for item in competencies
        if isinstance(item, dict)
    ]


def _check_completion(data: dict, rules: dict, check: _Checker) -> dict:
    completion = data.get("completion", {"rule": DEFAULT_RULE})
    if not isinstance(completion, dict) or not isinstance(completion.get("rule"), str):
        check.add(
            "completion.rule", _l("a rule name such as %(example)s", example=f'"{DEFAULT_RULE}"')
        )
        return {"rule": DEFAULT_RULE}
    rule = rules.get(completion["rule"])
    if rule is None:
        known = ", ".join(sorted(rules)) or "none"
        check.add(
            "completion.rule",
            _l(
                "unknown completion rule %(rule)s (%(known)s)",
                rule=repr(completion["rule"]),
                known=known,
            ),
        )
    else:
        check.problems.extend(rule.check(completion))
    return completion


def _forbidden_code(folder: CourseFolder, allow_hooks: bool, check: _Checker) -> None:
    # Names only: rglob does not follow links to folders, and what a link points to
    # inside the course is listed where it really is.
    for path in sorted(folder.root.rglob("*")):
        relative = path.relative_to(folder.root).as_posix()
        if path.suffix.lower() in {".py", ".pyc", ".pyw", ".so"}:
            if allow_hooks and relative == HOOKS:
                folder.real(HOOKS)  # reports a hooks.py that leads outside: it never runs
                continue
            check.add("(file)", _l("code is not allowed here; courses are data"), relative)


def _read_media(folder: CourseFolder, check: _Checker) -> dict[str, bytes]:
    media = {}
    for path, data in folder.walk("media"):
        relative = path.removeprefix("media/")
        content_type = MEDIA_TYPES.get(Path(path).suffix.lower())
        if content_type is None:
            check.add(
                "(type)",
                _l("media must be one of %(choices)s", choices=", ".join(MEDIA_TYPES)),
                f"media/{relative}",
            )
        elif len(data) > MAX_MEDIA_BYTES:
            check.add(
                "(size)",
                _l(
                    "media files are limited to %(limit)d MiB",
                    limit=MAX_MEDIA_BYTES // (1024 * 1024),
                ),
                f"media/{relative}",
            )
        elif not _looks_like(content_type, data):
            check.add(
                "(content)",
                _l("the content is not %(type)s", type=content_type),
                f"media/{relative}",
            )
        else:
            media[relative] = data
    return media


def _looks_like(content_type: str, data: bytes) -> bool:
    if content_type == "image/svg+xml":
        head = data[:1024].lstrip().lower()
        return head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower()
    return data.startswith(_MAGIC[content_type])


def _other_files(folder: CourseFolder) -> dict[str, bytes]:
    """README and every file of banks/: they travel with each version as text."""
    readme = folder.read_bytes("README.md")
    found = [("README.md", readme)] if readme is not None else []
    return {
        path: data
        for path, data in found + folder.walk("banks")
        if folder.text(path, data) is not None
    }


def load_course_hooks(root: Path, course_id: str, check: _Checker):
    """A plugin manager with this course's ``hooks.py`` registered, or None without one
    (or when it implements a hook that is not called for a course: reported)."""
    path = root / HOOKS
    if not path.is_file():
        return None
    module_spec = importlib.util.spec_from_file_location(f"lms_course_hooks_{course_id}", path)
    if module_spec is None or module_spec.loader is None:  # only for a path Python cannot load
        check.add("(file)", _l("cannot be loaded as Python"), HOOKS)
        return None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    manager = new_manager()
    manager.register(module, name=f"course:{course_id}")
    implemented = {name for name, caller in vars(manager.hook).items() if caller.get_hookimpls()}
    for name in sorted(implemented - COURSE_HOOKS):
        check.add(
            name,
            _l(
                "a course's hooks.py may implement only %(hooks)s",
                hooks=", ".join(sorted(COURSE_HOOKS)),
            ),
            HOOKS,
        )
    return None if implemented - COURSE_HOOKS else manager


def load_course(
    root: Path, registry: Registry, *, allow_hooks: bool = True
) -> tuple[Course | None, list[Problem]]:
    """Read and check the course in ``root`` against the installed plugins of ``registry``
    (every activity type, completion rule and hook it names must be installed). Returns the
    course (None when it cannot be used) and every problem found."""
    check = _Checker()
    folder = CourseFolder(root, check)
    _forbidden_code(folder, allow_hooks, check)
    data = _read_manifest(folder, check)
    if data is None:
        return None, check.problems
    languages = _check_header(data, check)
    title = check.text_per_language(data, "title", languages)
    summary = check.text_per_language(data, "summary", languages)
    competencies = _check_competencies(data, check)
    completion = _check_completion(data, registry.completion_rules, check)
    media = _read_media(folder, check)
    course = Course(
        id=str(data.get("id", root.name)),
        version=str(data.get("version", "")),
        languages=languages,
        title=title,
        summary=summary,
        estimated_minutes=data.get("estimated_minutes", 0),
        review_required=bool(data.get("review_required", False)),
        review_by=_review_by(data),
        competencies=competencies,
        completion=completion,
        activities=[],
        media=media,
        other_files=_other_files(folder),
        root=root,
    )
    course_hooks = None
    if allow_hooks and not check.problems:
        course_hooks = load_course_hooks(folder.root, course.id, check)
    extensions = markdown_extensions(registry.manager, course_hooks)
    course.activities = _check_activities(data, course, registry, check, folder, extensions)
    for manager in filter(None, (registry.manager, course_hooks)):
        for problems in manager.hook.lms_course_validate(course=course):
            check.problems.extend(problems or [])
    if check.problems:
        return None, check.problems
    course.content_hash = content_hash(
        course.manifest_fields(),
        [
            activity_identity(a.key, a.type_id, a.title, a.required, a.content)
            for a in course.activities
        ],
        {
            path: file_digest(data)
            for path, data in {
                **{f"media/{path}": data for path, data in media.items()},
                **course.other_files,
            }.items()
        },
    )
    return course, []


def activity_identity(key: str, type_id: str, title: dict, required: bool, content: dict) -> dict:
    """What an activity contributes to its course's content hash."""
    return {
        "key": key,
        "type": type_id,
        "title": title,
        "required": required,
        "source": content.get("source", {}),
    }


def _check_activities(
    data, course, registry: Registry, check, folder, extensions
) -> list[ActivitySpec]:
    tables = data.get("activities")
    if not isinstance(tables, list) or not tables:
        check.add("activities", _l("at least one [[activities]] table is required"))
        return []
    activities, keys = [], set()
    for index, table in enumerate(tables):
        where = f"activities[{index}]"
        key = table.get("key") if isinstance(table, dict) else None
        if not isinstance(key, str) or not ACTIVITY_KEY.match(key):
            check.add(f"{where}.key", _l("lowercase letters, digits and dashes"))
            continue
        if key in keys:
            check.add(f"{where}.key", _l("the key %(key)s is used twice", key=repr(key)))
            continue
        keys.add(key)
        type_id = table.get("type")
        activity_type = registry.activity_type(type_id) if isinstance(type_id, str) else None
        if activity_type is None:
            check.add(
                f"{where}.type",
                _l("unknown activity type %(type)s", type=repr(table.get("type"))),
            )
            continue
        title = _activity_title(table, where, course.languages, check)
        context = ParseContext(course, where, extensions, registry.question_types.ids())
        parsed: Parsed = activity_type.parse(table, folder, context)
        check.problems.extend(parsed.problems)
        activities.append(
            ActivitySpec(
                key=key,
                type_id=activity_type.type_id,
                title=title,
                required=bool(table.get("required", True)),
                table=table,
                content=parsed.content,
            )
        )
    return activities


def _activity_title(table: dict, where: str, languages: list[str], check: _Checker):
    title = table.get("title")
    if not isinstance(title, dict):
        check.add(f"{where}.title", _l("a table with one title per language is required"))
        return {}
    for language in languages:
        if not str(title.get(language, "")).strip():
            check.add(f"{where}.title.{language}", _l("missing title for this language"))
    return {language: str(title.get(language, "")).strip() for language in languages}
