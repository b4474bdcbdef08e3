"""Applying a roster as a job: its life from queued to done or failed, its page (progress
moved by a script or reloaded by hand, then the results), interruption and resumption, links,
who may see it. The tests' job queue runs a job within its upload request; a real worker
process, killed and started again, is tests/org/test_roster_worker.py's."""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import undefer

from lms.accounts.models import User
from lms.core import signals
from lms.core.db import utcnow
from lms.core.models import AuditEntry
from lms.extensions import db
from lms.org import roster
from lms.org.models import RosterImport

HEADER = "username,full_name,email,unit_code,position_codes,start_date,roles"
ROSTER = (
    HEADER
    + "\njob.one,Vũ Thị Một,,HP-HB-1C,ONE_STOP_T,01/03/2026,"
    + "\njob.two,Bùi Văn Hai,,HP-AD,ONE_STOP_T,2026-03-01,"
    + "\njob.bad,Lỗi Đơn Vị,,NOWHERE,ONE_STOP_T,2026-03-01,"
    + "\njob.three,Đỗ Thị Ba,,HP-AD,ONE_STOP_T,2026-03-01,\n"
).encode()
# The progress script, under its content-hashed name (lms/core/static.py).
PROGRESS_SCRIPT = "js/roster-job."


def queue(app, admin, data: bytes = ROSTER, *, total=4) -> int:
    """A queued job, committed and not started."""
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        job_id = roster.queue_job(actor, data, source="roster.csv", total_rows=total).id
        db.session.commit()
    return job_id


def run(app, job_id: int, **options) -> None:
    with app.test_request_context():
        roster.run_job(job_id, **options)


def job_row(app, job_id: int) -> RosterImport:
    with app.app_context():
        query = sa.select(RosterImport).where(RosterImport.id == job_id)
        job = db.session.scalars(query.options(undefer(RosterImport.data))).one()
        db.session.expunge(job)
        return job


def usernames(app, *names) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(User.username).where(User.username.in_(names))))


def test_job_goes_from_queued_through_running_to_done_with_counts(app, client, hr):
    job_id = queue(app, hr)
    job = job_row(app, job_id)
    assert (job.status, job.rows_done, job.total_rows, job.data) == ("queued", 0, 4, ROSTER)
    seen = []

    def watch(assignments, actor):
        current = db.session.get(RosterImport, job_id)
        seen.append((current.status, current.rows_done))

    signals.positions_assigned.connect(watch)
    try:
        run(app, job_id, every=1)
    finally:
        signals.positions_assigned.disconnect(watch)
    # Running while rows are applied, with the rows done committed one chunk at a time.
    assert seen == [("running", 0), ("running", 1), ("running", 3)]
    job = job_row(app, job_id)
    assert job.status == "done" and job.rows_done == 4
    assert job.counts == {"created": 3, "updated": 0, "unchanged": 0, "error": 1}
    assert job.data is None  # the file is not kept
    assert job.started_at <= job.heartbeat_at <= job.finished_at
    assert job.report["rows"][0]["username"] == "job.bad"  # errors first
    assert "Unknown unit code NOWHERE." in job.report["rows"][0]["messages"]
    assert len(job.report["created_user_ids"]) == 3
    assert usernames(app, "job.one", "job.two", "job.three", "job.bad") == {
        "job.one",
        "job.two",
        "job.three",
    }
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "roster.imported")
        ).one()
        assert (entry.object_type, entry.object_id, entry.actor_id) == (
            "roster_imports",
            job_id,
            hr.id,
        )
        assert entry.details["created"] == 3 and entry.details["error"] == 1
    run(app, job_id)  # a job runs once
    assert job_row(app, job_id).finished_at == job.finished_at


def test_progress_shows_on_the_page_and_as_json_while_the_job_runs(app, client, hr):
    job_id = queue(app, hr)
    url = f"/admin/roster/imports/{job_id}"
    waiting = client.get(url).get_data(as_text=True)
    assert PROGRESS_SCRIPT in waiting and "Show progress again" in waiting
    assert '<progress id="job-progress" max="4" value="0"' in waiting
    assert "0 of 4 rows processed" in waiting and 'class="stats"' not in waiting

    with app.app_context():
        db.session.get(RosterImport, job_id).status = "running"
        db.session.get(RosterImport, job_id).rows_done = 3200
        db.session.get(RosterImport, job_id).total_rows = 10000
        db.session.commit()
    running = client.get(url, headers={"Accept": "application/json"}).get_json()
    assert running == {
        "running": True,
        "done": 3200,
        "total": 10000,
        "text": "3,200 of 10,000 rows processed",
    }

    with app.app_context():
        job = db.session.get(RosterImport, job_id)
        job.status, job.rows_done, job.total_rows = "queued", 0, 4
        db.session.commit()
    run(app, job_id)
    assert client.get(url, headers={"Accept": "application/json"}).get_json()["running"] is False
    done = client.get(url).get_data(as_text=True)
    assert PROGRESS_SCRIPT not in done and "<progress" not in done
    stats = re.findall(r"<article><strong>(\d+)</strong>", done)
    assert stats == ["3", "0", "0", "1"]
    assert "1 row has an error" in done


def test_a_job_whose_file_cannot_be_read_fails_with_the_reason(app, client, hr):
    job_id = queue(app, hr, b"MZ\x90\x00" + bytes(range(256)))
    run(app, job_id)
    job = job_row(app, job_id)
    assert job.status == "failed" and job.finished_at is not None and job.data is None
    assert "neither an Excel workbook" in job.error
    page = client.get(f"/admin/roster/imports/{job_id}").get_data(as_text=True)
    assert PROGRESS_SCRIPT not in page
    assert "The import failed" in page and "neither an Excel workbook" in page


def test_an_unexpected_error_keeps_the_chunks_already_committed(app, client, hr, caplog):
    def explode(assignments, actor):
        if any(db.session.get(User, row.user_id).username == "job.two" for row in assignments):
            raise RuntimeError("disk full")

    job_id = queue(app, hr)
    signals.positions_assigned.connect(explode)
    try:
        run(app, job_id, every=1)
    finally:
        signals.positions_assigned.disconnect(explode)
    job = job_row(app, job_id)
    assert job.status == "failed" and job.rows_done == 1
    assert "RuntimeError: disk full" in job.error
    assert "Roster import job" in caplog.text and "disk full" in caplog.text  # logged
    assert usernames(app, "job.one", "job.two", "job.three") == {"job.one"}
    page = client.get(f"/admin/roster/imports/{job_id}").get_data(as_text=True)
    assert "1 of 4 rows were saved" in page
    links = client.get(f"/admin/roster/imports/{job_id}/links.csv")  # for job.one
    rows = list(csv.reader(io.StringIO(links.get_data().decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["job.one"]


@pytest.mark.parametrize("status", ["queued", "running"])
def test_a_job_not_heard_from_says_it_waits_for_a_worker_and_keeps_watching(
    app, client, hr, status
):
    job_id = queue(app, hr)
    with app.app_context():
        job = db.session.get(RosterImport, job_id)
        job.status = status
        job.heartbeat_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    page = client.get(f"/admin/roster/imports/{job_id}").get_data(as_text=True)
    assert PROGRESS_SCRIPT in page and "waiting for a worker" not in page
    with app.app_context():
        db.session.get(RosterImport, job_id).heartbeat_at = utcnow() - timedelta(minutes=3)
        db.session.commit()
    page = client.get(f"/admin/roster/imports/{job_id}").get_data(as_text=True)
    assert "The import is waiting for a worker" in page
    assert "It goes on from where it stopped as soon as a job worker" in page
    assert PROGRESS_SCRIPT in page  # and the page goes on watching
    as_json = client.get(f"/admin/roster/imports/{job_id}", headers={"Accept": "application/json"})
    assert as_json.get_json()["running"] is True


class Killed(BaseException):
    """What a worker killed in the middle of a chunk leaves: nothing of that chunk."""


def test_a_job_whose_worker_died_resumes_after_its_last_chunk_applying_each_row_once(
    app, client, hr
):
    rows = [f"r{n:02d},Người Số {n},,HP-AD,ONE_STOP_T,2026-03-01," for n in range(10)]
    data = (
        "\n".join([HEADER, *rows[:4], "r.bad,Lỗi,,NOWHERE,ONE_STOP_T,2026-03-01,", *rows[4:]])
        + "\n"
    ).encode()
    job_id = queue(app, hr, data, total=11)
    assigned = []

    def die_at_the_seventh(assignments, actor):
        assigned.extend(row.user_id for row in assignments)
        if len(assigned) >= 7:
            raise Killed

    signals.positions_assigned.connect(die_at_the_seventh)
    try:
        with pytest.raises(Killed):
            run(app, job_id, every=3)
    finally:
        signals.positions_assigned.disconnect(die_at_the_seventh)
    with app.app_context():
        db.session.rollback()  # the dead worker's open chunk
    job = job_row(app, job_id)
    # Rows 1-6 (r00-r03, r.bad, r04) were committed in two chunks; r05 and r06 were not.
    assert (job.status, job.rows_done) == ("running", 6)
    assert job.counts == {"created": 5, "updated": 0, "unchanged": 0, "error": 1}
    run(app, job_id)  # heard from just now: left to its runner
    assert job_row(app, job_id).rows_done == 6
    with app.app_context():
        db.session.get(RosterImport, job_id).heartbeat_at = utcnow() - timedelta(minutes=3)
        db.session.commit()
    run(app, job_id)
    job = job_row(app, job_id)
    assert (job.status, job.rows_done) == ("done", 11)
    assert job.counts == {"created": 10, "updated": 0, "unchanged": 0, "error": 1}
    assert [row["username"] for row in job.report["rows"]][:2] == ["r.bad", "r00"]
    assert len(job.report["rows"]) == 11 and len(set(job.report["created_user_ids"])) == 10
    with app.app_context():
        made = db.session.scalar(sa.select(sa.func.count(User.id)).where(User.username.like("r0%")))
        assert made == 10
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "roster.imported")
        ).one()
        assert entry.details["created"] == 10 and entry.details["rows"] == 11


def test_activation_links_of_a_job(app, client, hr):
    response = client.submit(
        "/admin/roster",
        {"file": (io.BytesIO(ROSTER), "roster.csv")},
        content_type="multipart/form-data",
    )
    page = client.get(response.location).get_data(as_text=True)
    links_url = re.search(r'href="(/admin/roster/imports/\d+/links\.csv)"', page).group(1)
    download = client.get(links_url)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == ["job.one", "job.three", "job.two"]
    assert all(row[2].startswith("http://localhost/account/activate/") for row in rows[1:])


def test_cli_import_links_are_downloadable_from_the_address_it_prints(
    app, client, hr, tmp_path, monkeypatch
):
    source = tmp_path / "roster.csv"
    source.write_bytes(ROSTER)
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    result = app.test_cli_runner().invoke(args=["users", "import", str(source)])
    path = re.search(r"http://127\.0\.0\.1:\d+(/admin/roster/audit/\d+/links\.csv)", result.output)
    download = client.get(path.group(1))
    assert download.status_code == 200
    assert download.get_data().decode("utf-8-sig").count("/account/activate/") == 3


def test_unknown_job_is_not_found(client, hr):
    assert client.get("/admin/roster/imports/999999").status_code == 404
    assert client.get("/admin/roster/imports/999999/links.csv").status_code == 404
    assert client.get("/admin/roster/audit/999999/links.csv").status_code == 404


def test_managers_may_not_see_a_job(app, client, site, hr, login_as):
    job_id = queue(app, hr)
    run(app, job_id)
    client.submit("/logout")
    login_as(client, site.manager)
    assert client.get(f"/admin/roster/imports/{job_id}").status_code == 403
    assert client.get(f"/admin/roster/imports/{job_id}/links.csv").status_code == 403
