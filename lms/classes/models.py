"""Training sessions in person and online: time slots, enrolment with a waitlist, attendance."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import Base, CreatedAt

IN_PERSON = "in_person"
ONLINE = "online"
MODES = (IN_PERSON, ONLINE)

# An enrolment holds a place, waits for one, or was given up.
ENROLLED = "enrolled"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"
ENROLMENT_STATES = (ENROLLED, WAITLISTED, CANCELLED)

# Attendance per person and slot.
ATTENDED = "attended"
PARTLY = "partly"
ABSENT = "absent"
ATTENDANCE_STATES = (ATTENDED, PARTLY, ABSENT)

# How the attendance was recorded.
BY_SHEET = "sheet"
BY_QR = "qr"


class TrainingSession(CreatedAt, Base):
    """A class with a capacity, held in one or more time slots.

    A session of a module names the ``tag`` of one of that module's ``session`` activities:
    attending it completes that activity. ``revision`` grows with every change people
    enrolled in it are told about."""

    __tablename__ = "training_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    activity_tag: Mapped[str | None] = mapped_column(sa.String(64))
    title_vi: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    mode: Mapped[str] = mapped_column(sa.String(16))
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    meeting_url: Mapped[str] = mapped_column(sa.String(500), default="")
    capacity: Mapped[int]
    enrol_opens_at: Mapped[datetime]
    enrol_closes_at: Mapped[datetime]
    cancel_until: Mapped[datetime]
    revision: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    slots: Mapped[list["SessionSlot"]] = relationship(
        order_by="SessionSlot.starts_at", back_populates="session", cascade="all, delete-orphan"
    )
    trainers: Mapped[list["SessionTrainer"]] = relationship(cascade="all, delete-orphan")
    audience_positions: Mapped[list["SessionPosition"]] = relationship(cascade="all, delete-orphan")
    audience_units: Mapped[list["SessionUnit"]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint(sa.column("mode").in_(MODES), name="known_mode"),
        sa.CheckConstraint("capacity > 0", name="positive_capacity"),
        sa.CheckConstraint("enrol_closes_at > enrol_opens_at", name="enrolment_window"),
    )

    def title(self, locale: str) -> str:
        return (self.title_en if locale == "en" else self.title_vi) or self.title_vi

    @property
    def starts_at(self) -> datetime | None:
        return self.slots[0].starts_at if self.slots else None

    @property
    def ends_at(self) -> datetime | None:
        return max(slot.ends_at for slot in self.slots) if self.slots else None

    @property
    def trainer_ids(self) -> set[int]:
        return {trainer.user_id for trainer in self.trainers}


class SessionSlot(Base):
    __tablename__ = "session_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    session: Mapped[TrainingSession] = relationship(back_populates="slots")

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)


class SessionTrainer(Base):
    __tablename__ = "session_trainers"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)


class SessionPosition(Base):
    """A position of the session's target audience."""

    __tablename__ = "session_positions"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("positions.id"), primary_key=True)


class SessionUnit(Base):
    """An org unit (with everything below it) of the session's target audience."""

    __tablename__ = "session_units"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), primary_key=True)


class Enrolment(Base):
    """One person's place in a session, or in its waitlist: the waitlist is served in
    ``queued_at`` order (then ``id``). Enrolling again after a cancellation reuses the row."""

    __tablename__ = "session_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_sessions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    queued_at: Mapped[datetime]
    enrolled_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    enrolled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    session: Mapped[TrainingSession] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id"),
        sa.Index("ix_session_enrolments_queue", "session_id", "status", "queued_at"),
        sa.CheckConstraint(sa.column("status").in_(ENROLMENT_STATES), name="known_status"),
    )


class Attendance(Base):
    """Whether a person attended one slot. One row per person and slot: a QR code checks
    a learner in once."""

    __tablename__ = "session_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("session_slots.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    method: Mapped[str] = mapped_column(sa.String(8))
    checked_in_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    __table_args__ = (
        sa.UniqueConstraint("slot_id", "user_id"),
        sa.CheckConstraint(sa.column("status").in_(ATTENDANCE_STATES), name="known_status"),
        sa.CheckConstraint(sa.column("method").in_((BY_SHEET, BY_QR)), name="known_method"),
    )


class CalendarFeed(CreatedAt, Base):
    """A learner's private calendar address; making a new token revokes the old one."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
