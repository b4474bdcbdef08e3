"""Quiz attempts and the answers saved in them.

The questions themselves live in the quiz activity's content, per module version and
language, so an attempt names them by their index there and never changes when a newer
version is published.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import Base

IN_PROGRESS = "in_progress"
FINISHED = "finished"
ABANDONED = "abandoned"


class QuizAttempt(Base):
    """One try at a quiz. Starting fixes the questions drawn, their order, the order of
    their options and the deadline; finishing grades it once."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"))
    number: Mapped[int]
    language: Mapped[str] = mapped_column(sa.String(8))
    state: Mapped[str] = mapped_column(sa.String(16), default=IN_PROGRESS)
    # [{"question": index in the bank, "order": [option ids as shown]}], one per slot.
    slots: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    started_at: Mapped[datetime]
    deadline_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Fraction of the quiz's marks, 0 to 1; set once, when the attempt is finished.
    score: Mapped[float | None]

    __table_args__ = (
        sa.UniqueConstraint("user_id", "activity_id", "number"),
        sa.Index("ix_quiz_attempts_activity_state", "activity_id", "state"),
        sa.CheckConstraint(
            f"state IN ('{IN_PROGRESS}', '{FINISHED}', '{ABANDONED}')", name="known_state"
        ),
    )

    @property
    def is_finished(self) -> bool:
        return self.state == FINISHED


class AttemptAnswer(Base):
    """The answer to one slot of an attempt; saving again replaces it."""

    __tablename__ = "attempt_answers"

    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quiz_attempts.id", ondelete="CASCADE"), primary_key=True
    )
    slot: Mapped[int] = mapped_column(primary_key=True)
    response: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    saved_at: Mapped[datetime]
    # Set when the attempt is graded.
    fraction: Mapped[float | None]
