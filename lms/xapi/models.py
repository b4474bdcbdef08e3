"""The xAPI outbox: each statement as it was written, and its delivery to each store."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import Base

PENDING = "pending"  # to be sent: not tried yet, or tried and waiting to be tried again
SENT = "sent"  # the store took it (or already held a statement with its id)
FAILED = "failed"  # given up after LMS_XAPI_MAX_TRIES tries; error says why
STATUSES = (PENDING, SENT, FAILED)


class Statement(Base):
    """An xAPI 1.0.3 statement, complete and fixed when its event happened: its ``uuid`` is
    derived from the event (``lms.xapi.services``), so an event told twice is one row and
    a statement sent twice is the same statement."""

    __tablename__ = "xapi_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    verb: Mapped[str] = mapped_column(sa.String(32))  # the verb's last word, for counting
    body: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime]


class Delivery(Base):
    """One statement on its way to one Learning Record Store (named in LMS_XAPI_LRS)."""

    __tablename__ = "xapi_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("xapi_statements.id"))
    store: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default=PENDING)
    tries: Mapped[int] = mapped_column(default=0, server_default="0")
    attempted_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # What went wrong in the last try (None once sent).
    error: Mapped[str | None] = mapped_column(sa.String(500))
    # A pending delivery that failed is not tried again before this time (back-off).
    next_attempt_at: Mapped[datetime | None]
    # Which sender holds it while sending, and until when; a claim past its time is void
    # (its sender died). PostgreSQL also skips rows another sender is claiming (SKIP LOCKED).
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_until: Mapped[datetime | None]

    __table_args__ = (
        sa.UniqueConstraint("statement_id", "store"),
        # Senders walk a store's pending deliveries oldest first.
        sa.Index("ix_xapi_deliveries_store_status", "store", "status", "id"),
        sa.CheckConstraint(sa.column("status").in_(STATUSES), name="known_status"),
    )
