"""Uploads that cannot crash or exhaust the site: bodies over the site's limit get a 413 page
that says it (without the page reading the body again); roster files are refused by their
size, their zip directory, their line count or their reading time, and are read with no
transaction holding SQLite's write lock."""

import io
import queue
import sqlite3
import threading
import time
import tracemalloc

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from hostile_files import SHEET, shared_strings, shared_strings_bomb, workbook

from lms import create_app
from lms.core.permissions import Role
from lms.extensions import db
from lms.org import roster
from lms.org.models import RosterImport
from lms.testing.factories import Factories
from lms.testing.plugin import Client

MIB = 1024 * 1024


def test_anonymous_40_mb_sign_in_gets_a_413_page_naming_size_and_limit(client):
    client.submit("/language", {"locale": "en", "next": "/login"})
    response = client.post("/login", data={"username": "someone", "password": "x" * (40 * MIB)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "File too large" in page
    assert "The request is 40.0 MiB; the site accepts at most 32 MiB at a time." in page


def test_413_page_keeps_the_layout_of_a_signed_in_user(client, site, login_as):
    login_as(client, site.learner)
    response = client.post("/language", data={"file": (io.BytesIO(bytes(33 * MIB)), "big.bin")})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Tệp quá lớn" in page and "33,0 MiB" in page and "32 MiB" in page
    assert 'action="/logout"' in page and 'action="/language"' in page


def test_a_form_field_over_the_text_limit_is_told_apart_from_a_large_file(client):
    client.submit("/language", {"locale": "en", "next": "/login"})
    response = client.post(
        "/login",
        data={"username": "someone", "password": "x" * 600_000},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "more text than the site accepts (500 kB)" in response.get_data(as_text=True)


# --- HR rosters -----------------------------------------------------------------------------


@pytest.fixture
def hr(site, factory, client, login_as):
    """An administrator who reads the site in English, signed in (the tests' job queue runs
    an import within its upload request)."""
    admin = factory.user(roles=[Role.ADMIN], username="hr", locale="en")
    login_as(client, admin)
    return admin


def upload_roster(client, data: bytes, name: str = "roster.xlsx"):
    form = {"file": (io.BytesIO(data), name), "dry_run": "y"}
    return client.submit("/admin/roster", form, content_type="multipart/form-data")


def test_a_30_mb_roster_is_refused_naming_its_own_size_and_the_limit(client, hr):
    response = upload_roster(client, b"username," + bytes(30 * MIB), "roster.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The file is too large (30.0 MiB); the limit is 5 MiB." in page


def test_a_shared_strings_bomb_is_refused_from_the_zip_directory(app, client, hr):
    bomb = shared_strings_bomb(300)
    assert len(bomb) < MIB
    started = time.monotonic()
    response = upload_roster(client, bomb)
    assert time.monotonic() - started < 5
    assert response.status_code == 422
    assert "holds far more than a roster" in response.get_data(as_text=True)
    with app.test_request_context():
        tracemalloc.start()
        try:
            with pytest.raises(roster.RosterFileError):
                roster.read_roster(bomb)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 2 * MIB


def test_the_qualification_check_refuses_a_bomb_as_the_roster_import_does(
    site, client, factory, login_as
):
    """The qualification check's list of people is read by the roster's reader."""
    admin = factory.user(roles=[Role.ADMIN], username="hr.check", locale="en")
    login_as(client, admin)
    form = {
        "position": site.position.id,
        "on": "2026-06-01",
        "file": (io.BytesIO(shared_strings_bomb(300)), "people.xlsx"),
    }
    started = time.monotonic()
    response = client.submit("/reports/qualification", form, content_type="multipart/form-data")
    assert time.monotonic() - started < 5
    assert response.status_code == 422
    assert "holds far more than a roster" in response.get_data(as_text=True)
    big = {**form, "file": (io.BytesIO(b"username\n" + bytes(6 * MIB)), "people.csv")}
    response = client.submit("/reports/qualification", big, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "the limit is 5 MiB" in response.get_data(as_text=True)


def test_reading_a_roster_stops_at_its_time_budget(appctx, monkeypatch):
    """Short shared strings inside every size limit cost openpyxl the most time per byte."""
    monkeypatch.setitem(appctx.config, "LMS_ROSTER_PARSE_SECONDS", 0.5)
    slow = workbook(shared_strings(2, varied=True))  # 120,000 strings: seconds
    started = time.monotonic()
    with pytest.raises(roster.RosterFileError) as refused:
        roster.read_roster(slow)
    assert time.monotonic() - started < 2.5
    assert "kéo dài quá 0.5 giây" in str(refused.value.message)


def test_a_sheet_jumping_to_its_last_row_is_refused_by_its_line_count(appctx):
    last_row = '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    far = SHEET.replace("</sheetData>", f"{last_row}</sheetData>")
    started = time.monotonic()
    with pytest.raises(roster.RosterFileError) as refused:
        roster.read_roster(workbook(shared_strings(0), sheet=far))
    assert time.monotonic() - started < 5
    assert "hơn 40000 dòng, kể cả dòng trống" in str(refused.value.message)


def test_reading_a_roster_leaves_the_database_free_for_other_writers(tmp_path, monkeypatch):
    """SQLite, a file built by the migrations: while the upload request and then the job
    parse the file, another connection writes at once instead of waiting for the lock."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "parse-lock-test-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lock.sqlite3'}",
            "LMS_INSTANCE_PATH": str(tmp_path),
            "LMS_JOBS_IMMEDIATE": True,
            "LMS_SECOND_FACTOR_REQUIRED": [],  # the admin signs in with a password alone
        }
    )
    app.test_client_class = Client
    with app.app_context():
        upgrade()
    factory = Factories(app)
    factory.unit(kind="commune", code="L-AD")
    factory.position(code="L-POS")
    admin = factory.user(roles=[Role.ADMIN], username="lock.admin")
    parsing, go_on = queue.Queue(), queue.Queue()
    original = roster.read_roster

    def read_slowly(data):
        parsing.put("parsing")
        go_on.get(timeout=30)
        return original(data)

    monkeypatch.setattr(roster, "read_roster", read_slowly)
    data = (
        "username,full_name,unit_code,position_codes,start_date\nl.one,Lê Một,L-AD,L-POS,2026-03-01"
    )
    client = app.test_client()
    responses = []
    try:
        client.submit("/login", {"username": admin.username, "password": admin.test_password})
        form = {
            "file": (io.BytesIO(data.encode()), "roster.csv"),
            "csrf_token": client.csrf_token(),
        }
        request = threading.Thread(
            target=lambda: responses.append(
                client.post("/admin/roster", data=form, content_type="multipart/form-data")
            )
        )
        request.start()
        for _parse in ("in the request", "in the job"):
            assert parsing.get(timeout=30) == "parsing"
            writer = sqlite3.connect(tmp_path / "lock.sqlite3", timeout=1, isolation_level=None)
            try:
                writer.execute("BEGIN IMMEDIATE")
                writer.execute("UPDATE users SET full_name = 'Lê Khác' WHERE id = ?", (admin.id,))
                writer.execute("COMMIT")
            finally:
                writer.close()
                go_on.put("go on")
        request.join(timeout=30)
        assert responses[0].status_code == 302
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with app.app_context():
                job = db.session.scalars(sa.select(RosterImport)).one()
                if job.status == "done":
                    break
            time.sleep(0.1)
        assert job.status == "done" and job.created_count == 1
    finally:
        go_on.put("go on")
        with app.app_context():
            db.engine.dispose()
