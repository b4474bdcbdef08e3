"""HR roster import: people, their units and job positions from a CSV or XLSX file.

``read_roster`` turns the bytes of an upload into rows (or refuses the file with a message
that says what is wrong with it); ``import_roster`` checks every row, reports for each one
``created``, ``updated``, ``unchanged`` or ``error`` with the reasons, and, unless it is a dry
run, applies the good rows a chunk at a time in bulk (``_apply_many``: new accounts, roles,
positions and audit entries each inserted in one multi-row statement, inside one savepoint,
and ``positions_assigned`` sent once, so learning syncs assignments and needs refreshes gaps
once per chunk for its people, and not at all where no curriculum or standard applies).
A chunk that a service refuses (a clash with a concurrent change, a listener's
``Invalid``) is rolled back and applied again a row at a time, each row in a savepoint of
its own, so a row is applied entirely or not at all and one bad row does not stop the
others.

An import only adds: new accounts (without a password; they get an activation link), names
and e-mail addresses brought up to date, roles granted, positions assigned through
``services.assign_positions`` (so the learning domain hears ``positions_assigned``). It never
ends a position or removes a role that the file does not mention.

Checking is quick (10,000 rows in about a second: units and positions are looked up once
into dicts, existing users, e-mail owners and assignments in batches, and new accounts need
no password hashing), so a dry run answers within the request. Applying 10,000 rows takes
several seconds to a minute, longer than an app server should let a request live (and more
when the positions have curricula: each new module assignment is a row and a notification).
The admin page therefore applies a roster as a job
(``queue_job``, then the job queue's task ``lms.org.jobs.import_roster`` runs ``run_job``) whose
state and progress live in the table ``roster_imports``; the CLI still applies at once
(``import_roster``).
``bench/roster_import.py`` measures both.
"""

import csv
import io
import logging
import re
import time
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_decimal, lazy_pgettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lms.accounts import activation
from lms.accounts.models import User
from lms.core import audit, clock, tables
from lms.core.errors import DomainError, Invalid
from lms.core.i18n import fold
from lms.core.models import AuditEntry
from lms.core.permissions import Role, ensure_role
from lms.core.tables import Column
from lms.extensions import db
from lms.org import services
from lms.org.models import (
    IMPORT_DONE,
    IMPORT_FAILED,
    IMPORT_QUEUED,
    IMPORT_RUNNING,
    OrgUnit,
    Position,
    PositionAssignment,
)
from lms.org.models import RosterImport as ImportJob

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
# Reading a roster stops after this many seconds (LMS_ROSTER_PARSE_SECONDS); 20,000 rows of an
# XLSX take openpyxl about 3 s.
DEFAULT_PARSE_SECONDS = 30
MAX_COLUMNS = 40
# An XLSX is a zip of XML parts; a roster of 20,000 rows unpacks to about 10 MiB, each part
# packed 5 to 20 times. A workbook is refused by its zip directory, before openpyxl reads a
# part, when it promises more; the ratio is Apache POI's default for the same check.
MAX_XLSX_PARTS = 1000
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_RATIO = 100
BATCH = 1000
# A job keeps at most this many rows of its report (errors first); the counts cover all.
REPORT_ROWS = 1000
# A job commits its rows and its progress every this many rows: on SQLite, whose one
# writer at a time keeps every other request waiting meanwhile, JOB_CHUNK; elsewhere
# BATCH, as the CLI (the statements of a chunk do not grow with its rows).
JOB_CHUNK = 200
# On SQLite, the job pauses this long after each commit; see _let_others_in.
SQLITE_PAUSE = 0.12

CREATED, UPDATED, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"
STATUSES = (CREATED, UPDATED, UNCHANGED, ERROR)
STATUS_LABELS = {
    # The outcome of a row, not the date a record was made ("Created" on a user's page).
    CREATED: lazy_pgettext("roster row", "Created"),
    UPDATED: lazy_pgettext("roster row", "Updated"),
    UNCHANGED: lazy_pgettext("roster row", "Unchanged"),
    ERROR: lazy_pgettext("roster row", "Error"),
}

COLUMNS = ("username", "full_name", "email", "unit_code", "position_codes", "start_date", "roles")
REQUIRED = ("username", "full_name", "unit_code", "position_codes", "start_date")
FIELD_LABELS = {
    "username": _l("username"),
    "full_name": _l("full name"),
    "email": _l("e-mail"),
    "unit_code": _l("unit code"),
    "position_codes": _l("position codes"),
    "start_date": _l("start date"),
    "roles": _l("roles"),
}
# The Vietnamese headers of the downloadable template; also accepted when reading.
VIETNAMESE_HEADERS = {
    "username": "Tên đăng nhập",
    "full_name": "Họ và tên",
    "email": "Thư điện tử",
    "unit_code": "Mã đơn vị",
    "position_codes": "Mã vị trí việc làm",
    "start_date": "Ngày bắt đầu",
    "roles": "Vai trò",
}
TEMPLATE_EXAMPLE = {
    "username": "nguyen.thi.lan",
    "full_name": "Nguyễn Thị Lan",
    "email": "lan.nt@example.gov.vn",
    "unit_code": "HP-HB-1C",
    "position_codes": "ONE_STOP;OFFICE_DOC",
    "start_date": "01/03/2026",
    "roles": "learner",
}


def header_key(text) -> str:
    """ "Ngày bắt đầu (dd/mm/yyyy)*" → "ngay_bat_dau"; "E-mail" → "e_mail"."""
    text = re.sub(r"\(.*?\)|\[.*?\]|\*", " ", str(text or ""))
    return "_".join(fold(text).replace("-", " ").replace("_", " ").split())


_ALIASES = {
    "username": ["username", "user", "login", "ten dang nhap", "tai khoan", "ten tai khoan"],
    "full_name": ["full name", "name", "ho ten", "ho va ten", "ten"],
    "email": ["email", "e-mail", "mail", "thu dien tu", "dia chi email", "dia chi thu dien tu"],
    "unit_code": ["unit code", "unit", "ma don vi", "don vi"],
    "position_codes": [
        "position codes",
        "position code",
        "positions",
        "position",
        "ma vi tri",
        "ma vi tri viec lam",
        "vi tri viec lam",
        "vi tri",
        "ma chuc danh",
    ],
    "start_date": ["start date", "starts on", "ngay bat dau", "tu ngay", "ngay nhan nhiem vu"],
    "roles": ["roles", "role", "vai tro", "quyen"],
}
HEADER_ALIASES = {
    header_key(alias): column for column, aliases in _ALIASES.items() for alias in aliases
} | {header_key(header): column for column, header in VIETNAMESE_HEADERS.items()}

ROLE_ALIASES = {
    "learner": Role.LEARNER,
    "hoc vien": Role.LEARNER,
    "nguoi hoc": Role.LEARNER,
    "trainer": Role.TRAINER,
    "giang vien": Role.TRAINER,
    "giao vien": Role.TRAINER,
    "manager": Role.MANAGER,
    "quan ly": Role.MANAGER,
    "admin": Role.ADMIN,
    "administrator": Role.ADMIN,
    "quan tri": Role.ADMIN,
    "quan tri vien": Role.ADMIN,
}

_USERNAME = re.compile(r"^[a-z0-9_.@-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_VIETNAMESE_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")


class RosterFileError(Invalid):
    """The file cannot be read as a roster at all (too large, not CSV/XLSX, no header...)."""


@dataclass
class RosterRow:
    line: int  # as the user sees it in the file: the header is line 1
    values: dict


@dataclass
class Roster:
    rows: list[RosterRow]
    kind: str  # "csv" or "xlsx"
    columns: list[str]


@dataclass
class RowResult:
    line: int
    username: str
    full_name: str = ""
    status: str = UNCHANGED
    messages: list = field(default_factory=list)
    user_id: int | None = None

    @property
    def label(self):
        return STATUS_LABELS[self.status]


@dataclass
class RosterReport:
    rows: list[RowResult]
    dry_run: bool
    audit_id: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(row.status for row in self.rows)
        return {status: found.get(status, 0) for status in STATUSES}

    @property
    def has_errors(self) -> bool:
        return any(row.status == ERROR for row in self.rows)

    @property
    def created_user_ids(self) -> list[int]:
        return [row.user_id for row in self.rows if row.status == CREATED and row.user_id]

    def problems_first(self) -> list[RowResult]:
        order = {ERROR: 0, CREATED: 1, UPDATED: 1, UNCHANGED: 2}
        return sorted(self.rows, key=lambda row: (order[row.status], row.line))


class _RosterImport:
    """What the audit entry of an import from the CLI is about: an import without a job row."""

    __tablename__ = "roster_imports"
    id = None


# --- reading -------------------------------------------------------------------------------


def max_bytes() -> int:
    return int(current_app.config.get("LMS_ROSTER_MAX_BYTES", DEFAULT_MAX_BYTES))


def _not_a_roster_file():
    return RosterFileError(
        _l(
            "This file is neither an Excel workbook (.xlsx) nor a CSV file in UTF-8. In Excel, "
            "use Save As and choose “Excel Workbook” or “CSV UTF-8”."
        )
    )


def _too_large(size: int, limit: int) -> RosterFileError:
    return RosterFileError(
        _l(
            "The file is too large (%(size)s MiB); the limit is %(limit)s MiB. Split it "
            "into several files.",
            size=format_decimal(size / 1048576, format="#,##0.0"),
            limit=format_decimal(limit / 1048576, format="#,##0.#"),
        )
    )


def read_file(stream: BinaryIO) -> bytes:
    """The bytes of an open, seekable roster file (an upload, a file on disk), which may be
    far larger than the limit: such a file is refused (``RosterFileError``, telling its size)
    without being read."""
    limit = max_bytes()
    size = stream.seek(0, io.SEEK_END)
    if size > limit:
        raise _too_large(size, limit)
    stream.seek(0)
    return stream.read(limit + 1)


def read_roster(data: bytes) -> Roster:
    """Read the rows of a roster from the bytes of a CSV (UTF-8, with or without BOM; comma,
    semicolon or tab separated) or XLSX file; the kind is told from the content, not the name.

    Reading needs no database, so callers run it with no transaction open (on SQLite an open
    one would hold the write lock meanwhile; see ``lms.core.db.end_read_transaction``). It is
    bounded: an XLSX whose zip directory promises more data than a roster holds is not
    opened, the lines read are counted, and reading stops after ``LMS_ROSTER_PARSE_SECONDS``.

    Raises ``RosterFileError`` for a file that is too large, empty, of another kind, damaged,
    has no header row or lacks required columns (naming them), has no rows below the header,
    has too many rows or takes too long to read.
    """
    max_rows = int(current_app.config.get("LMS_ROSTER_MAX_ROWS", DEFAULT_MAX_ROWS))
    kind, records = read_records(data, max_lines=2 * max_rows)
    return _table(kind, records, max_rows)


def read_records(data: bytes, *, max_lines: int) -> tuple[str, Iterator[tuple[int, list]]]:
    """The kind ("csv" or "xlsx") and the records (line number, cells) of a CSV or XLSX file,
    with the checks of ``read_roster`` (size, emptiness, kind, unpacked size, the reading
    deadline, at most ``max_lines`` lines blank ones included) but no idea of the columns:
    other uploads of people (the qualification check's list) read their files through it.
    The records are read as they are iterated, which may raise ``RosterFileError`` too."""
    limit = max_bytes()
    if len(data) > limit:
        raise _too_large(len(data), limit)
    if not data.strip():
        raise RosterFileError(_l("The file is empty."))
    seconds = float(current_app.config.get("LMS_ROSTER_PARSE_SECONDS", DEFAULT_PARSE_SECONDS))
    deadline = _Deadline(seconds)
    if data[:4] == b"PK\x03\x04":
        kind, records = "xlsx", _xlsx_records(data, deadline)
    else:
        kind, records = "csv", _csv_records(data)
    return kind, _bounded(records, deadline, max_lines=max_lines)


class _Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise RosterFileError(
                _l(
                    "Reading the file took longer than %(seconds)s seconds, so it was stopped. "
                    "Split it into several smaller files, or save it as CSV UTF-8.",
                    seconds=f"{self.seconds:g}",
                )
            )


class _TimedBytes(io.BytesIO):
    """A workbook's bytes that refuse to be read once the deadline has passed. openpyxl
    reads the zip's parts a little at a time, so even the shared strings, which it reads
    whole before the first row, stop in time."""

    def __init__(self, data: bytes, deadline: _Deadline):
        super().__init__(data)
        self.deadline = deadline

    def read(self, size: int | None = -1, /) -> bytes:
        self.deadline.check()
        return super().read(size)


def _csv_records(data: bytes) -> Iterator[tuple[int, list]]:
    if b"\x00" in data:
        raise _not_a_roster_file()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_a_roster_file() from error
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    try:
        for record in reader:
            yield previous + 1, record
            previous = reader.line_num
    except csv.Error as error:
        raise RosterFileError(
            _l(
                "Line %(line)d of the file is not valid CSV: %(error)s",
                line=previous + 1,
                error=error,
            )
        ) from error


def _xlsx_records(data: bytes, deadline: _Deadline) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as error:
        raise _not_a_roster_file() from error
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_a_roster_file()
    _check_unpacked_size(entries)
    workbook = None
    try:
        workbook = load_workbook(_TimedBytes(data, deadline), read_only=True, data_only=True)
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        for number, row in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            yield number, list(row)
    except RosterFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise RosterFileError(
            _l("The Excel workbook could not be read; it may be damaged or protected.")
        ) from error
    finally:
        if workbook is not None:
            workbook.close()


def _check_unpacked_size(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook by its zip directory alone (the sizes it declares are the most the
    zip module will unpack), before openpyxl reads any part: a zip bomb never unpacks."""
    unpacked = sum(entry.file_size for entry in entries)
    ratio = max(entry.file_size / max(entry.compress_size, 1) for entry in entries)
    if len(entries) > MAX_XLSX_PARTS or unpacked > MAX_XLSX_UNPACKED_BYTES or ratio > MAX_RATIO:
        raise RosterFileError(
            _l(
                "This Excel workbook holds far more than a roster: its contents unpack to more "
                "than %(limit)s MiB, or to over %(ratio)d times their packed size, so it was "
                "not opened. Copy the roster into a new workbook, or save it as CSV UTF-8, and "
                "upload that.",
                limit=MAX_XLSX_UNPACKED_BYTES // 1048576,
                ratio=MAX_RATIO,
            )
        )


def cell_text(value):
    """A cell as the roster reads it: text stripped, a whole number without ".0", a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(kind: str, records: Iterator[tuple[int, list]], max_rows: int) -> Roster:
    header = None
    for _line, cells in records:
        if any(cell_text(value) != "" for value in cells):
            header = [cell_text(value) for value in cells[:MAX_COLUMNS]]
            break
    if header is None:
        raise RosterFileError(_l("The file has no rows: the first row must hold the column names."))
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = HEADER_ALIASES.get(header_key(title))
        if column and column not in positions:
            positions[column] = index
    if not positions:
        raise RosterFileError(
            _l(
                "This does not look like a roster: no column name in the first row was "
                "recognised. The first row must name the columns: %(columns)s.",
                columns=", ".join(COLUMNS),
            )
        )
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise RosterFileError(
            _l(
                "Required columns are missing: %(columns)s. The first row must name the "
                "columns: %(expected)s.",
                columns=", ".join(f"{column} ({VIETNAMESE_HEADERS[column]})" for column in missing),
                expected=", ".join(COLUMNS),
            )
        )
    rows = []
    for line, cells in records:
        values = {
            column: cell_text(cells[index]) if index < len(cells) else ""
            for column, index in positions.items()
        }
        if all(value == "" for value in values.values()):
            continue
        rows.append(RosterRow(line, values))
        if len(rows) > max_rows:
            raise RosterFileError(
                _l(
                    "The file has more than %(count)d rows; split it into several files.",
                    count=max_rows,
                )
            )
    if not rows:
        raise RosterFileError(
            _l(
                "The file has the column names but no rows of people below them, so there is "
                "nothing to import."
            )
        )
    return Roster(rows=rows, kind=kind, columns=[c for c in COLUMNS if c in positions])


def _bounded(records: Iterable[tuple[int, list]], deadline: _Deadline, *, max_lines: int):
    """The records, stopped by the deadline or after ``max_lines`` lines, blank ones included
    (a sheet can jump to row 1,048,576, and openpyxl yields every row in between)."""
    for count, record in enumerate(records, start=1):
        if count > max_lines:
            raise RosterFileError(
                _l(
                    "The file has more than %(count)d lines, blank ones included. Delete the "
                    "empty rows, or split it into several files.",
                    count=max_lines,
                )
            )
        deadline.check()
        yield record


# --- checking and applying -----------------------------------------------------------------


@dataclass
class _Plan:
    result: RowResult
    username: str = ""
    full_name: str = ""
    email: str | None = None
    unit: OrgUnit | None = None
    positions: list[Position] = field(default_factory=list)
    starts_on: date | None = None
    roles: set = field(default_factory=set)
    user: User | None = None
    new_positions: list[Position] = field(default_factory=list)

    def fail(self, message) -> None:
        self.result.status = ERROR
        self.result.messages.append(message)

    @property
    def ok(self) -> bool:
        return self.result.status != ERROR


def parse_date(value) -> date | None:
    """``2026-03-01``, ``01/03/2026`` (day first, as written in Vietnam) or a date cell."""
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        if match := _ISO_DATE.match(text):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _VIETNAMESE_DATE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def _split(text) -> list[str]:
    return [part.strip() for part in re.split(r"[;,\n]", str(text)) if part.strip()]


def _check_row(row: RosterRow) -> _Plan:
    values = row.values
    username = str(values.get("username", "")).strip().lower()
    plan = _Plan(RowResult(row.line, username, str(values.get("full_name", "")).strip()))
    for column in REQUIRED:
        if values.get(column, "") == "":
            plan.fail(_l("No %(field)s given.", field=FIELD_LABELS[column]))
    if username and not _USERNAME.match(username):
        plan.fail(
            _l(
                "The username %(name)s is not valid: use at most 64 letters without accents, "
                "digits, '.', '_', '@' or '-'.",
                name=username,
            )
        )
    plan.username = username
    plan.full_name = plan.result.full_name
    if len(plan.full_name) > 200:
        plan.fail(_l("The full name is longer than 200 characters."))
    email = str(values.get("email", "")).strip().lower()
    if email and (len(email) > 254 or not _EMAIL.match(email)):
        plan.fail(_l("The e-mail address %(email)s is not valid.", email=email))
    plan.email = email or None
    start = values.get("start_date", "")
    if start != "":
        plan.starts_on = parse_date(start)
        if plan.starts_on is None:
            plan.fail(
                _l(
                    "The start date %(value)s is not a date; write it as 01/03/2026 "
                    "(day/month/year) or 2026-03-01.",
                    value=start,
                )
            )
    for token in _split(values.get("roles", "")):
        role = ROLE_ALIASES.get(fold(token))
        if role is None:
            plan.fail(
                _l(
                    "Unknown role %(role)s; use learner, trainer, manager or admin.",
                    role=token,
                )
            )
        else:
            plan.roles.add(role)
    return plan


def _batched(values: Iterable, size: int = BATCH) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _units_by_code(codes: set[str]) -> dict[str, OrgUnit]:
    found = {}
    for batch in _batched(codes):
        for unit in db.session.scalars(sa.select(OrgUnit).where(OrgUnit.code.in_(batch))):
            found[unit.code] = unit
    return found


def _users_by_username(usernames: set[str]) -> dict[str, User]:
    found = {}
    for batch in _batched(usernames):
        query = sa.select(User).where(User.username.in_(batch)).options(selectinload(User.roles))
        for user in db.session.scalars(query):
            found[user.username] = user
    return found


def _email_owners(emails: set[str]) -> dict[str, str]:
    found = {}
    for batch in _batched(emails):
        query = sa.select(User.email, User.username).where(User.email.in_(batch))
        found.update(dict(db.session.execute(query).all()))
    return found


def _held(user_ids: set[int]) -> dict[tuple[int, int, int], list]:
    """(user, position, unit) → the end dates (None: open) of the assignments that exist."""
    found = defaultdict(list)
    for batch in _batched(user_ids):
        query = sa.select(
            PositionAssignment.user_id,
            PositionAssignment.position_id,
            PositionAssignment.unit_id,
            PositionAssignment.ends_on,
        ).where(PositionAssignment.user_id.in_(batch))
        for user_id, position_id, unit_id, ends_on in db.session.execute(query):
            found[(user_id, position_id, unit_id)].append(ends_on)
    return found


def _report_duplicates(plans: list[_Plan], key: Callable[[_Plan], str | None], message) -> None:
    lines = defaultdict(list)
    for plan in plans:
        if value := key(plan):
            lines[value].append(plan.result.line)
    for plan in plans:
        value = key(plan)
        if value and len(lines[value]) > 1:
            plan.fail(message(value, ", ".join(str(line) for line in lines[value])))


def _plan_rows(rows: list[RosterRow]) -> list[_Plan]:
    plans = [_check_row(row) for row in rows]
    units = _units_by_code({str(row.values.get("unit_code", "")).strip().upper() for row in rows})
    positions = {position.code: position for position in db.session.scalars(sa.select(Position))}
    for plan, row in zip(plans, rows, strict=True):
        code = str(row.values.get("unit_code", "")).strip().upper()
        if code:
            plan.unit = units.get(code)
            if plan.unit is None:
                plan.fail(_l("Unknown unit code %(code)s.", code=code))
            elif plan.unit.valid_to is not None:
                plan.fail(
                    _l(
                        "The unit %(code)s is closed or merged; use the code of a current unit.",
                        code=code,
                    )
                )
        codes = dict.fromkeys(code.upper() for code in _split(row.values.get("position_codes", "")))
        for position_code in codes:
            position = positions.get(position_code)
            if position is None:
                plan.fail(_l("Unknown position code %(code)s.", code=position_code))
            else:
                plan.positions.append(position)
    _report_duplicates(
        plans,
        lambda plan: plan.username,
        lambda name, lines: _l(
            "The username %(name)s appears more than once in the file (lines %(lines)s).",
            name=name,
            lines=lines,
        ),
    )
    _report_duplicates(
        plans,
        lambda plan: plan.email,
        lambda email, lines: _l(
            "The e-mail address %(email)s appears more than once in the file (lines %(lines)s).",
            email=email,
            lines=lines,
        ),
    )
    return plans


def _decide(plans: list[_Plan]) -> None:
    """Compare each good row with the database: created, updated or unchanged, and why."""
    users = _users_by_username({plan.username for plan in plans if plan.ok})
    owners = _email_owners({plan.email for plan in plans if plan.ok and plan.email})
    held = _held({user.id for user in users.values()})
    for plan in plans:
        if not plan.ok:
            continue
        plan.user = users.get(plan.username)
        owner = owners.get(plan.email) if plan.email else None
        if owner is not None and owner != plan.username:
            plan.fail(
                _l(
                    "The e-mail address %(email)s is already used by another account.",
                    email=plan.email,
                )
            )
        for position in plan.positions:
            if plan.user is not None and any(
                ends_on is None or ends_on > plan.starts_on
                for ends_on in held.get((plan.user.id, position.id, plan.unit.id), [])
            ):
                continue
            if not position.active:
                plan.fail(
                    _l(
                        "The position %(code)s is no longer in use; it cannot be assigned.",
                        code=position.code,
                    )
                )
            plan.new_positions.append(position)
        if not plan.ok:
            continue
        result = plan.result
        if plan.user is None:
            result.status = CREATED
            result.messages.append(_l("New account; it needs an activation link."))
        else:
            user = plan.user
            if plan.full_name != user.full_name:
                result.messages.append(_l("Name changed from %(old)s.", old=user.full_name))
            if plan.email and plan.email != user.email:
                result.messages.append(_l("E-mail address changed."))
            added = plan.roles - user.role_set
            if added:
                result.messages.append(
                    _l(
                        "Roles added: %(roles)s.",
                        roles=", ".join(sorted(role.value for role in added)),
                    )
                )
            result.status = UPDATED if result.messages or plan.new_positions else UNCHANGED
        for position in plan.new_positions:
            result.messages.append(
                _l(
                    "Position %(position)s in %(unit)s from %(date)s.",
                    position=position.code,
                    unit=plan.unit.code,
                    date=plan.starts_on.strftime("%d/%m/%Y"),
                )
            )


def _apply(actor: User | None, plan: _Plan) -> None:
    details = {"source": "roster"}
    user = plan.user
    if user is None:
        user = activation.create_invited_user(
            actor,
            username=plan.username,
            full_name=plan.full_name,
            email=plan.email,
            roles=plan.roles or {Role.LEARNER},
            audit_details=details,
            checked_unique=True,  # looked up in batches by _decide
        )
    else:
        activation.sync_account(
            actor,
            user,
            full_name=plan.full_name,
            email=plan.email,
            add_roles=plan.roles,
            audit_details=details,
        )
    for position in plan.new_positions:
        services.assign_position(actor, user, position, plan.unit, starts_on=plan.starts_on)
    plan.result.user_id = user.id


def _apply_many(actor: User | None, plans: list[_Plan]) -> None:
    """``_apply`` for many rows at once: the new accounts inserted together, the existing
    ones brought up to date, then every new position assigned together."""
    details = {"source": "roster"}
    new = [plan for plan in plans if plan.user is None]
    created = activation.create_invited_users(
        actor,
        [
            {
                "username": plan.username,
                "full_name": plan.full_name,
                "email": plan.email,
                "roles": plan.roles or {Role.LEARNER},
            }
            for plan in new
        ],
        audit_details=details,
    )
    for plan, user_id in zip(new, created, strict=True):
        plan.result.user_id = user_id
    for plan in plans:
        if plan.user is not None:
            activation.sync_account(
                actor,
                plan.user,
                full_name=plan.full_name,
                email=plan.email,
                add_roles=plan.roles,
                audit_details=details,
            )
            plan.result.user_id = plan.user.id
    services.assign_positions(
        actor,
        [
            services.WantedPosition(
                plan.result.user_id,
                plan.username,
                plan.full_name,
                position,
                plan.unit,
                plan.starts_on,
            )
            for plan in plans
            for position in plan.new_positions
        ],
    )


class RosterRun:
    """One import: every row is checked when it is made; ``apply()`` then writes the good
    rows, yielding the number of rows done as it goes (so a page can show progress).

    ``actor`` is an admin, or None for the CLI; ``PermissionDenied`` otherwise. The rows
    are applied a chunk at a time, in bulk (see the module's docstring); a row is applied
    entirely or not at all, and a row a service refuses while applying (``Invalid``, a
    unique clash with a concurrent change) becomes an error row and the others go on.
    Positions are added with ``services.assign_positions`` (``assign_position`` when a chunk
    goes a row at a time), so learning and needs hear ``positions_assigned``; a position the
    user already holds in that unit is left as it is, and positions or roles missing from
    the file are never removed. The applied import is recorded in the audit log with its
    counts, about ``job`` when the run is an import job's (``run_job``). Flushes; the caller
    commits (or rolls back after a dry run).
    """

    def __init__(
        self,
        actor: User | None,
        roster: Roster,
        *,
        dry_run: bool,
        source: str = "",
        job: ImportJob | None = None,
    ):
        if actor is not None:
            ensure_role(actor, Role.ADMIN)
        self.actor, self.source, self.job = actor, source, job
        self.plans = _plan_rows(roster.rows)
        _decide(self.plans)
        self.report = RosterReport(rows=[plan.result for plan in self.plans], dry_run=dry_run)

    @property
    def total(self) -> int:
        return len(self.plans)

    def apply(self, every: int = BATCH, start: int = 0) -> Iterator[int]:
        """Apply the good rows from the ``start``-th on (those before were applied by an
        earlier run of the same job), a chunk of ``every`` rows at a time (chunks end at
        multiples of ``every``), in bulk; yields the count of rows done after each chunk,
        when the caller may commit. ``record`` then writes the audit entry."""
        if self.report.dry_run:
            raise RuntimeError("a dry run applies nothing")
        done = start
        while done < self.total:
            end = min((done // every + 1) * every, self.total)
            self._apply_chunk(self.plans[done:end])
            done = end
            if done < self.total:
                yield done
        yield self.total

    def record(self, counts: dict[str, int], created_user_ids: list[int]) -> None:
        """Record the applied import in the audit log, with the counts of all its rows."""
        entry = audit.record(
            self.actor,
            "roster.imported",
            self.job if self.job is not None else _RosterImport(),
            source=self.source,
            rows=self.total,
            created_user_ids=created_user_ids,
            **counts,
        )
        db.session.flush()
        self.report.audit_id = entry.id

    def _apply_chunk(self, plans: list[_Plan]) -> None:
        """Apply a chunk's good rows together (``_apply_many``) in one savepoint; if a
        service refuses anything, roll the chunk back and apply its rows one savepoint each,
        so the row at fault, and only it, becomes an error."""
        changes = [plan for plan in plans if plan.ok and plan.result.status != UNCHANGED]
        if not changes:
            return
        try:
            with db.session.begin_nested():
                _apply_many(self.actor, changes)
            return
        except (DomainError, sa.exc.IntegrityError):
            log.info("A roster chunk was refused as a whole; applying its rows one by one")
        for plan in changes:
            plan.result.user_id = None
        for plan in changes:
            self._apply_row(plan)

    def _apply_row(self, plan: _Plan) -> None:
        try:
            with db.session.begin_nested():
                _apply(self.actor, plan)
        except (DomainError, sa.exc.IntegrityError) as error:
            plan.result.status = ERROR
            plan.result.user_id = None
            plan.result.messages = [
                error.message
                if isinstance(error, DomainError)
                else _l("The row clashes with a change made at the same time; import it again.")
            ]


def import_roster(
    actor: User | None, roster: Roster, *, dry_run: bool, source: str = ""
) -> RosterReport:
    """Check every row of ``roster`` and, unless ``dry_run``, apply the good ones; see
    ``RosterRun`` for the rules and errors. Flushes; the caller commits."""
    run = RosterRun(actor, roster, dry_run=dry_run, source=source)
    if not dry_run:
        for _done in run.apply():
            pass
        run.record(run.report.counts, run.report.created_user_ids)
    return run.report


def created_user_ids_of(audit_id: int) -> list[int] | None:
    """The accounts an applied import created, from its audit entry (None: no such import)."""
    entry = db.session.get(AuditEntry, audit_id)
    if entry is None or entry.action != "roster.imported":
        return None
    return [int(user_id) for user_id in entry.details.get("created_user_ids", [])]


# --- applying as a job ---------------------------------------------------------------------
#
# The job queue (``lms.core.jobs``, task ``org.import_roster`` in ``lms.org.jobs``) runs the
# job in a worker process, never in the web process. The job's whole state lives in
# ``roster_imports``, so any app server shows its progress. Each chunk of rows is committed
# with the rows done, the counts and the report so far, so a worker that dies (a deploy, a
# kill) loses at most the chunk it was applying: the task ``org.resume_imports`` (every minute
# and as a worker starts) enqueues the job again once its heartbeat is stale, and the job goes
# on from the last committed chunk, never applying a row twice.


def queue_job(
    actor: User, data: bytes, *, source: str, total_rows: int, dry_run: bool = False
) -> ImportJob:
    """Store the bytes of a roster file (already read without a file-level error) as a
    queued import job; a ``dry_run`` job only checks the rows and reports. ``actor`` must be
    an admin (``PermissionDenied``). Flushes; the caller commits, then enqueues
    ``lms.org.jobs.import_roster`` with the job's id."""
    ensure_role(actor, Role.ADMIN)
    job = ImportJob(
        actor_id=actor.id,
        source=source[:255],
        status=IMPORT_QUEUED,
        dry_run=dry_run,
        total_rows=total_rows,
        data=data,
        report={},
        heartbeat_at=clock.now(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def stale_after() -> timedelta:
    """A job not heard from for this long has died with its worker (``LMS_JOBS_STALE_SECONDS``)."""
    return timedelta(seconds=float(current_app.config["LMS_JOBS_STALE_SECONDS"]))


def _claim(job_id: int) -> bool:
    """Mark the job running, if it is queued or its runner has died: one statement, so of
    two workers that try at once one wins. Commits."""
    now = clock.now()
    claimed = db.session.execute(
        sa.update(ImportJob)
        .where(
            ImportJob.id == job_id,
            sa.or_(
                ImportJob.status == IMPORT_QUEUED,
                sa.and_(
                    ImportJob.status == IMPORT_RUNNING,
                    ImportJob.heartbeat_at < now - stale_after(),
                ),
            ),
        )
        .values(
            status=IMPORT_RUNNING,
            heartbeat_at=now,
            started_at=sa.func.coalesce(ImportJob.started_at, now),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def run_job(
    job_id: int, *, every: int | None = None, heartbeat: Callable[[], None] = lambda: None
) -> str | None:
    """Run a queued import job to its end, or resume one whose runner died from the last
    chunk it committed; returns the job's final status, or None when the job was not taken
    (finished, or running elsewhere and heard from).

    Parses the stored file again, applies the rows from ``rows_done`` on as ``RosterRun``
    does (a chunk of ``every`` rows at a time; by default ``JOB_CHUNK`` on SQLite, else
    ``BATCH``) and commits each chunk with the rows done, the
    counts and the report so far and a heartbeat (``heartbeat`` is called after each commit),
    so the job's page shows progress and a crash loses at most one chunk. At the end it
    stores the counts, the report (errors first, ``REPORT_ROWS`` rows at most) and the ids of
    the accounts created, clears the file and records the audit entry, in one last commit.
    Any failure rolls back the unfinished chunk and marks the job ``failed`` with the message
    (logged). Messages are written in the language of the admin who uploaded the file.
    """
    if not _claim(job_id):
        log.info("Roster import job %s is finished or running elsewhere; not run", job_id)
        return None
    if every is None:
        every = JOB_CHUNK if db.session.get_bind().dialect.name == "sqlite" else BATCH
    job = db.session.get(ImportJob, job_id)
    actor = db.session.get(User, job.actor_id) if job.actor_id is not None else None
    locales = current_app.config["LMS_LOCALES"]
    locale = actor.locale if actor is not None and actor.locale in locales else None
    data = job.data
    if job.rows_done:
        log.info("Roster import job %s resumes after row %s", job_id, job.rows_done)
    db.session.commit()
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            # Parsed between transactions, so SQLite's write lock is not held meanwhile.
            _run(job, actor, read_roster(data), every, heartbeat)
        except Exception as error:
            log.exception("Roster import job %s failed", job_id)
            db.session.rollback()
            _record_failure(job_id, error)
            return IMPORT_FAILED
    return IMPORT_DONE


_REPORT_ORDER = {ERROR: 0, CREATED: 1, UPDATED: 1, UNCHANGED: 2}


def _report_row(row: RowResult) -> dict:
    return {
        "line": row.line,
        "username": row.username,
        "full_name": row.full_name,
        "status": row.status,
        "messages": [str(message) for message in row.messages],
    }


class _Progress:
    """What the chunks committed before this run had done, and that plus this run's rows."""

    def __init__(self, job: ImportJob):
        self.start = job.rows_done
        self.counts = dict(job.counts) if self.start else dict.fromkeys(STATUSES, 0)
        report = (job.report or {}) if self.start else {}
        self.rows = list(report.get("rows", []))
        self.created = [int(user_id) for user_id in report.get("created_user_ids", [])]

    def write(self, job: ImportJob, run: "RosterRun", done: int) -> None:
        results = [plan.result for plan in run.plans[self.start : done]]
        found = Counter(result.status for result in results)
        counts = {status: self.counts[status] + found.get(status, 0) for status in STATUSES}
        job.created_count, job.updated_count = counts[CREATED], counts[UPDATED]
        job.unchanged_count, job.error_count = counts[UNCHANGED], counts[ERROR]
        rows = self.rows + [_report_row(result) for result in results]
        rows.sort(key=lambda row: (_REPORT_ORDER[row["status"]], row["line"]))
        created = [r.user_id for r in results if r.status == CREATED and r.user_id]
        # Kept as it goes, so a job that dies can go on, and its accounts get their links.
        job.report = {"rows": rows[:REPORT_ROWS], "created_user_ids": self.created + created}
        job.rows_done = done
        job.heartbeat_at = clock.now()


def _run(
    job: ImportJob, actor: User | None, table: Roster, every: int, heartbeat: Callable
) -> None:
    run = RosterRun(actor, table, dry_run=job.dry_run, source=job.source, job=job)
    job.total_rows = run.total
    progress = _Progress(job)
    if job.dry_run:
        progress.write(job, run, run.total)  # every row checked, none applied
    else:
        for done in run.apply(every=every, start=progress.start):
            progress.write(job, run, done)
            if done < run.total:
                db.session.commit()
                heartbeat()
                _let_others_in()
        run.record(job.counts, job.report["created_user_ids"])
    job.status = IMPORT_DONE
    job.finished_at = clock.now()
    job.data = None
    db.session.commit()


def _let_others_in() -> None:
    # SQLite has one writer at a time (and every transaction here begins IMMEDIATE), and a
    # request waiting for the lock retries at most every 100 ms. A job that began its next
    # chunk as soon as it committed would starve every other request of the site until the
    # request's busy timeout ran out; a pause a little longer than that retry lets them in.
    if db.session.get_bind().dialect.name == "sqlite":
        time.sleep(SQLITE_PAUSE)


def _record_failure(job_id: int, error: Exception) -> None:
    if isinstance(error, DomainError):
        message = str(error.message)
    else:
        message = str(
            _l(
                "An unexpected error stopped the import (%(error)s).",
                error=f"{type(error).__name__}: {error}"[:500],
            )
        )
    try:
        job = db.session.get(ImportJob, job_id)
        job.status = IMPORT_FAILED
        job.error = message[:1000]
        job.finished_at = clock.now()
        job.data = None
        db.session.commit()
    except Exception:  # the database itself may be what failed: the heartbeat will tell
        log.exception("Roster import job %s: its failure could not be recorded", job_id)
        db.session.rollback()


def unfinished_jobs() -> list[tuple[int, datetime]]:
    """(id, when it may be taken over) of every queued or running job: now for one whose
    runner has died, else when its heartbeat will be stale."""
    query = sa.select(ImportJob.id, ImportJob.heartbeat_at, ImportJob.created_at).where(
        ImportJob.status.in_((IMPORT_QUEUED, IMPORT_RUNNING))
    )
    now, stale = clock.now(), stale_after()
    return [
        (job_id, max(now, (heartbeat_at or created_at) + stale + timedelta(seconds=1)))
        for job_id, heartbeat_at, created_at in db.session.execute(query)
    ]


def get_job(job_id: int) -> ImportJob | None:
    return db.session.get(ImportJob, job_id)


def is_interrupted(job: ImportJob) -> bool:
    """Queued or running, but not heard from for ``stale_after()``: no worker has taken it,
    or its worker died; a worker will take it (over) as soon as one runs."""
    if job.status not in (IMPORT_QUEUED, IMPORT_RUNNING):
        return False
    return (job.heartbeat_at or job.created_at) < clock.now() - stale_after()


def created_user_ids_of_job(job_id: int) -> list[int] | None:
    """The accounts an import job created (so far), or None when there is no such job."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        return None
    return [int(user_id) for user_id in (job.report or {}).get("created_user_ids", [])]


# --- files the admin downloads -------------------------------------------------------------


def _template_columns() -> list[Column]:
    widths = (18, 24, 26, 14, 24, 14, 12)
    return [
        Column(VIETNAMESE_HEADERS[column], width, is_date=column == "start_date")
        for column, width in zip(COLUMNS, widths, strict=True)
    ]


def template_csv() -> bytes:
    """The roster template as CSV (UTF-8 with BOM, so Excel shows the accents)."""
    return tables.csv_bytes(_template_columns(), [[TEMPLATE_EXAMPLE[c] for c in COLUMNS]])


def template_xlsx() -> bytes:
    """The roster template as an Excel workbook; the start date is a real date cell."""
    example = [TEMPLATE_EXAMPLE[column] for column in COLUMNS]
    example[COLUMNS.index("start_date")] = parse_date(TEMPLATE_EXAMPLE["start_date"])
    return tables.xlsx_bytes(_template_columns(), [example], sheet_title="Danh sách")


def links_csv(links: Iterable[tuple[str, str, str]]) -> bytes:
    """CSV (UTF-8 with BOM) of (username, full name, activation link) rows."""
    columns = [
        Column(VIETNAMESE_HEADERS["username"]),
        Column(VIETNAMESE_HEADERS["full_name"]),
        Column("Liên kết kích hoạt"),
    ]
    return tables.csv_bytes(columns, links)
