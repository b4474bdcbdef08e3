"""The roster import on the job queue: the import task, and its recovery when a worker died."""

from datetime import timedelta

from lms.core import clock, jobs
from lms.org import roster
from lms.org.models import IMPORT_FAILED


@jobs.task("org.import_roster")
def import_roster(job_id: int) -> None:
    """Run (or resume) the roster import job ``job_id``; one worker at a time holds it."""
    seconds = roster.stale_after().total_seconds()
    with jobs.lease(f"org.import_roster.{job_id}", seconds) as lease:
        if roster.run_job(job_id, heartbeat=lease.renew) == IMPORT_FAILED:
            jobs.record_failure(import_roster.name)  # recorded on the job, with its reason


@jobs.periodic(
    "org.resume_imports",
    jobs.crontab(),
    lease=timedelta(minutes=5),
    keep=timedelta(seconds=30),
    at_start=True,
)
def resume_imports() -> int:
    """Enqueue again each unfinished import that is silent, or will be before the next run
    of this task, for when its runner will count as dead: a job whose worker died goes on
    from its last committed chunk. A job heard from again by then is left to its runner
    (``run_job`` takes over only a silent one). Returns how many were enqueued."""
    horizon = clock.now() + timedelta(seconds=70)
    due = [(job_id, at) for job_id, at in roster.unfinished_jobs() if at <= horizon]
    for job_id, at in due:
        import_roster.schedule(job_id, eta=at)
    return len(due)
