"""The register of legal instruments as it is kept: one TOML file per instrument.

Folders are read in the order ``LMS_LEGAL_REGISTER_DIRS`` lists them (default: the
package's ``register/`` folder). Reading checks every file and reports each problem as
``file: field: message``; what is read is cached until a file changes, so a Markdown
conversion may ask for the register each time it runs.
"""

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.core.i18n import fold
from lms.plugins.activity import Problem

LANGUAGES = ("vi", "en")
KINDS = (
    "law",
    "code",
    "ordinance",
    "resolution",
    "decree",
    "decision",
    "circular",
    "directive",
    "plan",
)
REQUIRED = ("number", "kind", "issuer", "title", "short", "issued", "in_force_from", "source")
NUMBER_LISTS = ("replaced_by", "amends", "amended_by")
FIELDS = {*REQUIRED, "in_force_until", "confirmed", *NUMBER_LISTS}


class Status(StrEnum):
    NOT_YET = "not_yet"
    IN_FORCE = "in_force"
    ENDED = "ended"


def slug(number: str) -> str:
    """The instrument's name in file names and addresses: "356/2025/NĐ-CP" → "356-2025-nd-cp"."""
    return re.sub(r"[^a-z0-9]+", "-", fold(number)).strip("-")


class InForce:
    """Status on a date, for anything with ``in_force_from`` and ``in_force_until`` (the
    last day in force, or None while it lasts): a register file's entry and its row."""

    def status_on(self, day: date) -> Status:
        if day < self.in_force_from:
            return Status.NOT_YET
        if self.in_force_until is not None and day > self.in_force_until:
            return Status.ENDED
        return Status.IN_FORCE

    @property
    def ended_on(self) -> date | None:
        """The first day no longer in force."""
        return None if self.in_force_until is None else self.in_force_until + timedelta(days=1)


@dataclass(frozen=True)
class Entry(InForce):
    """One instrument as its register file states it."""

    number: str
    kind: str
    issuer: dict[str, str]
    title: dict[str, str]
    short: dict[str, str]
    issued: date
    in_force_from: date
    source: str
    confirmed: str = ""
    in_force_until: date | None = None
    replaced_by: tuple[str, ...] = ()
    amends: tuple[str, ...] = ()
    amended_by: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        return slug(self.number)

    def short_in(self, language: str) -> str:
        return self.short.get(language) or self.short["vi"]

    def title_in(self, language: str) -> str:
        return self.title.get(language) or self.title["vi"]


@dataclass(frozen=True)
class Register:
    entries: dict[str, Entry] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    def get(self, number: str) -> Entry | None:
        return self.entries.get(number)

    def by_slug(self, name: str) -> Entry | None:
        return next((entry for entry in self.entries.values() if entry.slug == name), None)


def folders() -> list[str]:
    return current_app.config["LMS_LEGAL_REGISTER_DIRS"]


def current() -> Register:
    """The register in the configured folders."""
    return read(folders())


def read(register_dirs) -> Register:
    """Every instrument in ``register_dirs`` (``*.toml``), and every problem found; a
    folder that is not there is one (a mistyped setting would empty the register)."""
    folders = [Path(folder) for folder in register_dirs]
    paths = [
        path for folder in folders if folder.is_dir() for path in sorted(folder.glob("*.toml"))
    ]
    known = _read(tuple((str(path), *_signature(path)) for path in paths))
    missing = [
        Problem(str(folder), "(folder)", _l("the register folder does not exist"))
        for folder in folders
        if not folder.is_dir()
    ]
    return Register(known.entries, (*missing, *known.problems)) if missing else known


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=16)
def _read(files: tuple[tuple[str, int, int], ...]) -> Register:
    entries: dict[str, Entry] = {}
    problems: list[Problem] = []
    for name, *_ in files:
        entry = _entry(Path(name), problems)
        if entry is None:
            continue
        if entry.number in entries:
            problems.append(Problem(name, "number", _l("another register file has this number")))
            continue
        entries[entry.number] = entry
    return Register(entries, tuple(problems))


def _entry(path: Path, problems: list[Problem]) -> Entry | None:
    found: list[Problem] = []

    def add(field_name: str, message) -> None:
        found.append(Problem(str(path), field_name, message))

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        problems.append(Problem(str(path), "(syntax)", str(error)))
        return None
    for name in sorted(set(data) - FIELDS):
        add(name, _l("unknown field"))
    for name in REQUIRED:
        if name not in data:
            add(name, _l("required"))
    if found:
        problems.extend(found)
        return None
    number = data["number"]
    if not isinstance(number, str) or not number.strip() or number != number.strip():
        add("number", _l("the number as content cites it, e.g. 356/2025/NĐ-CP"))
    elif path.stem != slug(number):
        add("number", _l("name the file %(name)s.toml", name=slug(number)))
    if data["kind"] not in KINDS:
        add("kind", _l("one of %(kinds)s", kinds=", ".join(KINDS)))
    for name in ("issuer", "title", "short"):
        value = data[name]
        if not isinstance(value, dict) or not all(
            isinstance(value.get(language), str) and value[language].strip()
            for language in LANGUAGES
        ):
            add(name, _l("a table with a text in vi and in en"))
    for name in ("issued", "in_force_from", "in_force_until"):
        value = data.get(name)
        if name in data and (not isinstance(value, date) or hasattr(value, "hour")):
            add(name, _l("a date such as 2026-07-01"))
    for name in NUMBER_LISTS:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            add(name, _l("a list of instrument numbers"))
    if not isinstance(data["source"], str) or not re.match(r"^https?://\S+$", data["source"]):
        add("source", _l("the address of the official text (https://…)"))
    if not isinstance(data.get("confirmed", ""), str):
        add("confirmed", _l("a text saying how the dates were confirmed"))
    if not found:
        until = data.get("in_force_until")
        if until is not None and until < data["in_force_from"]:
            add("in_force_until", _l("the last day in force comes before the first"))
        if data.get("replaced_by") and until is None:
            add("in_force_until", _l("a replaced instrument needs its last day in force"))
    if found:
        problems.extend(found)
        return None
    return Entry(
        number=number,
        kind=data["kind"],
        issuer=dict(data["issuer"]),
        title=dict(data["title"]),
        short=dict(data["short"]),
        issued=data["issued"],
        in_force_from=data["in_force_from"],
        in_force_until=data.get("in_force_until"),
        source=data["source"],
        confirmed=data.get("confirmed", ""),
        **{name: tuple(data.get(name, ())) for name in NUMBER_LISTS},
    )
