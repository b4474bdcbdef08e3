"""Qualified for a position? For position P on date D and a list of people, which of P's
requirements each one meets on D, with the completions and certificates that meet them,
which are missing, and which hold today but expire before D — the check HR makes before
appointing someone ("trained to the standard before appointment").

The requirements are the modules of P's curriculum (retired modules left out, as the
assignment engine leaves them out). A requirement is met on D by a completion of its module
(any version, any cycle) made on or before D whose validity **under P's curriculum** (the
item's "valid for" months, counted from the day it was completed; empty: for good) still
holds on D, and that no revoked certificate rests on. A position certificate of P is
evidence beside the modules, not a requirement of its own: it is issued only to people who
hold P, and the check is mostly about people who do not hold it yet.

Everything is computed in SQL for the whole list at once: a handful of statements whatever
the number of people (``bench/qualification.py`` times 10,000 people on the national
dataset). The people are found by username, the identifier of the HR roster, within what
the actor may see as the reports do: admins anyone, managers the people holding a position
today in their units; anyone else in the list is "not found or not visible", whether absent
or out of scope.

The result is plain dataclasses (``QualificationCheck.as_json()`` gives the JSON an API
returns) and the lists people are read from (typed, or a CSV/XLSX file of one column) keep
every line they could not use, with its reason.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql

from lms.accounts.models import User
from lms.accounts.services import normalise_username
from lms.catalogue.models import Module, ModuleVersion
from lms.catalogue.queries import titles_of
from lms.certificates.models import MODULE, POSITION, Certificate
from lms.core import clock
from lms.core.i18n import fold
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.learning.models import ModuleProgress
from lms.learning.queries import since_moment
from lms.org import roster
from lms.org.models import CurriculumItem, Position, PositionAssignment
from lms.org.queries import holds_on, in_scope

# A list holds at most this many people (the roster's limit).
MAX_PEOPLE = roster.DEFAULT_MAX_ROWS

MET, EXPIRES, MISSING = "met", "expires", "missing"
CHECKED, NOT_FOUND = "checked", "not_found"

_USERNAME = re.compile(r"^[a-z0-9_.@-]{1,64}$")


# --- the result ----------------------------------------------------------------------------


@dataclass(slots=True)
class Requirement:
    """A module P's curriculum requires, and for how long a completion counts (months;
    None: for good)."""

    module_id: int
    module_slug: str
    module_title: str
    validity_months: int | None


@dataclass(slots=True)
class Evidence:
    """A completion of a required module: when, on which version, until when it counts for
    P (exclusive; None: for good), and its module certificate when there is one."""

    completed_on: date
    version: int
    valid_until: date | None
    certificate_serial: str | None = None


@dataclass(slots=True)
class RequirementResult:
    """One requirement for one person: ``met`` on the date, ``expires`` (met today, no
    longer on the date) or ``missing``; ``evidence`` is the latest completion made by the
    date (for a missing requirement, one that has expired, or None)."""

    module_id: int
    module_slug: str
    module_title: str
    status: str
    evidence: Evidence | None


@dataclass(slots=True)
class PositionCertificate:
    serial: str
    issued_on: date
    expires_on: date | None


@dataclass(slots=True)
class PersonResult:
    """One line of the list: ``status`` is ``checked``, or ``not_found`` (absent or not
    visible to the actor, never told apart); ``qualified`` is true when every requirement
    is met on the date."""

    identifier: str
    status: str
    line: int | None = None
    user_id: int | None = None
    username: str | None = None
    full_name: str | None = None
    qualified: bool = False
    met: list[RequirementResult] = field(default_factory=list)
    expiring: list[RequirementResult] = field(default_factory=list)
    missing: list[RequirementResult] = field(default_factory=list)
    position_certificate: PositionCertificate | None = None


@dataclass(slots=True)
class Rejected:
    """A line of the list that could not be checked, and why (translated)."""

    line: int
    value: str
    reason: str


@dataclass(slots=True)
class QualificationCheck:
    position_id: int
    position_code: str
    position_name: str
    on: date
    checked_on: date
    requirements: list[Requirement]
    people: list[PersonResult]
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        checked = [person for person in self.people if person.status == CHECKED]
        qualified = sum(1 for person in checked if person.qualified)
        return {
            "qualified": qualified,
            "not_qualified": len(checked) - qualified,
            "not_found": len(self.people) - len(checked),
            "rejected": len(self.rejected),
        }

    def as_json(self) -> dict[str, Any]:
        """The whole result as JSON-ready values (dates as ISO strings)."""
        return _jsonable(asdict(self)) | {"counts": self.counts}


def _jsonable(value):
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- the lists of people -------------------------------------------------------------------


@dataclass(slots=True)
class Entry:
    line: int
    identifier: str


@dataclass(slots=True)
class PeopleList:
    """What a typed list or an uploaded file gave: the identifiers to check (each once, in
    the order first met) and the lines that could not be used."""

    entries: list[Entry] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


class _Collector:
    def __init__(self):
        self.result = PeopleList()
        self.first_line: dict[str, int] = {}

    def add(self, line: int, value) -> None:
        text = str(value).strip()
        if text == "":
            return
        identifier = normalise_username(text)
        if not _USERNAME.match(identifier):
            self.reject(
                line,
                text,
                _l(
                    "Not a username: usernames have at most 64 letters without diacritics, "
                    "digits and . _ - @."
                ),
            )
        elif identifier in self.first_line:
            self.reject(
                line,
                text,
                _l("Listed already on line %(line)d.", line=self.first_line[identifier]),
            )
        else:
            self.first_line[identifier] = line
            self.result.entries.append(Entry(line, identifier))
        if len(self.result.entries) > MAX_PEOPLE:
            raise roster.RosterFileError(
                _l("The list has more than %(count)d people; split it.", count=MAX_PEOPLE)
            )

    def reject(self, line: int, value: str, reason) -> None:
        self.result.rejected.append(Rejected(line, value[:100], str(reason)))


def people_from_text(text: str) -> PeopleList:
    """Usernames typed one a line (commas and semicolons separate them too)."""
    collector = _Collector()
    for number, line in enumerate(text.splitlines(), start=1):
        for value in re.split(r"[,;\t]", line):
            collector.add(number, value)
    return collector.result


_HEADERS = {"username", "identifier", "id"}
_HEADER_WORDS = {fold(word) for word in ("ma dinh danh", "dinh danh", "ten dang nhap", "tai khoan")}


def _is_header(text: str) -> bool:
    key = roster.header_key(text)
    return (
        roster.HEADER_ALIASES.get(key) == "username"
        or key in _HEADERS
        or key.replace("_", " ") in _HEADER_WORDS
    )


def people_from_file(data: bytes) -> PeopleList:
    """The usernames of a CSV or XLSX file read with the roster's checks (size, kind,
    unpacked size, time): one column of usernames, with or without a header row. With a
    header naming the username column ("username", "Tên đăng nhập", ...) that column is read
    and the others are ignored, so a roster itself will do; without one, a line holding
    more than one value is reported, not guessed at. Raises ``roster.RosterFileError`` for
    a file that cannot be read at all."""
    _kind, records = roster.read_records(data, max_lines=2 * MAX_PEOPLE)
    collector = _Collector()
    column = None
    first = True
    for line, cells in records:
        values = [roster.cell_text(value) for value in cells]
        filled = [(index, value) for index, value in enumerate(values) if value != ""]
        if not filled:
            continue
        if first:
            first = False
            headers = [index for index, value in filled if _is_header(str(value))]
            if headers:
                column = headers[0]
                continue
        if column is not None:
            value = values[column] if column < len(values) else ""
            if value == "":
                collector.reject(line, " | ".join(str(v) for _i, v in filled), _l("No username."))
            else:
                collector.add(line, _text(value))
        elif len(filled) > 1:
            collector.reject(
                line,
                " | ".join(str(value) for _index, value in filled),
                _l("More than one value on the line: the file must have one column of usernames."),
            )
        else:
            collector.add(line, _text(filled[0][1]))
    if not collector.result.entries and not collector.result.rejected:
        raise roster.RosterFileError(_l("The file lists nobody."))
    return collector.result


def _text(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


# --- the check -----------------------------------------------------------------------------


def earliest_valid_completion(on: date, months: int) -> date:
    """The first completion day whose validity of ``months`` months (``clock.add_months``,
    exclusive) still holds on ``on``: a completion on day c counts on ``on`` exactly when
    c >= this day. Found in Python once per validity, so SQL only compares timestamps."""
    day = clock.add_months(on, -months)
    while clock.add_months(day, months) <= on:
        day += timedelta(days=1)
    while clock.add_months(day - timedelta(days=1), months) > on:
        day -= timedelta(days=1)
    return day


def requirements_of(position: Position, locale: str) -> list[Requirement]:
    rows = db.session.execute(
        sa.select(CurriculumItem.module_id, CurriculumItem.validity_months, Module.slug)
        .join(Module, Module.id == CurriculumItem.module_id)
        .where(CurriculumItem.position_id == position.id, Module.retired_at.is_(None))
        .order_by(CurriculumItem.id)
    ).all()
    titles = titles_of([row.module_id for row in rows], locale)
    return [
        Requirement(
            row.module_id, row.slug, titles.get(row.module_id, row.slug), row.validity_months
        )
        for row in rows
    ]


def _among(column, values: list) -> sa.ColumnElement[bool]:
    """SQL: ``column`` is one of ``values``. On PostgreSQL one array parameter (``= ANY``,
    which uses the column's index): ten thousand parameters of an ``IN`` list cost seconds
    to render and send. Elsewhere (SQLite) the ``IN`` list, within its parameter limit."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == sa.any_(sa.literal(values, postgresql.ARRAY(column.type)))
    return column.in_(values)


def _visible_people(actor: User, usernames: list[str], today: date) -> dict[str, tuple]:
    """username -> (id, username, full name) of the listed people ``actor`` may see."""
    if not usernames:
        return {}
    query = sa.select(User.id, User.username, User.full_name).where(
        _among(User.username, usernames)
    )
    if not actor.has_any_role({Role.ADMIN}):
        holding = sa.select(PositionAssignment.user_id).where(
            holds_on(today), in_scope(actor, PositionAssignment.unit_id)
        )
        query = query.where(User.id.in_(holding))
    return {row.username: tuple(row) for row in db.session.execute(query)}


def _revoked_progress_ids(user_ids: list[int]) -> list[int]:
    """The completions a revoked position certificate of these people rests on (their ids
    are in the certificate's JSON; revocations are rare, so this is a short list)."""
    found: set[int] = set()
    query = sa.select(Certificate.modules).where(
        Certificate.kind == POSITION,
        Certificate.revoked_at.is_not(None),
        _among(Certificate.user_id, user_ids),
    )
    for modules in db.session.scalars(query):
        found.update(entry["progress_id"] for entry in modules or [] if entry.get("progress_id"))
    return sorted(found)


def _completion_rows(
    position: Position, module_ids: list[int], user_ids: list[int], on: date, today: date, months
):
    """Rows of (user id, module id, status, completed at, version, module certificate
    serial): for each person and required module they completed, the latest completion made
    by ``on`` that no revoked certificate rests on, and its status on ``on``. A required
    module without a row is missing, with nothing to show for it."""
    mp = ModuleProgress
    revoked_module_certificate = (
        sa.select(Certificate.id)
        .where(
            # The holder first: certificates are indexed by holder, not by completion.
            Certificate.user_id == mp.user_id,
            Certificate.module_progress_id == mp.id,
            Certificate.revoked_at.is_not(None),
        )
        .exists()
    )
    completions = sa.select(
        mp.user_id,
        mp.module_id,
        mp.id.label("progress_id"),
        mp.version_id,
        mp.completed_at,
        sa.func.row_number()
        .over(
            partition_by=(mp.user_id, mp.module_id), order_by=(mp.completed_at.desc(), mp.id.desc())
        )
        .label("rank"),
    ).where(
        _among(mp.user_id, user_ids),
        mp.module_id.in_(module_ids),
        mp.completed_at.is_not(None),
        mp.completed_at < since_moment(on + timedelta(days=1)),
        ~revoked_module_certificate,
    )
    revoked = _revoked_progress_ids(user_ids)
    if revoked:
        completions = completions.where(mp.id.not_in(revoked))
    best = completions.subquery("best")

    def valid_on(day: date) -> sa.ColumnElement[bool]:
        return sa.or_(
            CurriculumItem.validity_months.is_(None),
            *(
                sa.and_(
                    CurriculumItem.validity_months == n,
                    best.c.completed_at >= since_moment(earliest_valid_completion(day, n)),
                )
                for n in months
            ),
        )

    whens = [(valid_on(on), MET)]
    if on > today:
        whens.append((valid_on(today), EXPIRES))
    status = sa.case(*whens, else_=MISSING)
    query = (
        sa.select(
            best.c.user_id,
            best.c.module_id,
            status.label("status"),
            best.c.completed_at,
            ModuleVersion.number,
            Certificate.serial,
        )
        .join(
            CurriculumItem,
            sa.and_(
                CurriculumItem.position_id == position.id,
                CurriculumItem.module_id == best.c.module_id,
            ),
        )
        .join(ModuleVersion, ModuleVersion.id == best.c.version_id)
        .outerjoin(
            Certificate,
            sa.and_(
                Certificate.user_id == best.c.user_id,
                Certificate.kind == MODULE,
                Certificate.module_progress_id == best.c.progress_id,
                Certificate.revoked_at.is_(None),
            ),
        )
        .where(best.c.rank == 1)
    )
    return db.session.execute(query)


def _position_certificates(position: Position, user_ids: list[int], on: date) -> dict:
    """user id -> the latest certificate of ``position`` valid on ``on``."""
    query = (
        sa.select(
            Certificate.user_id, Certificate.serial, Certificate.issued_on, Certificate.expires_on
        )
        .where(
            Certificate.kind == POSITION,
            Certificate.position_id == position.id,
            _among(Certificate.user_id, user_ids),
            Certificate.revoked_at.is_(None),
            Certificate.issued_on <= on,
            sa.or_(Certificate.expires_on.is_(None), Certificate.expires_on > on),
        )
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    )
    found: dict[int, PositionCertificate] = {}
    for row in db.session.execute(query):
        found.setdefault(
            row.user_id, PositionCertificate(row.serial, row.issued_on, row.expires_on)
        )
    return found


def _result(requirement: Requirement, status: str, evidence) -> RequirementResult:
    return RequirementResult(
        requirement.module_id,
        requirement.module_slug,
        requirement.module_title,
        status,
        evidence,
    )


def check(
    actor: User,
    position: Position,
    on: date,
    people: PeopleList,
    *,
    locale: str = "vi",
) -> QualificationCheck:
    """Whether each listed person is qualified for ``position`` on ``on`` (managers and
    admins; ``PermissionDenied`` for anyone else). A few statements for the whole list."""
    ensure_role(actor, Role.MANAGER, Role.ADMIN)
    today = clock.today()
    requirements = requirements_of(position, locale)
    found = _visible_people(actor, [entry.identifier for entry in people.entries], today)
    user_ids = sorted(row[0] for row in found.values())
    results: dict[int, PersonResult] = {}
    ordered: list[PersonResult] = []
    for entry in people.entries:
        row = found.get(entry.identifier)
        if row is None:
            ordered.append(PersonResult(entry.identifier, NOT_FOUND, line=entry.line))
            continue
        person = PersonResult(
            entry.identifier,
            CHECKED,
            line=entry.line,
            user_id=row[0],
            username=row[1],
            full_name=row[2],
        )
        results[row[0]] = person
        ordered.append(person)
    if user_ids:
        months = sorted({r.validity_months for r in requirements if r.validity_months})
        zone = clock.zone()
        module_ids = [requirement.module_id for requirement in requirements]
        completed = {
            (user_id, module_id): (status, completed_at, number, serial)
            for user_id, module_id, status, completed_at, number, serial in _completion_rows(
                position, module_ids, user_ids, on, today, months
            )
        }
        valid_until: dict[tuple, date | None] = {}
        for person in results.values():
            for requirement in requirements:
                found = completed.get((person.user_id, requirement.module_id))
                if found is None:
                    person.missing.append(_result(requirement, MISSING, None))
                    continue
                status, completed_at, number, serial = found
                completed_on = completed_at.astimezone(zone).date()
                key = (completed_on, requirement.validity_months)
                if key not in valid_until:
                    valid_until[key] = (
                        clock.add_months(completed_on, requirement.validity_months)
                        if requirement.validity_months
                        else None
                    )
                item = _result(
                    requirement, status, Evidence(completed_on, number, valid_until[key], serial)
                )
                if status == MET:
                    person.met.append(item)
                elif status == EXPIRES:
                    person.expiring.append(item)
                else:
                    person.missing.append(item)
        certificates = _position_certificates(position, user_ids, on)
        for person in results.values():
            person.qualified = not person.expiring and not person.missing
            person.position_certificate = certificates.get(person.user_id)
    return QualificationCheck(
        position_id=position.id,
        position_code=position.code,
        position_name=position.name(locale),
        on=on,
        checked_on=today,
        requirements=requirements,
        people=ordered,
        rejected=list(people.rejected),
    )


def position_by_id(position_id: int) -> Position | None:
    return db.session.get(Position, position_id)
