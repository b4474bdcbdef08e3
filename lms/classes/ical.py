"""iCalendar (RFC 5545) output: a learner's feed and one session's download.

Stored text (titles, places) goes in as TEXT values, which icalendar escapes (line breaks,
commas, semicolons), with control characters, which TEXT may not hold, replaced first.
"""

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, vText

from lms.classes.models import IN_PERSON, TrainingSession
from lms.core.tables import printable

PRODUCT = "-//Digital Skills for Civil Servants//Training sessions//VI"


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # An X- property has no known type: unless told it is TEXT, icalendar writes it raw.
    calendar.add("x-wr-calname", _text(name))
    return calendar


def _text(value: str) -> vText:
    return vText(printable(value))


def _events(
    session: TrainingSession, *, locale: str, host: str, url: str, stamp: datetime, show_link: bool
):
    where = ", ".join(p for p in (session.venue, session.address) if p)
    for number, slot in enumerate(session.slots, start=1):
        event = Event()
        event.add("uid", f"session-{session.id}-slot-{slot.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", slot.starts_at)
        event.add("dtend", slot.ends_at)
        title = session.title(locale)
        if len(session.slots) > 1:
            title = f"{title} ({number}/{len(session.slots)})"
        event.add("summary", _text(title))
        event.add("sequence", session.revision)
        event.add("url", url)
        if session.mode == IN_PERSON:
            event.add("location", _text(where))
        elif show_link:
            event.add("location", _text(session.meeting_url))
        yield event


def session_calendar(
    session: TrainingSession, *, locale: str, host: str, url: str, stamp: datetime, show_link: bool
) -> bytes:
    """One session, an event per time slot."""
    calendar = _calendar(session.title(locale))
    for event in _events(
        session, locale=locale, host=host, url=url, stamp=stamp, show_link=show_link
    ):
        calendar.add_component(event)
    return calendar.to_ical()


def due_event(uid: str, summary: str, day: date, url: str, stamp: datetime) -> Event:
    """An all-day entry on the day a module is due; it does not make the person busy."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", _text(summary))
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


def feed(sessions, *, name: str, locale: str, host: str, url_of, stamp: datetime, due=()) -> bytes:
    """A person's sessions (they are enrolled in each, so online links are shown) and the
    ``due`` entries of the modules they must complete."""
    calendar = _calendar(name)
    for session in sessions:
        for event in _events(
            session, locale=locale, host=host, url=url_of(session), stamp=stamp, show_link=True
        ):
            calendar.add_component(event)
    for event in due:
        calendar.add_component(event)
    return calendar.to_ical()
