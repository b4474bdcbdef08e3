"""A learner's progress: per module version, and per activity."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.catalogue.models import Activity, Module, ModuleVersion
from lms.core.db import Base, CreatedAt, UpdatedAt

IN_PROGRESS = "in_progress"
COMPLETED = "completed"


class ModuleProgress(UpdatedAt, Base):
    """A learner's way through one module version.

    A learner has at most one current row per module (``superseded_at`` empty). Moving to a
    newer version supersedes the row and starts another; a completion stays on the version
    it was earned on. Renewing a completion (recertification) supersedes it and starts the
    next ``cycle``, on the same version or a newer one.
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
    cycle: Mapped[int] = mapped_column(default=1, server_default="1")
    # The completion is valid until this day (exclusive); None: valid for good.
    expires_on: Mapped[date | None]

    module: Mapped[Module] = relationship(lazy="joined")
    version: Mapped[ModuleVersion] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "version_id", "cycle"),
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
    module_progress_id: Mapped[int] = mapped_column(sa.ForeignKey("module_progress.id"))
    state: Mapped[str] = mapped_column(sa.String(16), default=IN_PROGRESS)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    activity: Mapped[Activity] = relationship(lazy="raise")

    __table_args__ = (
        sa.UniqueConstraint("module_progress_id", "activity_id"),
        sa.Index("ix_activity_progress_user_activity", "user_id", "activity_id"),
        sa.CheckConstraint(f"state IN ('{IN_PROGRESS}', '{COMPLETED}')", name="known_state"),
    )

    @property
    def is_completed(self) -> bool:
        return self.state == COMPLETED


# Effective states of a module assignment (``queries.assignment_state``), in the order a
# learner meets them. Documented in docs/positions-and-certificates.md.
NOT_ASSIGNED = "not_assigned"
ASSIGNED = "assigned"
RENEWAL_OPEN = "renewal_open"
EXPIRED = "expired"
ASSIGNMENT_STATES = (ASSIGNED, IN_PROGRESS, COMPLETED, RENEWAL_OPEN, EXPIRED)


class ModuleAssignment(UpdatedAt, Base):
    """A module a person must complete, because a position they hold requires it or a
    manager asked for it: one row per person and module however many reasons there are.

    The row stores facts (when it was assigned and is due, when the current cycle started
    and was completed, until when that completion is valid); the state is computed from
    them and today's date in SQL, so reports count states without a nightly job.
    Retired rows (no longer required) are kept as history; a later re-assignment makes a
    new row.
    """

    __tablename__ = "module_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    assigned_on: Mapped[date]
    due_on: Mapped[date | None]
    validity_months: Mapped[int | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    expires_on: Mapped[date | None]
    renewal_opens_on: Mapped[date | None]
    retired_on: Mapped[date | None]
    created_at: Mapped[datetime]

    module: Mapped[Module] = relationship(lazy="joined")

    __table_args__ = (
        sa.Index(
            "uq_module_assignments_current",
            "user_id",
            "module_id",
            unique=True,
            sqlite_where=sa.text("retired_on IS NULL"),
            postgresql_where=sa.text("retired_on IS NULL"),
        ),
        sa.Index("ix_module_assignments_user", "user_id", "retired_on"),
    )


class ManualAssignment(Base):
    """A module a manager assigned to one person, outside any curriculum."""

    __tablename__ = "manual_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"))
    due_on: Mapped[date]
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    withdrawn_on: Mapped[date | None]


BULK_QUEUED, BULK_RUNNING, BULK_DONE, BULK_FAILED = "queued", "running", "done", "failed"
BULK_STATUSES = (BULK_QUEUED, BULK_RUNNING, BULK_DONE, BULK_FAILED)


class BulkAssignment(CreatedAt, Base):
    """A module assigned by a manager or an admin to everyone of a scope at once (a unit's
    subtree, optionally one position's holders there), run as a job (``lms.learning.bulk``).

    The job's state lives here, so any app server shows its progress; ``last_user_id`` is
    where it got to (people are taken in order of id, chunk by chunk), so a job run again
    goes on from there. ``people`` is how many the scope held when it was confirmed.
    """

    __tablename__ = "bulk_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"))
    # None: the actor's whole scope.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    position_id: Mapped[int | None] = mapped_column(sa.ForeignKey("positions.id"))
    due_on: Mapped[date]
    only_missing: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(16), default=BULK_QUEUED)
    people: Mapped[int] = mapped_column(default=0)
    people_done: Mapped[int] = mapped_column(default=0)
    assigned: Mapped[int] = mapped_column(default=0)
    already_had: Mapped[int] = mapped_column(default=0)
    last_user_id: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.String(1000))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    module: Mapped[Module] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(BULK_STATUSES), name="known_status"),
        sa.Index("ix_bulk_assignments_actor", "actor_id", "id"),
    )

    @property
    def finished(self) -> bool:
        return self.status in (BULK_DONE, BULK_FAILED)


# The dashboards' summary rows. They hold, for one day (``FiguresAsOf``), what the reports
# would otherwise aggregate from millions of assignments on every page view
# (``lms.learning.summaries`` says how they are kept current). Each table has three kinds of
# row: a unit's OWN people; a unit's whole subtree (TREE), summed when the rows are rebuilt;
# and the CHANGES of a unit's own rows since then, appended (old row negated, new row), so
# a subtree's figures are its tree row plus the changes below it and concurrent changes
# never update the same row. ``position_id`` EVERYONE means "everyone, counted once at the
# unit of their main position"; a position's id means "the holders of that position in the
# unit, and the modules its curriculum requires". Rows are rebuilt, not edited, so they
# carry no foreign keys. Two generations of rows take turns: the daily rebuild writes the
# one not in use (its kinds are these plus GENERATION_STEP × generation) and then flips
# ``FiguresAsOf.generation``.
EVERYONE = 0
OWN, TREE, CHANGE = 0, 1, 2
GENERATION_STEP = 3


class _SummaryRow:
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[int] = mapped_column(sa.SmallInteger)
    unit_id: Mapped[int]
    position_id: Mapped[int]


class UnitFigures(_SummaryRow, Base):
    """Assignments in one module, by status."""

    __tablename__ = "unit_figures"

    module_id: Mapped[int]
    assignments: Mapped[int]
    completed: Mapped[int]
    in_progress: Mapped[int]
    not_started: Mapped[int]
    expired: Mapped[int]
    overdue: Mapped[int]

    __table_args__ = (sa.Index("ix_unit_figures_kind", "kind", "unit_id", "position_id"),)


class UnitPeople(_SummaryRow, Base):
    """How many people (of a position, or everyone at their main unit)."""

    __tablename__ = "unit_people"

    people: Mapped[int]

    __table_args__ = (sa.Index("ix_unit_people_kind", "kind", "unit_id", "position_id"),)


class UnitCompletions(_SummaryRow, Base):
    """Completions of one module in one month: every one (each cycle of a renewal too), and
    those of current assignments still completed today, for the period filter. The two
    come from different rows of the same key, which are summed."""

    __tablename__ = "unit_completions"

    module_id: Mapped[int]
    # "YYYY-MM" of the site's calendar.
    month: Mapped[str] = mapped_column(sa.String(7))
    completions: Mapped[int]
    completed: Mapped[int]

    __table_args__ = (sa.Index("ix_unit_completions_kind", "kind", "unit_id", "position_id"),)


class FiguresAsOf(Base):
    """The day the summary rows were last rebuilt for and the generation of rows in use;
    one row. No day: never built, and the dashboards aggregate live."""

    __tablename__ = "figures_as_of"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date | None]
    rebuilt_at: Mapped[datetime | None]
    generation: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
