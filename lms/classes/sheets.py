"""The attendance sheet of a session as a table (downloaded through ``lms.core.tables``)."""

from flask_babel import format_datetime
from flask_babel import gettext as _

from lms.classes import queries
from lms.classes.models import ABSENT, ATTENDED, PARTLY, TrainingSession
from lms.core.tables import Column


def mark_labels() -> dict[str, str]:
    return {ATTENDED: _("Attended"), PARTLY: _("Partly"), ABSENT: _("Absent"), "": ""}


def table(session: TrainingSession) -> tuple[list[Column], list[list[str]]]:
    """The columns and one row per person enrolled: name, username, a mark per slot."""
    labels = mark_labels()
    columns = [Column(_("Full name"), 32), Column(_("Username"), 20)] + [
        Column(format_datetime(slot.starts_at, "short"), 18) for slot in session.slots
    ]
    rows = [
        [user.full_name, user.username, *(labels[mark] for mark in marks)]
        for user, marks in queries.sheet_rows(session)
    ]
    return columns, rows
