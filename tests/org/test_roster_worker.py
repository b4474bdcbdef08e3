"""The roster import on a real job worker (``lms worker``, a process of its own, on a SQLite
instance): killed with SIGKILL in the middle of a 5,000-row import and started again, it ends
with every row imported exactly once."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from lms import create_app
from lms.accounts.models import User
from lms.core.models import AuditEntry
from lms.core.permissions import Role
from lms.extensions import db
from lms.org import jobs, roster
from lms.org.models import PositionAssignment, RosterImport
from lms.testing.factories import Factories

ROWS = 5000
HEADER = "username,full_name,email,unit_code,position_codes,start_date,roles"
SECRET_KEY = "worker-tests-only-secret-key-long-enough-for-production"
# A job silent for this long counts as dead (120 s in production): the test waits no longer.
STALE_SECONDS = 6


def environment(instance: Path) -> dict:
    return {
        **os.environ,
        "LMS_INSTANCE_PATH": str(instance),
        "LMS_DATABASE_URL": f"sqlite:///{instance / 'lms.sqlite3'}",
        "LMS_SECRET_KEY": SECRET_KEY,
        "LMS_JOBS_STALE_SECONDS": str(STALE_SECONDS),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[2]), *sys.path])),
    }


def start_worker(instance: Path, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", "from lms.cli import main; main()", "worker", "--workers", "1"]
    with log.open("ab") as output:
        return subprocess.Popen(
            command, env=environment(instance), stdout=output, stderr=subprocess.STDOUT
        )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def progress(instance: Path, job_id: int) -> tuple[str, int]:
    """The job's status and rows done, read without waiting for the worker's write lock
    (SQLite in WAL mode: readers never wait)."""
    with sqlite3.connect(instance / "lms.sqlite3", timeout=30) as connection:
        query = "SELECT status, rows_done FROM roster_imports WHERE id = ?"
        return connection.execute(query, (job_id,)).fetchone()


def wait_for(instance: Path, job_id: int, until, what: str, seconds: float, log: Path):
    deadline = time.monotonic() + seconds
    while True:
        status, done = progress(instance, job_id)
        if until(status, done):
            return status, done
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s; the worker's log:\n{log.read_text()[-4000:]}")
        time.sleep(0.05)


@pytest.fixture
def instance(tmp_path):
    """An instance folder with its SQLite database built by the migrations, and an app on it
    whose job queue is the instance's, as the worker's is."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lms.sqlite3'}",
            "LMS_INSTANCE_PATH": str(tmp_path),
            "LMS_JOBS_STALE_SECONDS": STALE_SECONDS,
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_worker_killed_mid_import_and_started_again_imports_every_row_once(instance, tmp_path):
    app = instance
    factory = Factories(app)
    factory.unit(kind="commune", code="W-AD")
    factory.position(code="W-POS")
    admin = factory.user(roles=[Role.ADMIN], username="worker.admin", locale="en")
    rows = [f"w{n:04d},Người Số {n},,W-AD,W-POS,2026-03-01," for n in range(ROWS)]
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    with app.test_request_context():
        actor = db.session.get(User, admin.id)
        job_id = roster.queue_job(actor, data, source="big.csv", total_rows=ROWS).id
        db.session.commit()
        jobs.import_roster.enqueue(job_id)  # onto the instance's queue, jobs.sqlite3

    log = tmp_path / "worker.log"
    worker = start_worker(tmp_path, log)
    try:
        wait_for(tmp_path, job_id, lambda _status, done: done > 0, "no chunk committed", 90, log)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        stop(worker)
    with app.app_context():
        job = db.session.get(RosterImport, job_id)
        killed_at = job.rows_done
        assert job.status == "running" and 0 < killed_at < ROWS
        people = sa.select(sa.func.count(User.id)).where(User.id != admin.id)
        assert db.session.scalar(people) == killed_at  # the chunk it was applying is gone

    worker = start_worker(tmp_path, log)
    try:
        finished = ("done", "failed")
        wait_for(tmp_path, job_id, lambda status, _done: status in finished, "no end", 600, log)
    finally:
        stop(worker)
    assert f"resumes after row {killed_at}" in log.read_text()
    with app.app_context():
        job = db.session.get(RosterImport, job_id)
        assert (job.status, job.rows_done, job.total_rows) == ("done", ROWS, ROWS)
        assert job.counts == {"created": ROWS, "updated": 0, "unchanged": 0, "error": 0}
        assert len(set(job.report["created_user_ids"])) == ROWS
        usernames = db.session.scalars(sa.select(User.username).where(User.id != admin.id))
        assert sorted(usernames) == sorted(row.split(",")[0] for row in rows)
        assignments = sa.select(sa.func.count(PositionAssignment.id))
        assert db.session.scalar(assignments) == ROWS
        audit = sa.select(AuditEntry).where(AuditEntry.action == "roster.imported")
        entry = db.session.scalars(audit).one()
        assert entry.details["created"] == ROWS and entry.object_id == job_id
