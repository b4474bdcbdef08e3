"""Any text at all stored as a person's name, a module's title or a session's title comes out
of every kind of output whole: pages escape it, CSV and XLSX files never carry a live formula
nor a character their format cannot hold, calendars parse back. Never a server error."""

import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from markupsafe import escape
from openpyxl import load_workbook

from lms.accounts.models import User
from lms.catalogue.models import Module, ModuleVersion
from lms.classes import services as classes
from lms.classes.models import TrainingSession
from lms.extensions import db

SCRIPT = "<script>alert(1)</script>"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")

# Anything a database can store: any UTF-8 text but NUL, which PostgreSQL text cannot hold.
# Often starting like a formula or carrying a script, so those paths are taken every run.
stored_text = st.builds(
    str.__add__,
    st.sampled_from(("", SCRIPT, *TRIGGERS)),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),
)


def calendar_text(text: str) -> str:
    """How a TEXT value reads after a round trip: control characters replaced, every line
    break a new line."""
    text = UNPRINTABLE.sub("\ufffd", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def store(ids, *, full_name: str, module_title: str, session_title: str) -> None:
    db.session.get(User, ids.learner_id).full_name = full_name
    for version in db.session.scalars(
        sa.select(ModuleVersion).where(ModuleVersion.module_id == ids.module_id)
    ):
        version.manifest = {
            **version.manifest,
            "title": {"vi": module_title, "en": module_title},
        }
    session = db.session.get(TrainingSession, ids.session_id)
    session.title_vi = session.title_en = session_title
    db.session.commit()


def ok(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def check_page(html: str, value: str) -> None:
    assert SCRIPT not in html
    assert str(escape(value)) in html


def check_csv(body: bytes) -> None:
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")):
        for cell in row:
            assert not UNPRINTABLE.search(cell), cell
            if cell.startswith(TRIGGERS):
                float(cell)


def check_xlsx(body: bytes) -> None:
    for row in load_workbook(io.BytesIO(body)).active.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert not UNPRINTABLE.search(cell.value), cell.value


def summaries(body: bytes) -> list[str]:
    return [str(event["summary"]) for event in Calendar.from_ical(body).walk("VEVENT")]


def test_any_stored_text_renders_in_every_output(app, site, factory, clock, login_as):
    factory.curriculum_item(site.position, site.module_slug)
    with app.app_context():
        session = factory.training_session(
            site.trainer, starts_in=timedelta(days=3), enrolled=[site.learner]
        )
        learner = db.session.get(User, site.learner.id)
        token = classes.calendar_token(learner)
        module_id = db.session.scalar(sa.select(Module.id).where(Module.slug == site.module_slug))
        db.session.commit()
        session_id = session.id
    ids = SimpleNamespace(learner_id=site.learner.id, module_id=module_id, session_id=session_id)
    as_learner, as_admin = app.test_client(), app.test_client()
    login_as(as_learner, site.learner)
    login_as(as_admin, site.admin)

    @settings(max_examples=30)
    @given(full_name=stored_text, module_title=stored_text, session_title=stored_text)
    def renders(full_name, module_title, session_title):
        with app.app_context():
            store(ids, full_name=full_name, module_title=module_title, session_title=session_title)
        for client, url, value in (
            (as_admin, f"/admin/users/{ids.learner_id}", full_name),
            (as_learner, f"/modules/{site.module_slug}", module_title),
            (as_learner, f"/sessions/{session_id}", session_title),
        ):
            check_page(ok(client, url).get_data(as_text=True), value)
        check_csv(ok(as_admin, "/reports/export/people.csv").get_data())
        check_xlsx(ok(as_admin, "/reports/export/people.xlsx").get_data())
        check_xlsx(ok(as_admin, f"/sessions/{session_id}/attendance.xlsx").get_data())
        check_csv(ok(as_admin, f"/sessions/{session_id}/attendance.csv").get_data())
        assert summaries(ok(as_learner, f"/sessions/{session_id}.ics").get_data()) == [
            calendar_text(session_title)
        ]
        session_event, due_event = summaries(ok(as_learner, f"/calendar/{token}.ics").get_data())
        assert session_event == calendar_text(session_title)
        assert due_event.endswith(calendar_text(module_title))

    renders()
