"""The session form's time slots: a row a slot (a date and two times), an "Add another
slot" button that needs no script, and a clear error on the row that is wrong."""

import re
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from lms.classes.models import SessionSlot, TrainingSession
from lms.extensions import db

FORM = {
    "title_vi": "Lớp ký số",
    "mode": "in_person",
    "capacity": "12",
    "venue": "Phòng họp tầng 2",
    "enrol_opens_at": "2026-01-05T08:00",
    "enrol_closes_at": "2026-01-19T17:00",
    "cancel_until": "2026-01-18T17:00",
}


def rows(body: str) -> list[int]:
    return sorted({int(n) for n in re.findall(r'name="slots-(\d+)-day"', body)})


def said(app, message: str) -> str:
    """``message`` in the trainer's language (Vietnamese), as the page shows it."""
    with app.test_request_context(), force_locale("vi"):
        return gettext(message)


def sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(TrainingSession))


def test_the_new_form_shows_empty_rows_of_a_date_and_two_times(client, world, login_as):
    login_as(client, world.trainer)
    body = client.get("/sessions/new").get_data(as_text=True)
    assert rows(body) == [0, 1, 2]
    assert re.search(
        r'<input[^>]*id="slots-0-day"[^>]*type="date"|type="date"[^>]*id="slots-0-day"', body
    )
    assert re.search(
        r'type="time"[^>]*id="slots-0-starts"|id="slots-0-starts"[^>]*type="time"', body
    )
    assert '<label for="slots-0-ends">' in body
    assert 'name="add_slot"' in body


def test_slots_typed_in_rows_are_stored_in_utc(app, client, world, login_as):
    login_as(client, world.trainer)
    data = {
        **FORM,
        "trainers": str(world.trainer.id),
        "slots-0-day": "2026-01-20",
        "slots-0-starts": "08:00",
        "slots-0-ends": "11:30",
        "slots-1-day": "",  # an empty row is no slot
        "slots-2-day": "2026-01-21",
        "slots-2-starts": "13:30",
        "slots-2-ends": "16:00",
    }
    response = client.submit("/sessions/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        slots = db.session.execute(
            sa.select(SessionSlot.starts_at, SessionSlot.ends_at).order_by(SessionSlot.starts_at)
        ).all()
    # What "2026-01-20 08:00-11:30\n2026-01-21 13:30-16:00" stored: Viet Nam is UTC+7.
    assert [(s.replace(tzinfo=UTC), e.replace(tzinfo=UTC)) for s, e in slots] == [
        (datetime(2026, 1, 20, 1, 0, tzinfo=UTC), datetime(2026, 1, 20, 4, 30, tzinfo=UTC)),
        (datetime(2026, 1, 21, 6, 30, tzinfo=UTC), datetime(2026, 1, 21, 9, 0, tzinfo=UTC)),
    ]
    session_id = response.headers["Location"].rsplit("/", 1)[-1]
    edit = client.get(f"/sessions/{session_id}/edit").get_data(as_text=True)
    assert rows(edit) == [0, 1, 2, 3], "the two slots, then two empty rows"
    assert 'value="2026-01-21"' in edit and 'value="13:30"' in edit


def test_add_another_slot_keeps_what_was_typed_and_saves_nothing(app, client, world, login_as):
    login_as(client, world.trainer)
    data = {**FORM, "slots-0-day": "2026-01-20", "slots-0-starts": "08:00", "add_slot": "1"}
    for n in (1, 2):
        data |= {f"slots-{n}-day": "", f"slots-{n}-starts": "", f"slots-{n}-ends": ""}
    response = client.submit("/sessions/new", data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert rows(body) == [0, 1, 2, 3]
    assert 'value="Lớp ký số"' in body and 'value="2026-01-20"' in body
    assert 'class="error"' not in body, "no error: the form was not checked yet"
    assert sessions(app) == 0


def test_a_slot_ending_before_it_starts_is_refused_on_its_row(app, client, world, login_as):
    login_as(client, world.trainer)
    data = {
        **FORM,
        "trainers": str(world.trainer.id),
        "slots-0-day": "2026-01-20",
        "slots-0-starts": "08:00",
        "slots-0-ends": "11:30",
        "slots-1-day": "2026-01-21",
        "slots-1-starts": "16:00",
        "slots-1-ends": "13:30",
        "slots-2-day": "2026-01-22",
        "slots-2-starts": "09:00",
    }
    response = client.submit("/sessions/new", data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    after = said(app, "The slot must end after it starts.")
    both = said(app, "Give the day and both hours of this slot.")
    assert f'id="slots-1-ends-error" class="error">{after}<' in body
    assert 'id="slots-0-ends-error"' not in body
    assert f'id="slots-2-ends-error" class="error">{both}<' in body
    assert 'aria-invalid="true"' in body
    for kept in ('value="Lớp ký số"', 'value="16:00"', 'value="13:30"', 'value="2026-01-22"'):
        assert kept in body, kept
    assert sessions(app) == 0


def test_a_session_needs_one_slot(app, client, world, login_as):
    login_as(client, world.trainer)
    response = client.submit("/sessions/new", {**FORM, "trainers": str(world.trainer.id)})
    assert response.status_code == 200
    message = said(app, "Add at least one time slot.")
    assert f'id="slots-error" class="error">{message}<' in response.get_data(as_text=True)
    assert sessions(app) == 0
