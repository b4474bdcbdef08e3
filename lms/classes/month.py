"""A month of a person's calendar laid out as weeks: their session slots and the due days of
the modules they still have to complete, each on its local day."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from lms.core import clock

# Vietnamese calendars start the week on Monday (ISO 8601).
_WEEKS = calendar.Calendar(firstweekday=calendar.MONDAY)


@dataclass(frozen=True)
class Month:
    first: date

    @classmethod
    def parse(cls, text: str | None, today: date) -> "Month":
        """The month ``YYYY-MM`` names, or ``today``'s for anything else."""
        try:
            year, month = (int(part) for part in (text or "").split("-"))
            return cls(date(year, month, 1))
        except ValueError:
            return cls(today.replace(day=1))

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def previous(self) -> "Month":
        return Month(clock.add_months(self.first, -1))

    @property
    def next(self) -> "Month":
        return Month(clock.add_months(self.first, 1))

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The first and last moment of the grid's weeks, as aware datetimes in ``zone``."""
        weeks = self.weeks()
        start = datetime.combine(weeks[0][0], datetime.min.time(), zone)
        return start, datetime.combine(weeks[-1][-1] + timedelta(days=1), start.time(), zone)

    def weeks(self) -> list[list[date]]:
        return _WEEKS.monthdatescalendar(self.first.year, self.first.month)


@dataclass
class Day:
    date: date
    in_month: bool
    today: bool
    slots: list = field(default_factory=list)
    due: list = field(default_factory=list)

    @property
    def busy(self) -> bool:
        return bool(self.slots or self.due)


def lay_out(month: Month, today: date, zone: ZoneInfo, slots, due_rows) -> list[list[Day]]:
    """The month's weeks of days, each holding the ``slots`` (session slots) that start on
    it in ``zone`` and the ``due_rows`` (assignment rows with a ``due`` date) due on it."""
    weeks = month.weeks()
    days = {
        day: Day(day, day.month == month.first.month, day == today)
        for week in weeks
        for day in week
    }
    for slot in slots:
        local = slot.starts_at.astimezone(zone).date()
        if local in days:
            days[local].slots.append(slot)
    for row in due_rows:
        if row.due in days:
            days[row.due].due.append(row)
    return [[days[day] for day in week] for week in weeks]


def agenda(weeks: list[list[Day]]) -> list[Day]:
    """The month's own days that hold something, in order: the grid as a list."""
    return [day for week in weeks for day in week if day.in_month and day.busy]
