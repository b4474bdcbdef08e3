"""The one source of "now" and "today", so tests can move time."""

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from lms.core.db import utcnow


def now() -> datetime:
    return utcnow()


def today() -> date:
    """Today's date where the site is (``LMS_TIMEZONE``), not where the server is."""
    return local_date(now())


def zone() -> ZoneInfo:
    """Where the site is (``LMS_TIMEZONE``)."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_date(moment: datetime) -> date:
    """The site's calendar date at ``moment``."""
    return moment.astimezone(zone()).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day
    (31 January + 1 month is 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
