"""The daily run of the learning domain on the job queue (``lms assignments sync`` runs the
same code in the foreground)."""

from dataclasses import dataclass
from datetime import timedelta

from lms.core import clock, jobs
from lms.extensions import db
from lms.learning import assignments, bulk, summaries
from lms.learning.models import BULK_FAILED
from lms.legal import services as legal


@dataclass
class DayReport:
    sync: assignments.SyncResult
    told: int
    flags: legal.FlagCount


def sync_day() -> DayReport:
    """Bring everyone's assignments up to date, tell people what fell due, flag the modules
    that cite a legal instrument not in force today, and rebuild the dashboards' summary rows
    for the new day; commits. Idempotent."""
    today = clock.today()
    result = assignments.sync_everyone(today=today)
    told = assignments.notify_due_dates(today)
    flags = legal.refresh_flags(today)
    summaries.rebuild(today)
    db.session.commit()
    return DayReport(result, told, flags)


@jobs.periodic(
    "learning.daily_sync",
    jobs.crontab(hour="0", minute="5"),
    lease=timedelta(hours=20),
    keep=timedelta(hours=1),
)
def daily_sync() -> DayReport:
    """Soon after midnight, the site's time."""
    return sync_day()


@jobs.task("learning.bulk_assign")
def bulk_assign(job_id: int) -> None:
    """Run (or go on with) the bulk assignment ``job_id``; one worker at a time holds it."""
    with jobs.lease(f"learning.bulk_assign.{job_id}", 600) as lease:
        job = bulk.run_job(job_id, heartbeat=lease.renew)
        if job is not None and job.status == BULK_FAILED:
            jobs.record_failure(bulk_assign.name)  # recorded on the job, with its reason
