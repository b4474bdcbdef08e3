"""Read-side queries of training sessions, scoped to who asks."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User, UserRole
from lms.catalogue.models import Activity, ModuleVersion
from lms.catalogue.queries import live_versions
from lms.classes.models import (
    ABSENT,
    ATTENDED,
    ENROLLED,
    WAITLISTED,
    Attendance,
    CalendarFeed,
    Enrolment,
    SessionSlot,
    SessionTrainer,
    TrainingSession,
)
from lms.core.permissions import Role
from lms.extensions import db
from lms.org.models import OrgUnit, OrgUnitClosure, PositionAssignment
from lms.org.queries import holds_on, in_scope
from lms.plugins import registry
from lms.plugins.activity import Capability


def _with_details(query: sa.Select) -> sa.Select:
    return query.options(
        selectinload(TrainingSession.slots),
        selectinload(TrainingSession.trainers),
        selectinload(TrainingSession.audience_positions),
        selectinload(TrainingSession.audience_units),
    )


def _first_start() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.min(SessionSlot.starts_at))
        .where(SessionSlot.session_id == TrainingSession.id)
        .scalar_subquery()
    )


def _last_end() -> sa.ScalarSelect:
    return (
        sa.select(sa.func.max(SessionSlot.ends_at))
        .where(SessionSlot.session_id == TrainingSession.id)
        .scalar_subquery()
    )


def session_by_id(session_id: int) -> TrainingSession | None:
    return db.session.scalar(
        _with_details(sa.select(TrainingSession).where(TrainingSession.id == session_id))
    )


def slot_by_id(slot_id: int) -> SessionSlot | None:
    return db.session.get(SessionSlot, slot_id)


def upcoming(now: datetime, *, module_id: int | None = None, tag: str | None = None):
    """Sessions that have not ended, soonest first (optionally of one module, and of one of
    its activities)."""
    query = _with_details(
        sa.select(TrainingSession).where(_last_end() > now).order_by(_first_start())
    )
    if module_id is not None:
        query = query.where(TrainingSession.module_id == module_id)
    if tag is not None:
        query = query.where(TrainingSession.activity_tag == tag)
    return list(db.session.scalars(query))


def trained_by(user: User, now: datetime) -> list[TrainingSession]:
    """Sessions ``user`` trains (every session, for an admin) that have not ended."""
    query = _with_details(
        sa.select(TrainingSession).where(_last_end() > now).order_by(_first_start())
    )
    if not user.has_any_role({Role.ADMIN}):
        query = query.where(
            sa.or_(
                TrainingSession.created_by_id == user.id,
                TrainingSession.id.in_(
                    sa.select(SessionTrainer.session_id).where(SessionTrainer.user_id == user.id)
                ),
            )
        )
    return list(db.session.scalars(query))


def enrolments_of(user_id: int, session_ids) -> dict[int, Enrolment]:
    """The user's enrolments in the given sessions, by session id."""
    if not session_ids:
        return {}
    return {
        enrolment.session_id: enrolment
        for enrolment in db.session.scalars(
            sa.select(Enrolment).where(
                Enrolment.user_id == user_id, Enrolment.session_id.in_(list(session_ids))
            )
        )
    }


def my_sessions(user: User, now: datetime) -> list[tuple[TrainingSession, Enrolment]]:
    """The sessions ``user`` holds a place in or waits for, that have not ended."""
    query = (
        _with_details(sa.select(TrainingSession, Enrolment))
        .join(Enrolment, Enrolment.session_id == TrainingSession.id)
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status.in_((ENROLLED, WAITLISTED)),
            _last_end() > now,
        )
        .order_by(_first_start())
    )
    return [tuple(row) for row in db.session.execute(query).all()]


def my_slots_between(user: User, start: datetime, end: datetime) -> list[SessionSlot]:
    """The slots starting in [start, end) of the sessions ``user`` holds a place in or waits
    for, their session loaded, in time order; one statement."""
    return list(
        db.session.scalars(
            sa.select(SessionSlot)
            .join(Enrolment, Enrolment.session_id == SessionSlot.session_id)
            .where(
                Enrolment.user_id == user.id,
                Enrolment.status.in_((ENROLLED, WAITLISTED)),
                SessionSlot.starts_at >= start,
                SessionSlot.starts_at < end,
            )
            .options(joinedload(SessionSlot.session))
            .order_by(SessionSlot.starts_at)
        )
    )


def feed_sessions(user: User) -> list[TrainingSession]:
    """Every session ``user`` holds a place in, for their calendar feed."""
    return list(
        db.session.scalars(
            _with_details(sa.select(TrainingSession))
            .join(Enrolment, Enrolment.session_id == TrainingSession.id)
            .where(Enrolment.user_id == user.id, Enrolment.status == ENROLLED)
            .order_by(_first_start())
        )
    )


def user_of_feed(token: str) -> User | None:
    return db.session.scalar(
        sa.select(User)
        .join(CalendarFeed, CalendarFeed.user_id == User.id)
        .where(CalendarFeed.token == token, User.active.is_(True))
    )


def roster(session: TrainingSession) -> list[tuple[Enrolment, User]]:
    """Everyone enrolled, then the waitlist in the order it is served."""
    query = (
        sa.select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.session_id == session.id, Enrolment.status != "cancelled")
        .order_by(Enrolment.status != ENROLLED, Enrolment.queued_at, Enrolment.id)
    )
    return [tuple(row) for row in db.session.execute(query).all()]


def places_taken(session: TrainingSession) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status == ENROLLED)
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the next person to get a place; None when not waiting."""
    if enrolment.status != WAITLISTED:
        return None
    ahead = sa.select(sa.func.count()).where(
        Enrolment.session_id == enrolment.session_id,
        Enrolment.status == WAITLISTED,
        sa.or_(
            Enrolment.queued_at < enrolment.queued_at,
            sa.and_(Enrolment.queued_at == enrolment.queued_at, Enrolment.id < enrolment.id),
        ),
    )
    return db.session.scalar(ahead) + 1


def attendance_of(session: TrainingSession) -> dict[tuple[int, int], Attendance]:
    """Every mark of the session, by (user id, slot id)."""
    return {
        (row.user_id, row.slot_id): row
        for row in db.session.scalars(
            sa.select(Attendance)
            .join(SessionSlot, SessionSlot.id == Attendance.slot_id)
            .where(SessionSlot.session_id == session.id)
        )
    }


def sheet_rows(session: TrainingSession) -> list[tuple[User, list[str]]]:
    """(person, mark per slot in order, "" when unmarked) for everyone enrolled."""
    marks = attendance_of(session)
    return [
        (
            user,
            [
                marks[(user.id, slot.id)].status if (user.id, slot.id) in marks else ""
                for slot in session.slots
            ],
        )
        for enrolment, user in roster(session)
        if enrolment.status == ENROLLED
    ]


def attended_session_id(user_id: int, module_id: int, tag: str) -> int | None:
    """A session of the module's activity ``tag`` whose every slot ``user_id`` attended.

    This is the rule that completes a ``session`` activity: attended in every time slot
    of one session (a "partly" mark does not count)."""
    slots = (
        sa.select(sa.func.count())
        .where(SessionSlot.session_id == TrainingSession.id)
        .scalar_subquery()
    )
    attended = (
        sa.select(sa.func.count())
        .select_from(Attendance)
        .join(SessionSlot, SessionSlot.id == Attendance.slot_id)
        .where(
            SessionSlot.session_id == TrainingSession.id,
            Attendance.user_id == user_id,
            Attendance.status == ATTENDED,
        )
        .scalar_subquery()
    )
    return db.session.scalar(
        sa.select(TrainingSession.id)
        .join(Enrolment, Enrolment.session_id == TrainingSession.id)
        .where(
            TrainingSession.module_id == module_id,
            TrainingSession.activity_tag == tag,
            Enrolment.user_id == user_id,
            Enrolment.status == ENROLLED,
            slots > 0,
            attended == slots,
        )
        .order_by(TrainingSession.id)
        .limit(1)
    )


def module_of_activity(activity: Activity) -> int:
    return db.session.scalar(
        sa.select(ModuleVersion.module_id).where(ModuleVersion.id == activity.version_id)
    )


def session_activity_choices(locale: str) -> list[tuple[str, str]]:
    """("module id:tag", "module — activity") of every session activity in the latest
    version of a module open to learners."""
    rows = db.session.execute(
        live_versions(Activity)
        .join(Activity, Activity.version_id == ModuleVersion.id)
        .where(Activity.type_id.in_(registry().type_ids(Capability.ATTENDANCE)))
        .order_by(ModuleVersion.module_id, Activity.position)
    ).all()
    return [
        (
            f"{version.module_id}:{activity.content['tag']}",
            f"{version.title(locale)} — {activity.title(locale)}",
        )
        for version, activity in rows
    ]


def no_show_rates(actor: User, now: datetime, today) -> list:
    """Rows of (unit id, name_vi, name_en, places held in slots that have ended, no-shows)
    per unit of ``actor``'s scope, where a no-show is an absent or unrecorded mark; one statement.
    A person counts in the unit where they hold a position today."""
    missed = sa.or_(Attendance.id.is_(None), Attendance.status == ABSENT)
    query = (
        sa.select(
            OrgUnit.id,
            OrgUnit.name_vi,
            OrgUnit.name_en,
            sa.func.count().label("held"),
            sa.func.sum(sa.case((missed, 1), else_=0)).label("no_shows"),
        )
        .select_from(Enrolment)
        .join(SessionSlot, SessionSlot.session_id == Enrolment.session_id)
        .join(
            PositionAssignment,
            sa.and_(PositionAssignment.user_id == Enrolment.user_id, holds_on(today)),
        )
        .join(OrgUnit, OrgUnit.id == PositionAssignment.unit_id)
        .outerjoin(
            Attendance,
            sa.and_(Attendance.slot_id == SessionSlot.id, Attendance.user_id == Enrolment.user_id),
        )
        .where(
            Enrolment.status == ENROLLED,
            SessionSlot.ends_at <= now,
            in_scope(actor, PositionAssignment.unit_id),
        )
        .group_by(OrgUnit.id, OrgUnit.name_vi, OrgUnit.name_en)
        .order_by(OrgUnit.name_vi)
    )
    return db.session.execute(query).all()


def trainers() -> list[User]:
    """Active users holding the trainer role, by name."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.TRAINER.value, User.active.is_(True))
            .order_by(User.full_name, User.id)
        )
    )


def audience_members(session: TrainingSession, today) -> sa.Select | None:
    """The ids of the people in ``session``'s target audience on ``today``: those holding
    one of its positions in one of its units or below, in one assignment. None when the
    session has no audience (everyone may enrol)."""
    positions = [item.position_id for item in session.audience_positions]
    units = [item.unit_id for item in session.audience_units]
    if not positions and not units:
        return None
    held = sa.select(PositionAssignment.user_id).where(holds_on(today))
    if positions:
        held = held.where(PositionAssignment.position_id.in_(positions))
    if units:
        held = held.where(
            PositionAssignment.unit_id.in_(
                sa.select(OrgUnitClosure.descendant_id).where(OrgUnitClosure.ancestor_id.in_(units))
            )
        )
    return held


def staff_for(actor: User, session: TrainingSession, today) -> list[tuple[User, Enrolment | None]]:
    """People of ``actor``'s units (holding a position there today) who are in the
    session's target audience, with their enrolment in ``session`` if they have one."""
    held = sa.select(PositionAssignment.user_id).where(
        holds_on(today), in_scope(actor, PositionAssignment.unit_id)
    )
    query = (
        sa.select(User, Enrolment)
        .outerjoin(
            Enrolment,
            sa.and_(Enrolment.user_id == User.id, Enrolment.session_id == session.id),
        )
        .where(User.id.in_(held), User.active.is_(True))
        .order_by(User.full_name, User.id)
    )
    audience = audience_members(session, today)
    if audience is not None:
        query = query.where(User.id.in_(audience))
    return [tuple(row) for row in db.session.execute(query).all()]


def unit_codes(unit_ids) -> list[str]:
    """The codes of a session's audience units, for its form's unit field; one query."""
    ids = list(unit_ids)
    if not ids:
        return []
    query = sa.select(OrgUnit.code).where(OrgUnit.id.in_(ids)).order_by(OrgUnit.name_vi)
    return list(db.session.scalars(query))
