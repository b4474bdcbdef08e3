"""The job queue (lms/core/jobs.py): where it lives, periodic tasks run once however many
workers enqueue them, leases a dead worker left are taken over, its metrics, and two real
``lms worker`` processes started at once running a periodic task once."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey
from prometheus_client.parser import text_string_to_metric_families

from lms import create_app
from lms.core import jobs
from lms.extensions import db
from lms.org import jobs as org_jobs
from lms.testing.plugin import testing_config as settings_for

SEND_EMAIL = "notifications.send_email"


@pytest.fixture
def queued_app(tmp_path):
    """An app whose tasks go to the instance folder's SQLite queue, as in production."""
    settings = settings_for(f"sqlite:///{tmp_path / 'lms.sqlite3'}", tmp_path)
    app = create_app({**settings, "LMS_JOBS_IMMEDIATE": False})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_queue_is_sqlite_in_the_instance_folder_unless_redis_is_configured(tmp_path):
    settings = settings_for(f"sqlite:///{tmp_path / 'lms.sqlite3'}", tmp_path)
    app = create_app({**settings, "LMS_JOBS_IMMEDIATE": False})
    assert not (tmp_path / "jobs.sqlite3").exists()  # building an app opens nothing
    assert isinstance(jobs.queue(app).huey, SqliteHuey)
    assert (tmp_path / "jobs.sqlite3").exists()
    redis = create_app(
        {**settings, "LMS_JOBS_IMMEDIATE": False, "LMS_REDIS_URL": "redis://127.0.0.1:6379/15"}
    )
    assert isinstance(jobs.queue(redis).huey, RedisHuey)


def test_every_domains_task_is_on_the_queue(app):
    assert sorted(jobs.queue(app).tasks) == [
        "accounts.purge_sign_ins",
        "accounts.send_password_reset",
        "assessment.close_overdue",
        "classes.remind",
        "learning.bulk_assign",
        "learning.daily_sync",
        "needs.refresh",
        "notifications.send_email",
        "org.import_roster",
        "org.resume_imports",
        "xapi.send",
    ]


def test_a_periodic_task_enqueued_twice_runs_once_then_again_next_time(queued_app):
    run = jobs.queue(queued_app).bound[SEND_EMAIL].call_local
    assert run() == (0, 0)  # e-mail is off: nothing to send, but it ran
    assert run() is None  # the same run, enqueued by a second worker's scheduler
    lock = jobs._Lease(jobs.queue(queued_app).huey, SEND_EMAIL, 60)
    lock.release()  # the 30 s it keeps the run to itself have passed
    assert run() == (0, 0)


def test_a_lease_a_dead_worker_left_is_taken_over_once_it_expires(queued_app):
    huey = jobs.queue(queued_app).huey
    dead = jobs._Lease(huey, "a.task", 0.2)
    assert dead.acquire()  # and its worker is killed: the lease is never released
    other = jobs._Lease(huey, "a.task", 60)
    assert not other.acquire()
    time.sleep(0.3)
    assert other.acquire()
    assert not jobs._Lease(huey, "a.task", 60).acquire()
    other.release()
    assert jobs._Lease(huey, "a.task", 60).acquire()


def test_a_lease_is_not_taken_while_its_holder_renews_it(queued_app):
    huey = jobs.queue(queued_app).huey
    holder = jobs._Lease(huey, "roster", 0.3)
    assert holder.acquire()
    for _chunk in range(3):
        time.sleep(0.15)
        holder.renew()
        assert not jobs._Lease(huey, "roster", 0.3).acquire()


def _samples(exposition: str) -> dict:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def test_metrics_show_the_queue_depth_and_the_failed_tasks(queued_app):
    with queued_app.test_request_context():
        org_jobs.import_roster.schedule(4, eta=datetime(2099, 1, 1, tzinfo=UTC))
        for job_id in (1, 2, 3):
            org_jobs.import_roster.enqueue(job_id)
    client = queued_app.test_client()

    def scraped() -> dict:
        return _samples(client.get("/metrics").get_data(as_text=True))

    queued = ("lms_job_queue_depth", frozenset({("state", "queued")}))
    scheduled = ("lms_job_queue_depth", frozenset({("state", "scheduled")}))
    failed = ("lms_job_failures_total", frozenset({("task", "org.import_roster")}))
    samples = scraped()
    assert (samples[queued], samples[scheduled], samples[failed]) == (4, 0, 0)
    huey = jobs.queue(queued_app).huey
    huey.execute(huey.dequeue())  # as a worker does: the one for 2099 goes to the schedule
    samples = scraped()
    assert (samples[queued], samples[scheduled], samples[failed]) == (3, 1, 0)
    huey.execute(huey.dequeue())  # this database has no tables: the import fails
    samples = scraped()
    assert (samples[queued], samples[scheduled], samples[failed]) == (2, 1, 1)


def test_the_foreground_commands_run_the_periodic_tasks_code(app):
    result = app.test_cli_runner().invoke(args=["quizzes", "close-overdue"])
    assert result.exit_code == 0 and "overdue attempt(s) closed" in result.output
    result = app.test_cli_runner().invoke(args=["needs", "refresh"])
    assert result.exit_code == 0 and "Gaps stored:" in result.output


# --- real workers --------------------------------------------------------------------------


def test_two_workers_started_at_once_run_a_periodic_task_once(tmp_path):
    """Each worker's scheduler enqueues the every-minute e-mail task as it starts (both into
    the instance's one queue); the lease lets one run it."""
    from flask_migrate import upgrade

    settings = settings_for(f"sqlite:///{tmp_path / 'lms.sqlite3'}", tmp_path)
    app = create_app(settings)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    environment = {
        **os.environ,
        "LMS_INSTANCE_PATH": str(tmp_path),
        "LMS_DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
        "LMS_SECRET_KEY": "two-workers-test-only-secret-key-long-enough",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), *sys.path]),
    }
    command = [sys.executable, "-c", "from lms.cli import main; main()", "worker"]
    logs = [tmp_path / f"worker{n}.log" for n in (1, 2)]
    workers = []
    for log in logs:
        with log.open("wb") as output:
            workers.append(subprocess.Popen(command, env=environment, stdout=output, stderr=output))

    def said(text: str) -> int:
        return sum(log.read_text().count(text) for log in logs)

    try:
        deadline = time.monotonic() + 120
        while said(f"{SEND_EMAIL} done") + said(f"{SEND_EMAIL} not run") < 2:
            assert time.monotonic() < deadline, [log.read_text() for log in logs]
            time.sleep(0.1)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    assert said("Huey consumer started") == 2
    assert said(f"{SEND_EMAIL} done") == 1
    assert said(f"{SEND_EMAIL} not run: another worker holds it") == 1
