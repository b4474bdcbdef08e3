"""A learner's progress: per module version, and per activity."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.catalogue.models import Activity, Module, ModuleVersion
from lms.core.db import Base

IN_PROGRESS = "in_progress"
COMPLETED = "completed"


class ModuleProgress(Base):
    """A learner's way through one module version.

    A learner has at most one current row per module (``superseded_at`` empty). Moving to a
    newer version supersedes the row and starts another; a completion stays on the version
    it was earned on.
    """

    __tablename__ = "module_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"))
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("module_versions.id"))
    state: Mapped[str] = mapped_column(sa.String(16), default=IN_PROGRESS)
    progress_pct: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    last_activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"))

    module: Mapped[Module] = relationship(lazy="joined")
    version: Mapped[ModuleVersion] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "version_id"),
        sa.Index("ix_module_progress_user_module", "user_id", "module_id"),
        sa.Index("ix_module_progress_module_state", "module_id", "state"),
        sa.CheckConstraint(f"state IN ('{IN_PROGRESS}', '{COMPLETED}')", name="known_state"),
    )

    @property
    def is_completed(self) -> bool:
        return self.state == COMPLETED


class ActivityProgress(Base):
    """A learner's state in one activity; ``data`` belongs to the activity type."""

    __tablename__ = "activity_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    module_progress_id: Mapped[int] = mapped_column(sa.ForeignKey("module_progress.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), default=IN_PROGRESS)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    activity: Mapped[Activity] = relationship(lazy="raise")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "activity_id"),
        sa.CheckConstraint(f"state IN ('{IN_PROGRESS}', '{COMPLETED}')", name="known_state"),
    )

    @property
    def is_completed(self) -> bool:
        return self.state == COMPLETED
