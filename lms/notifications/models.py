"""In-app notifications and the e-mails sent for them."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import Base

ASSIGNED = "assigned"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
RENEWAL_OPEN = "renewal_open"
CERTIFICATE_ISSUED = "certificate_issued"
# Training sessions (lms.classes).
SESSION_ENROLLED = "enrolled"
SESSION_PROMOTED = "promoted"
SESSION_CHANGED = "session_changed"
SESSION_REMINDER = "session_reminder"
# Accounts: the link a person asked for to choose a new password.
PASSWORD_RESET = "password_reset"  # noqa: S105  (a kind of notification, not a password)
KINDS = (
    ASSIGNED,
    DUE_SOON,
    OVERDUE,
    RENEWAL_OPEN,
    CERTIFICATE_ISSUED,
    SESSION_ENROLLED,
    SESSION_PROMOTED,
    SESSION_CHANGED,
    SESSION_REMINDER,
    PASSWORD_RESET,
)

# E-mail delivery of a notification.
EMAIL_PENDING = "pending"  # to be sent: not tried yet, or tried and waiting to be tried again
EMAIL_SENT = "sent"
EMAIL_FAILED = "failed"  # given up after LMS_EMAIL_MAX_TRIES tries; email_error says why
EMAIL_SKIPPED = "skipped"  # e-mail is off, or the person has no address


class Notification(Base):
    """One event told to one person. ``event_key`` names the event (the kind, the object
    and, where an event can recur, its date), so telling it twice makes no second row."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    event_key: Mapped[str] = mapped_column(sa.String(120))
    # What the message is made of (module title per language, due date, serial, link).
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    email_status: Mapped[str] = mapped_column(sa.String(16))
    # The last try and what went wrong in it (None once sent).
    email_attempted_at: Mapped[datetime | None]
    email_error: Mapped[str | None] = mapped_column(sa.String(500))
    email_tries: Mapped[int] = mapped_column(default=0, server_default="0")
    # A pending e-mail that failed is not tried again before this time (back-off).
    email_next_attempt_at: Mapped[datetime | None]
    # Which sender holds a pending e-mail while sending it, and until when: the claim of
    # SQLite, which has no row locks (PostgreSQL locks the row instead, FOR UPDATE SKIP
    # LOCKED). A claim past its time is void: its sender died.
    email_claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    email_claimed_until: Mapped[datetime | None]

    __table_args__ = (
        sa.UniqueConstraint("user_id", "event_key"),
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        # Senders walk the pending ones oldest first.
        sa.Index("ix_notifications_email_status", "email_status", "id"),
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name="known_kind"),
    )
