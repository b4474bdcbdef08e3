"""The competency framework, position standards, evidence of levels, the gaps kept for the
planners' report, test results and managers' follow-up ratings."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import Base

LEVELS = (1, 2, 3, 4)

# Where evidence of a person's level comes from; see lms/needs/evidence.py for the rule.
SELF = "self"
MANAGER = "manager"
TEST = "test"  # a diagnostic pre-test or a module's post-test, by category
COMPLETION = "completion"  # a valid completion (the module certificate) of a module
SOURCES = (SELF, MANAGER, TEST, COMPLETION)

PRE = "pre"
POST = "post"


class CompetencyArea(Base):
    __tablename__ = "competency_areas"

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    name_vi: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    sort_order: Mapped[int] = mapped_column(default=0)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi


class Competency(Base):
    """A competency of the framework, named by the code that manifests reference."""

    __tablename__ = "competencies"

    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    area_code: Mapped[str] = mapped_column(sa.ForeignKey("competency_areas.code"), index=True)
    name_vi: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300))
    sort_order: Mapped[int] = mapped_column(default=0)

    area: Mapped[CompetencyArea] = relationship(lazy="joined")
    levels: Mapped[list["CompetencyLevel"]] = relationship(
        order_by="CompetencyLevel.level", lazy="selectin", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    def level(self, number: int) -> "CompetencyLevel | None":
        return next((level for level in self.levels if level.level == number), None)


class CompetencyLevel(Base):
    """What one of the four levels of a competency means, in plain words."""

    __tablename__ = "competency_levels"

    competency_code: Mapped[str] = mapped_column(
        sa.ForeignKey("competencies.code", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    description_vi: Mapped[str] = mapped_column(sa.Text)
    description_en: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),)

    def description(self, locale: str) -> str:
        return (
            self.description_en if locale == "en" and self.description_en else self.description_vi
        )

    def label(self, locale: str) -> str:
        """The level as a picker's option: "2 — Guided", the name the description opens
        with ("Guided: does ..."), or the start of a description without one."""
        text = self.description(locale).strip()
        name, colon, _rest = text.partition(":")
        if colon and len(name) <= 40:
            text = name
        elif len(text) > 60:
            text = text[:59].rstrip() + "…"
        return f"{self.level} — {text}" if text else str(self.level)


class PositionStandard(Base):
    """The level a position requires of one competency."""

    __tablename__ = "position_standards"

    position_id: Mapped[int] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True
    )
    competency_code: Mapped[str] = mapped_column(
        sa.ForeignKey("competencies.code", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int]

    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
        sa.Index("ix_position_standards_competency", "competency_code"),
    )


class PositionNeedsSetting(Base):
    """Per position: whether recommended modules are assigned automatically, and on whose
    authority (the admin who turned it on)."""

    __tablename__ = "position_needs_settings"

    position_id: Mapped[int] = mapped_column(
        sa.ForeignKey("positions.id", ondelete="CASCADE"), primary_key=True
    )
    auto_assign: Mapped[bool] = mapped_column(default=False)
    due_days: Mapped[int] = mapped_column(default=60)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime]

    __table_args__ = (sa.CheckConstraint("due_days > 0", name="due_days_positive"),)


class Evidence(Base):
    """One piece of evidence of a person's level in a competency (0: none at all)."""

    __tablename__ = "competency_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    competency_code: Mapped[str] = mapped_column(
        sa.ForeignKey("competencies.code", ondelete="CASCADE")
    )
    level: Mapped[int]
    source: Mapped[str] = mapped_column(sa.String(16))
    observed_at: Mapped[datetime]
    # The evidence counts until this day (exclusive).
    valid_until: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id"))
    attempt_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("quiz_attempts.id", ondelete="SET NULL")
    )

    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 0 AND 4", name="level_range"),
        sa.CheckConstraint(
            "source IN ('self', 'manager', 'test', 'completion')", name="known_source"
        ),
        sa.Index("ix_competency_evidence_user", "user_id", "competency_code"),
    )


class Gap(Base):
    """A person below their positions' standard in one competency, as of the last refresh:
    the planners' report counts these rows. Kept by ``gaps.refresh`` (one statement per set
    of people) whenever evidence, positions or standards change, and daily for expiry."""

    __tablename__ = "competency_gaps"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    competency_code: Mapped[str] = mapped_column(
        sa.ForeignKey("competencies.code", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id", ondelete="CASCADE"))
    required: Mapped[int]
    current: Mapped[int]

    __table_args__ = (sa.Index("ix_competency_gaps_unit", "unit_id", "competency_code"),)


class GapCount(Base):
    """The gaps of one unit (its own people, not its subtree) in one competency, counted:
    what the planners' report rolls up the closure table, so a country-wide report reads
    thousands of rows, not every gap. Kept by ``gaps.refresh`` with ``competency_gaps``."""

    __tablename__ = "competency_gap_counts"

    unit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("org_units.id", ondelete="CASCADE"), primary_key=True
    )
    competency_code: Mapped[str] = mapped_column(
        sa.ForeignKey("competencies.code", ondelete="CASCADE"), primary_key=True
    )
    people: Mapped[int]
    levels: Mapped[int]  # levels missing, summed over the people
    gap1: Mapped[int]  # people one level below
    gap2: Mapped[int]
    gap3: Mapped[int]  # three levels or more below
    required: Mapped[int]  # the highest level required of any of them


class TestResult(Base):
    """A finished attempt at a module's pre-test (a diagnostic quiz) or post-test."""

    __tablename__ = "needs_test_results"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"))
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id"))
    attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quiz_attempts.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(sa.String(8))
    score: Mapped[float]
    level: Mapped[int]
    taken_at: Mapped[datetime]

    __table_args__ = (
        sa.CheckConstraint("kind IN ('pre', 'post')", name="known_kind"),
        sa.Index("ix_needs_test_results_module", "module_id", "kind", "user_id"),
    )


class FollowUpRating(Base):
    """A manager's rating, some months after a completion, of how well a person applies the
    module in daily work: 1 not yet, 2 sometimes, 3 usually, 4 always and helps others."""

    __tablename__ = "followup_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    rating: Mapped[int]
    rated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    rated_at: Mapped[datetime]

    __table_args__ = (
        sa.UniqueConstraint("user_id", "module_id"),
        sa.CheckConstraint("rating BETWEEN 1 AND 4", name="rating_range"),
    )
