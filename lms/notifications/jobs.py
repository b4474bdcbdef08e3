"""Pending e-mail, sent by the job queue every minute when e-mail is on (``lms notifications
send-email`` runs the same code in the foreground)."""

from datetime import timedelta

from lms.core import jobs
from lms.extensions import db
from lms.notifications import services


@jobs.periodic(
    "notifications.send_email",
    jobs.crontab(),
    lease=timedelta(minutes=15),
    keep=timedelta(seconds=30),
)
def send_email() -> tuple[int, int]:
    """Send the e-mail of pending notifications; returns (sent, failed). Nothing when
    e-mail is off (no ``LMS_SMTP_HOST``). Commits."""
    if not services.email_enabled():
        return 0, 0
    sent, failed = services.send_pending_email()
    db.session.commit()
    return sent, failed
