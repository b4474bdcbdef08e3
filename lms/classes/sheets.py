"""The attendance sheet of a session as CSV and XLSX."""

import csv
import io

from flask_babel import format_datetime
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from lms.classes import queries
from lms.classes.models import ABSENT, ATTENDED, PARTLY, TrainingSession


def mark_labels() -> dict[str, str]:
    return {ATTENDED: _("Attended"), PARTLY: _("Partly"), ABSENT: _("Absent"), "": ""}


def table(session: TrainingSession) -> tuple[list[str], list[list[str]]]:
    """The header and one row per person enrolled: name, username, a mark per slot."""
    labels = mark_labels()
    header = [_("Full name"), _("Username")] + [
        format_datetime(slot.starts_at, "short") for slot in session.slots
    ]
    rows = [
        [user.full_name, user.username, *(labels[mark] for mark in marks)]
        for user, marks in queries.sheet_rows(session)
    ]
    return header, rows


def as_csv(session: TrainingSession) -> str:
    header, rows = table(session)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    # The byte-order mark makes Excel read the file as UTF-8 (Vietnamese intact).
    return "\ufeff" + out.getvalue()


def as_xlsx(session: TrainingSession, title: str) -> bytes:
    header, rows = table(session)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Attendance")[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 20
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
