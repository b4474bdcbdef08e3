"""Accounts' tasks: the password-reset e-mail, looked up off the request so the answer to
the visitor takes the same time whether or not an account matches; and the daily purge of
old sign-ins."""

from datetime import timedelta

from lms.accounts import password_reset, sessions
from lms.core import jobs
from lms.extensions import db


@jobs.task("accounts.send_password_reset")
def send_password_reset(identifier: str) -> bool:
    """Send a reset link to the account ``identifier`` names, if any; commits. Running it
    twice in one minute sends one e-mail."""
    sent = password_reset.request_link(identifier)
    db.session.commit()
    return sent


@jobs.periodic(
    "accounts.purge_sign_ins",
    jobs.crontab(hour="3", minute="10"),
    lease=timedelta(hours=1),
    keep=timedelta(minutes=5),
)
def purge_sign_ins() -> int:
    """Delete the sign-ins ended or unused for ``LMS_SIGN_IN_RETENTION_DAYS``; commits.
    Returns how many."""
    purged = sessions.purge_old_sign_ins()
    db.session.commit()
    return purged
