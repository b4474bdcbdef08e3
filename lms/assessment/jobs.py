"""Quiz attempts whose time ran out, finished on the job queue every five minutes (``lms
quizzes close-overdue`` runs the same code in the foreground)."""

from datetime import timedelta

from lms.assessment.services import finish_overdue
from lms.core import clock, jobs
from lms.extensions import db
from lms.plugins import registry


@jobs.periodic(
    "assessment.close_overdue",
    jobs.crontab(minute="*/5"),
    lease=timedelta(minutes=30),
    keep=timedelta(minutes=2),
)
def close_overdue() -> int:
    """Finish every attempt whose time ran out, grading what was saved before the deadline;
    returns how many. Commits."""
    finished = finish_overdue(registry().question_types, clock.now())
    db.session.commit()
    return finished
