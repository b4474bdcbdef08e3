"""Read-side queries of notifications for the admin screens."""

import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.notifications.models import EMAIL_FAILED, EMAIL_PENDING, Notification

# The states of e-mail that did not go out at the first try.
GIVEN_UP = "given_up"
RETRYING = "retrying"


def undelivered_email(state: str | None = None) -> sa.Select:
    """(notification, recipient) rows of e-mail that failed and is not sent: given up
    (``GIVEN_UP``), waiting for its next try (``RETRYING``), or both (None); the latest
    tried first."""
    given_up = Notification.email_status == EMAIL_FAILED
    retrying = sa.and_(Notification.email_status == EMAIL_PENDING, Notification.email_tries > 0)
    condition = {GIVEN_UP: given_up, RETRYING: retrying}.get(state, sa.or_(given_up, retrying))
    return (
        sa.select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(condition)
        .order_by(Notification.email_attempted_at.desc(), Notification.id.desc())
    )


def email_counts() -> dict[str, int]:
    """How many e-mails wait for their first try, are to be tried again, and were given up."""
    pending = Notification.email_status == EMAIL_PENDING
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(pending, Notification.email_tries == 0),
            sa.func.count().filter(pending, Notification.email_tries > 0),
            sa.func.count().filter(Notification.email_status == EMAIL_FAILED),
        ).where(Notification.email_status.in_([EMAIL_PENDING, EMAIL_FAILED]))
    ).one()
    return {"waiting": row[0], RETRYING: row[1], GIVEN_UP: row[2]}
