"""The org unit tree, job positions, and who holds which position where."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.core.db import Base, CreatedAt, UpdatedAt


class OrgUnitKind(Base):
    """Reference data (province, ward, one-stop section, ...): levels are data, not code."""

    __tablename__ = "org_unit_kinds"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    name_vi: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    sort_order: Mapped[int] = mapped_column(default=0)


class OrgUnit(CreatedAt, UpdatedAt, Base):
    """A unit of the org tree.

    The tree is stored twice: ``parent_id`` for the shape, and the closure table
    ``org_unit_closure`` (one row per ancestor–descendant pair, the unit itself included at
    depth 0) for reads. "Every unit under X" is then one indexed equality lookup on
    ``ancestor_id`` that joins cleanly into any query on SQLite and PostgreSQL, for one
    unit or for a manager's several, where a materialised path would need a LIKE prefix
    match per scope unit and a collation-specific index on PostgreSQL. The cost, rewriting
    the closure rows of a moved subtree, falls on rare admin actions.
    """

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind_code: Mapped[str] = mapped_column(sa.ForeignKey("org_unit_kinds.code"))
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    search_text: Mapped[str] = mapped_column(sa.String(500))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="RESTRICT"), index=True
    )
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))

    kind: Mapped[OrgUnitKind] = relationship(lazy="joined")
    parent: Mapped["OrgUnit | None"] = relationship(remote_side=[id], foreign_keys=[parent_id])
    merged_into: Mapped["OrgUnit | None"] = relationship(
        remote_side=[id], foreign_keys=[merged_into_id]
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi


class OrgUnitClosure(Base):
    __tablename__ = "org_unit_closure"

    ancestor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True
    )
    descendant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True
    )
    depth: Mapped[int]

    __table_args__ = (sa.Index("ix_org_unit_closure_descendant", "descendant_id", "depth"),)


class OrgUnitEvent(CreatedAt, Base):
    """A unit's history: created, renamed, moved, merged. Names and parents of the past."""

    __tablename__ = "org_unit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    occurred_on: Mapped[date]
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class Position(CreatedAt, UpdatedAt, Base):
    """A job position (one-stop counter officer, commune leader, ...). Curricula hang off it."""

    __tablename__ = "positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    description_vi: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    def description(self, locale: str) -> str:
        return (
            self.description_en if locale == "en" and self.description_en else self.description_vi
        )


class PositionAssignment(CreatedAt, UpdatedAt, Base):
    """A user holding a position in a unit from ``starts_on``; ended, never deleted."""

    __tablename__ = "position_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    # Set when this assignment continues another, e.g. after the unit was merged.
    continues_id: Mapped[int | None] = mapped_column(sa.ForeignKey("position_assignments.id"))

    user: Mapped[User] = relationship()
    position: Mapped[Position] = relationship(lazy="joined")
    unit: Mapped[OrgUnit] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )


class ManagerUnit(Base):
    """A manager's attachment to a unit: they see it and everything below it."""

    __tablename__ = "manager_units"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True
    )
    unit: Mapped[OrgUnit] = relationship(lazy="joined")

    __table_args__ = (sa.Index("ix_manager_units_unit", "unit_id"),)


# How a curriculum item's due date is counted.
DUE_FROM_POSITION_START = "position_start"
DUE_FROM_ASSIGNMENT = "assignment"
DUE_ON_DATE = "fixed_date"
DUE_BASES = (DUE_FROM_POSITION_START, DUE_FROM_ASSIGNMENT, DUE_ON_DATE)


class CurriculumItem(CreatedAt, Base):
    """A module a position requires: when it falls due and how long a completion stays valid.

    The module is named by id only: the org domain does not know the catalogue, the
    learning domain turns curricula into each holder's assignments.
    """

    __tablename__ = "curriculum_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    due_basis: Mapped[str] = mapped_column(sa.String(16), default=DUE_FROM_POSITION_START)
    # Days after the position start or the assignment; unused for a fixed date.
    due_days: Mapped[int | None]
    due_on: Mapped[date | None]
    # A completion stays valid this long; None: valid for good (no recertification).
    validity_months: Mapped[int | None]

    position: Mapped[Position] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("position_id", "module_id"),
        sa.CheckConstraint(sa.column("due_basis").in_(DUE_BASES), name="known_due_basis"),
        sa.CheckConstraint(
            "(due_basis = 'fixed_date' AND due_on IS NOT NULL)"
            " OR (due_basis <> 'fixed_date' AND due_days IS NOT NULL AND due_days >= 0)",
            name="due_rule_complete",
        ),
        sa.CheckConstraint(
            "validity_months IS NULL OR validity_months > 0", name="validity_positive"
        ),
    )


# The states of a roster import job.
IMPORT_QUEUED, IMPORT_RUNNING, IMPORT_DONE, IMPORT_FAILED = "queued", "running", "done", "failed"
IMPORT_STATUSES = (IMPORT_QUEUED, IMPORT_RUNNING, IMPORT_DONE, IMPORT_FAILED)


class RosterImport(CreatedAt, Base):
    """An HR roster applied from the admin page as a job (``lms.org.roster.run_job``).

    The job's whole state lives here, not in the process running it, so any app server can
    show its progress. ``data`` holds the uploaded file until the job ends; ``report`` then
    holds the rows to show (errors first, capped) and the ids of the accounts created.
    """

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(sa.String(255), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=IMPORT_QUEUED)
    # Only check every row and report what applying would do (the API's dry runs).
    dry_run: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    total_rows: Mapped[int] = mapped_column(default=0)
    rows_done: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    error: Mapped[str | None] = mapped_column(sa.String(1000))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    data: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)

    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(IMPORT_STATUSES), name="known_status"),
    )

    @property
    def counts(self) -> dict[str, int]:
        return {
            "created": self.created_count,
            "updated": self.updated_count,
            "unchanged": self.unchanged_count,
            "error": self.error_count,
        }

    @property
    def finished(self) -> bool:
        return self.status in (IMPORT_DONE, IMPORT_FAILED)
