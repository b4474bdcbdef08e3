"""The one source of "now" and "today", so tests can move time."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from lms.core.db import utcnow


def now() -> datetime:
    return utcnow()


def today() -> date:
    """Today's date where the site is (``LMS_TIMEZONE``), not where the server is."""
    return now().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()
