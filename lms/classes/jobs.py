"""Reminders of training sessions on the job queue, hourly (``lms classes remind`` runs the
same code in the foreground)."""

from datetime import timedelta

from lms.classes import services
from lms.core import jobs
from lms.extensions import db


def remind(hours: int = 24) -> int:
    """Remind the people enrolled of the time slots starting within ``hours`` (once per
    person and slot); returns how many were told. Commits."""
    told = services.send_reminders(ahead=timedelta(hours=hours))
    db.session.commit()
    return told


@jobs.periodic(
    "classes.remind",
    jobs.crontab(minute="0"),
    lease=timedelta(hours=2),
    keep=timedelta(minutes=30),
)
def hourly_reminders() -> int:
    return remind()
