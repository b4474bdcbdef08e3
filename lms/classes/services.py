"""Scheduling training sessions, enrolling people (with a waitlist), recording attendance.

Every function takes the actor explicitly, flushes and leaves the commit to the caller.

Capacity holds under concurrent enrolment: ``enrol``, ``cancel`` and ``update_session`` lock
the session's row first (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN
IMMEDIATE`` already serialises writers) and count places inside that lock, so two requests
never both take the last place, and the waitlist is served in the order the lock was won.
"""

import hashlib
import hmac
import itertools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.catalogue.queries import activities_of
from lms.classes import queries
from lms.classes.models import (
    ATTENDANCE_STATES,
    ATTENDED,
    BY_QR,
    BY_SHEET,
    CANCELLED,
    ENROLLED,
    IN_PERSON,
    MODES,
    ONLINE,
    WAITLISTED,
    Attendance,
    CalendarFeed,
    Enrolment,
    SessionPosition,
    SessionSlot,
    SessionTrainer,
    SessionUnit,
    TrainingSession,
)
from lms.core import audit, clock, signals
from lms.core.db import insert_once
from lms.core.errors import Invalid, PermissionDenied
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.learning import services as learning
from lms.notifications import models as kinds
from lms.notifications.services import notify
from lms.org.models import PositionAssignment
from lms.org.queries import holds_on, in_scope
from lms.plugins import registry
from lms.plugins.activity import Capability

CHECK_IN_WINDOW_SECONDS = 60

CODE_TAMPERED = _l(
    "This check-in code is not valid for this session. Scan the code on the trainer's screen."
)
CODE_EXPIRED = _l(
    "This check-in code has expired: codes change every minute. "
    "Scan the code on the trainer's screen again."
)
ALREADY_CHECKED_IN = _l("You have already checked in for this time slot.")


@dataclass
class SessionDetails:
    """What a trainer fills in for a session; times are timezone-aware."""

    title_vi: str
    title_en: str
    mode: str
    capacity: int
    enrol_opens_at: datetime
    enrol_closes_at: datetime
    cancel_until: datetime
    slots: list[tuple[datetime, datetime]]
    venue: str = ""
    address: str = ""
    meeting_url: str = ""
    trainer_ids: tuple[int, ...] = ()
    position_ids: tuple[int, ...] = ()
    unit_ids: tuple[int, ...] = ()
    module_id: int | None = None
    activity_tag: str | None = None


# --- Scheduling ---------------------------------------------------------------------------


def _check_details(details: SessionDetails) -> None:
    if details.mode not in MODES:
        raise Invalid(_l("Choose in person or online."))
    if details.mode == IN_PERSON and not details.venue.strip():
        raise Invalid(_l("An in-person session needs a venue."))
    if details.mode == ONLINE and not details.meeting_url.strip():
        raise Invalid(_l("An online session needs a meeting link."))
    if details.capacity < 1:
        raise Invalid(_l("The capacity must be at least 1."))
    if not details.slots:
        raise Invalid(_l("A session needs at least one time slot."))
    ordered = sorted(details.slots)
    for starts_at, ends_at in ordered:
        if ends_at <= starts_at:
            raise Invalid(_l("Each time slot must end after it starts."))
    for (_, ends_at), (next_start, _) in itertools.pairwise(ordered):
        if next_start < ends_at:
            raise Invalid(_l("The time slots of a session must not overlap."))
    if details.enrol_closes_at <= details.enrol_opens_at:
        raise Invalid(_l("Enrolment must close after it opens."))
    if details.enrol_closes_at > ordered[0][0]:
        raise Invalid(_l("Enrolment must close before the first time slot starts."))
    if details.cancel_until > ordered[0][0]:
        raise Invalid(_l("The cancellation cut-off must be before the first time slot starts."))
    if (details.module_id is None) != (not details.activity_tag):
        raise Invalid(_l("Choose a module activity, or none for a stand-alone session."))
    if details.module_id is not None and not _session_activity_exists(
        details.module_id, details.activity_tag
    ):
        raise Invalid(_l("The module has no session activity with that tag."))


def _session_activity_exists(module_id: int, tag: str) -> bool:
    from lms.catalogue.queries import latest_version

    version = latest_version(module_id)
    return version is not None and any(
        registry().can(activity.type_id, Capability.ATTENDANCE)
        and activity.content.get("tag") == tag
        for activity in activities_of(version.id)
    )


def ensure_can_edit(actor: User, session: TrainingSession) -> None:
    """Admins edit every session; trainers the ones they train or created."""
    ensure_role(actor, Role.TRAINER, Role.ADMIN)
    if actor.has_any_role({Role.ADMIN}):
        return
    if actor.id not in session.trainer_ids and session.created_by_id != actor.id:
        raise PermissionDenied(_l("Only the session's trainers can change it."))


def _apply(session: TrainingSession, details: SessionDetails) -> None:
    session.title_vi = details.title_vi.strip()
    session.title_en = details.title_en.strip() or details.title_vi.strip()
    session.mode = details.mode
    session.venue = details.venue.strip() if details.mode == IN_PERSON else ""
    session.address = details.address.strip() if details.mode == IN_PERSON else ""
    session.meeting_url = details.meeting_url.strip() if details.mode == ONLINE else ""
    session.capacity = details.capacity
    session.enrol_opens_at = details.enrol_opens_at
    session.enrol_closes_at = details.enrol_closes_at
    session.cancel_until = details.cancel_until
    session.module_id = details.module_id
    session.activity_tag = details.activity_tag or None
    session.trainers = [SessionTrainer(user_id=user_id) for user_id in set(details.trainer_ids)]
    session.audience_positions = [
        SessionPosition(position_id=position_id) for position_id in set(details.position_ids)
    ]
    session.audience_units = [SessionUnit(unit_id=unit_id) for unit_id in set(details.unit_ids)]


def _check_trainers(trainer_ids) -> None:
    if not trainer_ids:
        raise Invalid(_l("A session needs at least one trainer."))
    trainers = db.session.scalars(sa.select(User).where(User.id.in_(trainer_ids))).all()
    if len(trainers) != len(set(trainer_ids)) or not all(
        user.has_any_role({Role.TRAINER}) for user in trainers
    ):
        raise Invalid(_l("Every trainer of a session must hold the trainer role."))


def create_session(actor: User, details: SessionDetails) -> TrainingSession:
    """Schedule a session. Raises ``PermissionDenied`` unless ``actor`` is a trainer or an
    admin, ``Invalid`` when the details do not hold together."""
    ensure_role(actor, Role.TRAINER, Role.ADMIN)
    _check_details(details)
    _check_trainers(details.trainer_ids)
    session = TrainingSession(created_by_id=actor.id, revision=1)
    _apply(session, details)
    session.slots = [SessionSlot(starts_at=s, ends_at=e) for s, e in sorted(details.slots)]
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "session.created", session)
    return session


def update_session(actor: User, session: TrainingSession, details: SessionDetails) -> bool:
    """Change a session. People enrolled or waiting are told when the time, place or link
    changed; a larger capacity promotes people from the waitlist. Returns whether people
    were told. Raises ``PermissionDenied`` and ``Invalid`` as ``create_session``."""
    ensure_can_edit(actor, session)
    _check_details(details)
    _check_trainers(details.trainer_ids)
    session = _locked(session.id)
    before = _what_people_rely_on(session)
    _apply(session, details)
    _replace_slots(session, sorted(details.slots))
    db.session.flush()
    changed = _what_people_rely_on(session) != before
    if changed:
        session.revision += 1
        for user in _people(session, (ENROLLED, WAITLISTED)):
            notify(
                user,
                kinds.SESSION_CHANGED,
                f"session_changed:{session.id}:{session.revision}",
                **_about(session),
            )
    _promote(actor, session)
    db.session.flush()
    audit.record(actor, "session.updated", session, revision=session.revision)
    return changed


def _replace_slots(session: TrainingSession, slots: list[tuple[datetime, datetime]]) -> None:
    """Keep a slot whose times did not change (its attendance stays with it)."""
    wanted = set(slots)
    kept = [slot for slot in session.slots if (slot.starts_at, slot.ends_at) in wanted]
    have = {(slot.starts_at, slot.ends_at) for slot in kept}
    session.slots = sorted(
        kept + [SessionSlot(starts_at=s, ends_at=e) for s, e in slots if (s, e) not in have],
        key=lambda slot: slot.starts_at,
    )


def _what_people_rely_on(session: TrainingSession) -> tuple:
    return (
        tuple((slot.starts_at, slot.ends_at) for slot in session.slots),
        session.mode,
        session.venue,
        session.address,
        session.meeting_url,
    )


def _about(session: TrainingSession) -> dict:
    return {
        "title": {"vi": session.title_vi, "en": session.title_en},
        "starts_at": session.starts_at.isoformat() if session.starts_at else None,
        "url": f"/sessions/{session.id}",
    }


def _people(session: TrainingSession, states) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(Enrolment.session_id == session.id, Enrolment.status.in_(states))
            .order_by(User.id)
        )
    )


# --- Enrolment ----------------------------------------------------------------------------


def _locked(session_id: int) -> TrainingSession:
    """The session's row, locked until the transaction ends, and read afresh."""
    return db.session.execute(
        sa.select(TrainingSession)
        .where(TrainingSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def enrolment_of(session: TrainingSession, user: User) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.user_id == user.id)
        .execution_options(populate_existing=True)
    )


def in_audience(session: TrainingSession, user: User) -> bool:
    """Whether ``user`` belongs to the session's target audience (everyone, when none is
    set): they hold, today, one of its positions in one of its units or below."""
    audience = queries.audience_members(session, clock.today())
    if audience is None:
        return True
    mine = audience.where(PositionAssignment.user_id == user.id)
    return db.session.scalar(sa.select(mine.exists()))


def in_manager_scope(actor: User, user: User) -> bool:
    """Whether ``user`` holds a position today in a unit ``actor`` manages (or is below)."""
    return db.session.scalar(
        sa.select(
            sa.select(PositionAssignment.id)
            .where(
                PositionAssignment.user_id == user.id,
                holds_on(clock.today()),
                in_scope(actor, PositionAssignment.unit_id),
            )
            .exists()
        )
    )


def clashing_session(session: TrainingSession, user: User) -> TrainingSession | None:
    """Another session ``user`` holds a place in (or waits for) whose time overlaps."""
    mine = sa.orm.aliased(SessionSlot)
    theirs = sa.orm.aliased(SessionSlot)
    return db.session.scalar(
        sa.select(TrainingSession)
        .join(Enrolment, Enrolment.session_id == TrainingSession.id)
        .join(theirs, theirs.session_id == TrainingSession.id)
        .join(
            mine,
            sa.and_(
                mine.session_id == session.id,
                mine.starts_at < theirs.ends_at,
                theirs.starts_at < mine.ends_at,
            ),
        )
        .where(
            Enrolment.user_id == user.id,
            Enrolment.status.in_((ENROLLED, WAITLISTED)),
            TrainingSession.id != session.id,
        )
        .limit(1)
    )


def enrol(actor: User, session: TrainingSession, user: User) -> Enrolment:
    """Give ``user`` a place in ``session``, or a place on its waitlist when it is full.

    ``actor`` is ``user`` themself, a manager of a unit where ``user`` holds a position,
    or an admin. Raises ``PermissionDenied`` for anyone else, and ``Invalid`` when
    enrolment is not open, ``user`` is outside the target audience, already holds a place,
    or holds another session at an overlapping time.
    """
    ensure_role(actor, Role.LEARNER, Role.TRAINER, Role.MANAGER, Role.ADMIN)
    if actor.id != user.id and not (
        actor.has_any_role({Role.MANAGER, Role.ADMIN}) and in_manager_scope(actor, user)
    ):
        raise PermissionDenied(_l("You can enrol only yourself or people in your units."))
    now = clock.now()
    if not session.enrol_opens_at <= now < session.enrol_closes_at:
        raise Invalid(_l("Enrolment in this session is not open."))
    if not in_audience(session, user):
        raise Invalid(_l("This session is for another audience."))
    clash = clashing_session(session, user)
    if clash is not None:
        raise Invalid(
            _l(
                "%(name)s already holds the session “%(title)s” at an overlapping time.",
                name=user.full_name,
                title=clash.title_vi,
            )
        )
    session = _locked(session.id)
    # Read inside the lock: the waitlist is served in the order the lock was won.
    now = clock.now()
    enrolment = enrolment_of(session, user)
    if enrolment is not None and enrolment.status != CANCELLED:
        raise Invalid(_l("%(name)s is already enrolled or on the waitlist.", name=user.full_name))
    status = ENROLLED if _taken(session) < session.capacity else WAITLISTED
    if enrolment is None:
        enrolment = Enrolment(session_id=session.id, user_id=user.id)
        db.session.add(enrolment)
    enrolment.status = status
    enrolment.queued_at = now
    enrolment.enrolled_at = now if status == ENROLLED else None
    enrolment.cancelled_at = None
    enrolment.enrolled_by_id = actor.id
    db.session.flush()
    if status == ENROLLED:
        notify(
            user,
            kinds.SESSION_ENROLLED,
            f"session_enrolled:{enrolment.id}:{now.isoformat()}",
            **_about(session),
        )
    audit.record(actor, f"session.{status}", enrolment, user_id=user.id)
    return enrolment


def _taken(session: TrainingSession) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.session_id == session.id, Enrolment.status == ENROLLED)
    )


def _promote(actor: User | None, session: TrainingSession) -> list[Enrolment]:
    """Fill free places from the waitlist, first come first served (inside the lock)."""
    free = session.capacity - _taken(session)
    if free <= 0:
        return []
    promoted = list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.session_id == session.id, Enrolment.status == WAITLISTED)
            .order_by(Enrolment.queued_at, Enrolment.id)
            .limit(free)
        )
    )
    now = clock.now()
    for enrolment in promoted:
        enrolment.status = ENROLLED
        enrolment.enrolled_at = now
        db.session.flush()
        notify(
            db.session.get(User, enrolment.user_id),
            kinds.SESSION_PROMOTED,
            f"session_promoted:{enrolment.id}:{now.isoformat()}",
            **_about(session),
        )
        audit.record(actor, "session.promoted", enrolment, user_id=enrolment.user_id)
    return promoted


def cancel(actor: User, enrolment: Enrolment) -> list[Enrolment]:
    """Give up a place (or a place on the waitlist); the next person waiting is enrolled.

    The person and their managers may cancel until the session's cut-off; its trainers
    and admins at any time. Returns the enrolments promoted. Raises ``PermissionDenied``
    and ``Invalid`` (after the cut-off, or nothing to cancel).
    """
    session = _locked(enrolment.session_id)
    enrolment = enrolment_of(session, db.session.get(User, enrolment.user_id))
    staff = actor.has_any_role({Role.ADMIN}) or actor.id in session.trainer_ids
    if not staff:
        if actor.id != enrolment.user_id and not (
            actor.has_any_role({Role.MANAGER})
            and in_manager_scope(actor, db.session.get(User, enrolment.user_id))
        ):
            raise PermissionDenied(_l("You can cancel only your own enrolment."))
        if clock.now() >= session.cancel_until:
            raise Invalid(_l("The cancellation cut-off for this session has passed."))
    if enrolment.status == CANCELLED:
        raise Invalid(_l("This enrolment is already cancelled."))
    held_place = enrolment.status == ENROLLED
    enrolment.status = CANCELLED
    enrolment.cancelled_at = clock.now()
    db.session.flush()
    audit.record(actor, "session.cancelled", enrolment, user_id=enrolment.user_id)
    return _promote(actor, session) if held_place else []


# --- Attendance ---------------------------------------------------------------------------


def ensure_can_take_attendance(actor: User, session: TrainingSession) -> None:
    """Admins and the session's own trainers take attendance."""
    ensure_role(actor, Role.TRAINER, Role.ADMIN)
    if not actor.has_any_role({Role.ADMIN}) and actor.id not in session.trainer_ids:
        raise PermissionDenied(_l("Only the session's trainers can take attendance."))


def record_attendance(actor: User, session: TrainingSession, marks: dict) -> int:
    """Record the attendance sheet: ``marks`` maps (user id, slot id) to attended, partly
    or absent, for people enrolled in the session. Returns the number of marks changed.
    Raises ``PermissionDenied``, and ``Invalid`` for a person or slot not of the session."""
    ensure_can_take_attendance(actor, session)
    enrolled = {user.id for user in _people(session, (ENROLLED,))}
    slots = {slot.id for slot in session.slots}
    existing = {
        (row.user_id, row.slot_id): row
        for row in db.session.scalars(sa.select(Attendance).where(Attendance.slot_id.in_(slots)))
    }
    now, changed, touched = clock.now(), 0, set()
    for (user_id, slot_id), status in marks.items():
        if user_id not in enrolled or slot_id not in slots or status not in ATTENDANCE_STATES:
            raise Invalid(_l("The sheet names someone or a time slot not in this session."))
        row = existing.get((user_id, slot_id))
        if row is None:
            row = Attendance(slot_id=slot_id, user_id=user_id, checked_in_at=None)
            db.session.add(row)
        elif row.status == status:
            continue
        row.status, row.method = status, BY_SHEET
        row.recorded_at, row.recorded_by_id = now, actor.id
        changed += 1
        touched.add(user_id)
    db.session.flush()
    if changed:
        audit.record(actor, "session.attendance", session, marks=changed)
    for user_id in sorted(touched):
        _attendance_changed(session, db.session.get(User, user_id))
    return changed


def _attendance_changed(session: TrainingSession, user: User) -> None:
    """Tell learning that the learner's record in the module's session activity changed.

    The learner may never have opened the activity: opening it for them makes the record
    that the refresh then brings up to date."""
    if session.module_id is None:
        return
    module = db.session.get(Module, session.module_id)
    version = learning.learner_version(user, module)
    if version is None:
        return
    for activity in activities_of(version.id):
        if (
            registry().can(activity.type_id, Capability.ATTENDANCE)
            and activity.content.get("tag") == session.activity_tag
        ):
            try:
                learning.open_activity(user, module, activity)
            except Invalid:
                return  # a retired module that the learner never started
            signals.activity_state_changed.send(activity, user_id=user.id)


def _window(moment: datetime) -> int:
    return int(moment.timestamp()) // CHECK_IN_WINDOW_SECONDS


def _signature(slot: SessionSlot, window: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"lms.classes.check-in:{slot.session_id}:{slot.id}:{window}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def check_in_token(slot: SessionSlot, moment: datetime) -> str:
    """The code a trainer's screen shows for ``slot`` during the minute of ``moment``."""
    window = _window(moment)
    return f"{window}-{_signature(slot, window)}"


def check_in(user: User, slot: SessionSlot, token: str) -> Attendance:
    """Check ``user`` in to ``slot`` with a code from the trainer's screen.

    A code is signed for one session and slot and is good in the minute it was shown and
    the next. Raises ``Invalid`` for a code of another slot or tampered with, an expired
    code, someone not enrolled, or a second check-in to the same slot.
    """
    window_text, _, signature = token.partition("-")
    if not window_text.isdigit() or not hmac.compare_digest(
        signature, _signature(slot, int(window_text))
    ):
        raise Invalid(CODE_TAMPERED)
    now = clock.now()
    if int(window_text) not in (_window(now), _window(now) - 1):
        raise Invalid(CODE_EXPIRED)
    session = db.session.get(TrainingSession, slot.session_id)
    enrolment = enrolment_of(session, user)
    if enrolment is None or enrolment.status != ENROLLED:
        raise Invalid(_l("You are not enrolled in this session, so you cannot check in."))
    fresh = insert_once(
        db.session,
        Attendance,
        {
            "slot_id": slot.id,
            "user_id": user.id,
            "status": ATTENDED,
            "method": BY_QR,
            "checked_in_at": now,
            "recorded_at": now,
            "recorded_by_id": user.id,
        },
        unique=[Attendance.slot_id, Attendance.user_id],
    )
    attendance = db.session.scalar(
        sa.select(Attendance)
        .where(Attendance.slot_id == slot.id, Attendance.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    if not fresh:
        if attendance.checked_in_at is not None or attendance.status == ATTENDED:
            raise Invalid(ALREADY_CHECKED_IN)
        # The trainer had marked them absent or partly present before they scanned.
        attendance.status, attendance.method = ATTENDED, BY_QR
        attendance.checked_in_at = attendance.recorded_at = now
        attendance.recorded_by_id = user.id
    db.session.flush()
    _attendance_changed(session, user)
    return attendance


# --- Calendar and reminders ---------------------------------------------------------------


def calendar_token(user: User, *, renew: bool = False) -> str:
    """The token of ``user``'s calendar feed address; ``renew`` replaces it, so the old
    address stops working."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(32))
        db.session.add(feed)
    elif renew:
        feed.token = secrets.token_urlsafe(32)
    db.session.flush()
    return feed.token


def send_reminders(*, ahead: timedelta = timedelta(hours=24)) -> int:
    """Remind everyone enrolled of each time slot that starts within ``ahead``; once per
    person and slot, however often it runs. Returns the number of reminders made."""
    now = clock.now()
    rows = db.session.execute(
        sa.select(SessionSlot, TrainingSession, User)
        .join(TrainingSession, TrainingSession.id == SessionSlot.session_id)
        .join(Enrolment, Enrolment.session_id == TrainingSession.id)
        .join(User, User.id == Enrolment.user_id)
        .where(
            Enrolment.status == ENROLLED,
            SessionSlot.starts_at > now,
            SessionSlot.starts_at <= now + ahead,
        )
        .order_by(SessionSlot.starts_at, User.id)
    ).all()
    told = 0
    for slot, session, user in rows:
        told += notify(
            user,
            kinds.SESSION_REMINDER,
            f"session_reminder:{slot.id}",
            **{**_about(session), "starts_at": slot.starts_at.isoformat()},
        )
    return told
