"""Every CSV, XLSX and iCalendar download of the app, found from the URL map, with hostile
text planted in every kind of stored text that reaches them: formulas that would run in a
spreadsheet (OWASP CSV injection), control characters XML cannot hold, line breaks."""

import csv
import io
import itertools
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import url_for
from icalendar import Calendar
from openpyxl import load_workbook

from lms.accounts import activation
from lms.accounts.models import User
from lms.catalogue.models import Module, ModuleVersion
from lms.classes import services as classes
from lms.classes.models import TrainingSession
from lms.core import audit
from lms.core import clock as app_clock
from lms.core.permissions import Role
from lms.extensions import db
from lms.needs import services as needs
from lms.needs.models import Competency
from lms.org.models import IMPORT_DONE, OrgUnit, Position, RosterImport
from lms.reports import services as reports
from lms.testing.courses import sync, write_course

# What a spreadsheet program reads as the start of a formula.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
FORMAT_ARGUMENT = re.compile(r"<any\(([^)]*)\):(\w+)>")
DOWNLOAD_HINT = re.compile(r"export|sheet|csv|xlsx|\.ics", re.IGNORECASE)

# Who downloads each export, and which object of the hostile world its URL arguments name.
DOWNLOADS = {
    "reports.export": ("admin", {"unit_id": "city_id"}),
    "reports.gradebook_export": ("admin", {"unit_id": "city_id"}),
    "needs.report_export": ("admin", {}),
    "classes.attendance_sheet": ("trainer", {"session_id": "session_id"}),
    "certificates.transcript_csv": ("learner", {}),
    "admin.roster_template": ("admin", {}),
    "admin.roster_links": ("admin", {"import_id": "job_id"}),
    "admin.roster_audit_links": ("admin", {"import_id": "audit_id"}),
    "classes.session_ics": ("learner", {"session_id": "session_id"}),
    "classes.feed": (None, {"token": "feed_token"}),
}
NOT_TABLES = {
    "accounts.personal_data_export": "a person's data as a ZIP, tested in tests/accounts",
    "authoring.module_export": "a module's plugin folder as a zip, tested in tests/authoring",
}


def hostile(kind: str, trigger: str) -> str:
    """Stored text of ``kind`` that would run as a formula, with an escape, a bell and a
    line break in it; ``kind`` marks where it came from."""
    return f'{trigger}HYPERLINK("http://evil.example/{kind}","Mở")\x1b\x07\n<b>{kind}</b>'


KINDS = (
    "city",
    "ward",
    "position",
    "learner",
    "colleague",
    "module",
    "session",
    "venue",
    "competency",
    "invited",
)
PLANTED = {kind: hostile(kind, trigger) for kind, trigger in zip(KINDS, TRIGGERS, strict=True)}
KIND_IN = re.compile(r"evil\.example/(\w+)")


@pytest.fixture
def world(app, factory, clock, tmp_path):
    """A city and a ward, a position requiring a module, a learner who completed it (a
    certificate) and holds a place in a session, a trainer, a manager, a target, a needs
    standard, an applied roster import; then hostile text in every name and title."""
    write_course(tmp_path / "courses", "hostile-course", lessons=1)
    sync(app, tmp_path / "courses")
    city = factory.unit(kind="city", code="HX")
    ward = factory.unit(parent=city, kind="ward", code="HX-W")
    position = factory.position(code="HXPOS")
    learner = factory.user(username="learner")
    colleague = factory.user(username="colleague")
    for person in (learner, colleague):
        factory.assignment(person, position, ward)
    factory.curriculum_item(position, "hostile-course")
    factory.complete_lessons(learner, "hostile-course")
    trainer = factory.user(roles=[Role.TRAINER], username="trainer")
    admin = factory.user(roles=[Role.ADMIN], username="admin")
    with app.app_context():
        acting = db.session.get(User, admin.id)
        module = db.session.scalar(sa.select(Module).where(Module.slug == "hostile-course"))
        reports.create_target(
            acting,
            unit=db.session.get(OrgUnit, city.id),
            position=db.session.get(Position, position.id),
            module=module,
            percent=90,
            due_on=app_clock.today() + timedelta(days=30),
        )
        needs.load_framework()
        needs.set_standards(acting, db.session.get(Position, position.id), {"DG.1": 3})
        session = factory.training_session(trainer, enrolled=[learner])
        invited = activation.create_invited_user(acting, username="invited", full_name="Mời")
        job = RosterImport(
            actor_id=admin.id, status=IMPORT_DONE, report={"created_user_ids": [invited.id]}
        )
        db.session.add(job)
        entry = audit.record(acting, "roster.imported", job, created_user_ids=[invited.id])
        feed_token = classes.calendar_token(db.session.get(User, learner.id))
        _plant(
            {"city": city.id, "ward": ward.id},
            {"learner": learner.id, "colleague": colleague.id, "invited": invited.id},
            position_id=position.id,
            module_id=module.id,
            session_id=session.id,
        )
        db.session.commit()
        ids = SimpleNamespace(
            city_id=city.id,
            session_id=session.id,
            job_id=job.id,
            audit_id=entry.id,
            feed_token=feed_token,
        )
    return SimpleNamespace(ids=ids, learner=learner, trainer=trainer, admin=admin)


def _plant(units: dict, people: dict, *, position_id, module_id, session_id) -> None:
    for kind, unit_id in units.items():
        unit = db.session.get(OrgUnit, unit_id)
        unit.name_vi = unit.name_en = PLANTED[kind]
    for kind, user_id in people.items():
        db.session.get(User, user_id).full_name = PLANTED[kind]
    position = db.session.get(Position, position_id)
    position.name_vi = position.name_en = PLANTED["position"]
    for version in db.session.scalars(
        sa.select(ModuleVersion).where(ModuleVersion.module_id == module_id)
    ):
        title = {"vi": PLANTED["module"], "en": PLANTED["module"]}
        version.manifest = {**version.manifest, "title": title}
    session = db.session.get(TrainingSession, session_id)
    session.title_vi = session.title_en = PLANTED["session"]
    session.venue = PLANTED["venue"]
    for competency in db.session.scalars(sa.select(Competency)):
        competency.name_vi = competency.name_en = PLANTED["competency"]


def download_rules(app) -> list:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and (DOWNLOAD_HINT.search(rule.rule) or DOWNLOAD_HINT.search(rule.endpoint))
    ]


def test_every_download_url_is_covered(app):
    found = {rule.endpoint for rule in download_rules(app)}
    assert found >= {"reports.export", "classes.attendance_sheet", "classes.feed"}
    missing = found - DOWNLOADS.keys() - NOT_TABLES.keys()
    assert not missing, f"downloads this test does not open; add them to DOWNLOADS: {missing}"
    assert not DOWNLOADS.keys() - found, "DOWNLOADS names an endpoint that is gone"


def download_urls(app, ids) -> list[tuple[str, str]]:
    """(who, URL) of every download, in every format its URL offers."""
    urls = []
    with app.test_request_context():
        for rule in download_rules(app):
            if rule.endpoint in NOT_TABLES:
                continue
            who, names = DOWNLOADS[rule.endpoint]
            values = {argument: getattr(ids, names[argument]) for argument in names}
            found = FORMAT_ARGUMENT.findall(rule.rule)
            choices = {name: items.split(", ") for items, name in found}
            unknown = rule.arguments - values.keys() - choices.keys()
            if unknown:
                pytest.fail(f"{rule.rule}: no value for {unknown}; add it to DOWNLOADS")
            for combination in itertools.product(*choices.values()):
                chosen = dict(zip(choices, combination, strict=True))
                arguments = {k: v for k, v in values.items() if k in rule.arguments}
                urls.append((who, url_for(rule.endpoint, **arguments, **chosen)))
    return urls


def assert_safe_text(text: str, where: str) -> None:
    assert not UNPRINTABLE.search(text), (where, text)


def check_csv(body: bytes, url: str, seen: set) -> None:
    assert body.startswith("\ufeff".encode()), url
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")):
        for cell in row:
            assert_safe_text(cell, url)
            if cell.startswith(TRIGGERS):
                float(cell)  # a number is the only thing that may start like a formula
            seen.update(KIND_IN.findall(cell))


def check_xlsx(body: bytes, url: str, seen: set) -> None:
    book = load_workbook(io.BytesIO(body))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert_safe_text(cell.value, url)
                    if cell.value.startswith(TRIGGERS):
                        assert cell.quotePrefix, (url, cell.coordinate, cell.value)
                    seen.update(KIND_IN.findall(cell.value))


def check_ics(body: bytes, url: str, seen: set) -> None:
    assert not re.search(rb"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]", body), url
    assert b"\n" not in body.replace(b"\r\n", b""), "a line break only ends a content line"
    events = Calendar.from_ical(body).walk("VEVENT")
    assert events, url
    for event in events:
        for text in (str(event["summary"]), str(event.get("location", ""))):
            assert_safe_text(text, url)
            seen.update(KIND_IN.findall(text))


def test_every_download_is_safe_with_hostile_stored_text(app, world, login_as):
    clients = {None: app.test_client()}
    for who in ("admin", "trainer", "learner"):
        clients[who] = app.test_client()
        login_as(clients[who], getattr(world, who))
    seen = {"csv": set(), "xlsx": set(), "ics": set()}
    urls = download_urls(app, world.ids)
    assert len(urls) >= 30
    for who, url in urls:
        response = clients[who].get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = response.get_data()
        if response.mimetype == "text/csv":
            check_csv(body, url, seen["csv"])
        elif response.mimetype == "text/calendar":
            check_ics(body, url, seen["ics"])
        else:
            assert response.mimetype.endswith("spreadsheetml.sheet"), (url, response.mimetype)
            check_xlsx(body, url, seen["xlsx"])
    # Every kind of planted text reached the downloads (so each was checked): the session's
    # title is the XLSX sheet's caption, the invited names are in a CSV only.
    tabular = set(KINDS) - {"venue", "session", "invited"}
    assert seen["csv"] == tabular | {"invited"}
    assert seen["xlsx"] == tabular | {"session"}
    assert seen["ics"] == {"session", "venue"}
