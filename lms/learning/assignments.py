"""Module assignments: what each person must complete, by when, and whether it still holds.

The assignment engine is ``sync_user``: it works out what a person's current positions'
curricula and their managers' individual assignments require, and makes the stored
assignments say exactly that. It is idempotent, so every change (a position assigned or
ended, a unit merged, a curriculum edited) simply runs it again, and so does the daily
``lms assignments sync``.

States, computed from stored facts and today's date (``queries.assignment_state``), so
that reports count them in SQL and no nightly job has to flip them::

    not assigned --assign--> assigned --start--> in progress --complete--> completed
    completed --(expiry - renewal window)--> renewal open --(expiry)--> expired
    renewal open | expired --start renewal--> in progress (a new cycle) --> completed
    any --no longer required--> retired, i.e. not assigned (the row stays as history)

Overdue is a flag, not a state: not validly completed, and the due date (for an expired
completion, its expiry date) has passed. Every earlier completion stays in the learner's
progress history with the version it was earned on and the date it was valid until.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.catalogue.queries import latest_versions
from lms.core import audit, clock, signals
from lms.core.errors import Invalid, PermissionDenied
from lms.extensions import db
from lms.learning import summaries
from lms.learning.models import ASSIGNED as ASSIGNED_STATE
from lms.learning.models import (
    IN_PROGRESS,
    RENEWAL_OPEN,
    ManualAssignment,
    ModuleAssignment,
    ModuleProgress,
)
from lms.learning.queries import assignment_state, effective_due, is_overdue
from lms.notifications import services as notifications
from lms.notifications.models import ASSIGNED, DUE_SOON, OVERDUE
from lms.notifications.models import RENEWAL_OPEN as RENEWAL_NOTICE
from lms.org.models import (
    DUE_FROM_ASSIGNMENT,
    DUE_FROM_POSITION_START,
    CurriculumItem,
    PositionAssignment,
)
from lms.org.queries import holds_on, in_scope


@dataclass
class Requirement:
    """What a person's positions and managers require of one module, merged."""

    due_on: date | None = None
    validity_months: int | None = None
    reasons: list[str] = field(default_factory=list)

    def require(self, due_on: date | None, validity_months: int | None, reason: str) -> None:
        if due_on is not None and (self.due_on is None or due_on < self.due_on):
            self.due_on = due_on
        if validity_months is not None and (
            self.validity_months is None or validity_months < self.validity_months
        ):
            self.validity_months = validity_months
        self.reasons.append(reason)


@dataclass
class SyncResult:
    assigned: int = 0
    updated: int = 0
    retired: int = 0

    def __iadd__(self, other: "SyncResult") -> "SyncResult":
        self.assigned += other.assigned
        self.updated += other.updated
        self.retired += other.retired
        return self

    @property
    def changed(self) -> bool:
        return bool(self.assigned or self.updated or self.retired)


def current_assignments(user_id: int) -> dict[int, ModuleAssignment]:
    query = sa.select(ModuleAssignment).where(
        ModuleAssignment.user_id == user_id, ModuleAssignment.retired_on.is_(None)
    )
    return {assignment.module_id: assignment for assignment in db.session.scalars(query)}


@cache
def _curriculum_rows() -> sa.Select:
    """What a person's current positions' curricula require; built once (the engine runs
    per person, thousands of times in a roster import), with the person and day bound."""
    original = sa.orm.aliased(PositionAssignment)
    # A position that continues another (after a merge) counts from the original start.
    started = sa.func.coalesce(original.starts_on, PositionAssignment.starts_on)
    return (
        sa.select(CurriculumItem, started, PositionAssignment.position_id)
        .join(PositionAssignment, PositionAssignment.position_id == CurriculumItem.position_id)
        .outerjoin(original, original.id == PositionAssignment.continues_id)
        .join(Module, Module.id == CurriculumItem.module_id)
        .where(
            PositionAssignment.user_id == sa.bindparam("user_id"),
            holds_on(sa.bindparam("today", type_=sa.Date)),
            Module.retired_at.is_(None),
        )
    )


@cache
def _manual_rows() -> sa.Select:
    return (
        sa.select(ManualAssignment)
        .join(Module, Module.id == ManualAssignment.module_id)
        .where(
            ManualAssignment.user_id == sa.bindparam("user_id"),
            ManualAssignment.withdrawn_on.is_(None),
            Module.retired_at.is_(None),
        )
    )


def _requirements(user: User, today: date, current: dict) -> dict[int, Requirement]:
    bound = {"user_id": user.id, "today": today}
    wanted: dict[int, Requirement] = {}
    for item, position_start, position_id in db.session.execute(_curriculum_rows(), bound):
        assigned_on = current[item.module_id].assigned_on if item.module_id in current else today
        wanted.setdefault(item.module_id, Requirement()).require(
            _due(item, position_start, assigned_on), item.validity_months, f"position:{position_id}"
        )
    for assignment in db.session.scalars(_manual_rows(), bound):
        wanted.setdefault(assignment.module_id, Requirement()).require(
            assignment.due_on, None, f"manual:{assignment.id}"
        )
    return wanted


def _due(item: CurriculumItem, position_start: date, assigned_on: date) -> date:
    if item.due_basis == DUE_FROM_POSITION_START:
        return position_start + timedelta(days=item.due_days)
    if item.due_basis == DUE_FROM_ASSIGNMENT:
        return assigned_on + timedelta(days=item.due_days)
    return item.due_on


def sync_user(user: User, *, today: date | None = None) -> SyncResult:
    """Make ``user``'s module assignments match what is required of them today.

    New requirements are assigned (already counting a valid earlier completion); due
    dates and validity follow curriculum changes; what nothing requires any more is
    retired, never deleted. Sends ``module_assignments_changed`` when anything changed.
    """
    today = today or clock.today()
    current = current_assignments(user.id)
    wanted = _requirements(user, today, current)
    result = SyncResult()
    changed = [
        module_id
        for module_id, requirement in wanted.items()
        if module_id in current
        and (current[module_id].due_on, current[module_id].validity_months)
        != (requirement.due_on, requirement.validity_months)
    ]
    new = [module_id for module_id in wanted if module_id not in current]
    progress = _progress_by_module(user.id, [*changed, *new])
    for module_id in changed:
        assignment = current[module_id]
        assignment.due_on = wanted[module_id].due_on
        assignment.validity_months = wanted[module_id].validity_months
        _apply_completion(assignment, progress[module_id].completion)
        result.updated += 1
    if new:
        _assign(user, {module_id: wanted[module_id] for module_id in new}, progress, today)
        result.assigned += len(new)
    for module_id, assignment in current.items():
        if module_id not in wanted:
            assignment.retired_on = today
            result.retired += 1
    db.session.flush()
    if result.changed:
        summaries.touch([user.id])
        signals.module_assignments_changed.send(user)
    return result


@dataclass
class _Progress:
    current: ModuleProgress | None = None
    completion: ModuleProgress | None = None  # the latest, in any cycle or version


def _progress_by_module(user_id: int, module_ids: list[int]) -> dict[int, _Progress]:
    found = {module_id: _Progress() for module_id in module_ids}
    if not module_ids:
        return found
    rows = db.session.scalars(
        sa.select(ModuleProgress)
        .where(ModuleProgress.user_id == user_id, ModuleProgress.module_id.in_(module_ids))
        .order_by(ModuleProgress.completed_at.desc().nulls_last())
    )
    for row in rows:
        mine = found[row.module_id]
        if row.superseded_at is None:
            mine.current = row
        if row.completed_at is not None and mine.completion is None:
            mine.completion = row
    return found


def _assign(user: User, wanted: dict[int, Requirement], progress: dict, today: date) -> None:
    assignments = []
    for module_id, requirement in wanted.items():
        current = progress[module_id].current
        assignment = ModuleAssignment(
            user_id=user.id,
            module_id=module_id,
            assigned_on=today,
            due_on=requirement.due_on,
            validity_months=requirement.validity_months,
            started_at=current.started_at if current is not None else None,
            created_at=clock.now(),
        )
        _apply_completion(assignment, progress[module_id].completion)
        assignments.append(assignment)
    db.session.add_all(assignments)
    db.session.flush()
    versions = latest_versions(wanted)
    for assignment in assignments:
        version = versions[assignment.module_id]
        notifications.notify(
            user,
            ASSIGNED,
            f"assigned:{assignment.id}",
            title=dict(version.manifest["title"]),
            due_on=assignment.due_on.isoformat() if assignment.due_on else None,
            url=f"/modules/{version.module.slug}",
        )


def _apply_completion(assignment: ModuleAssignment, completion: ModuleProgress | None) -> None:
    """Carry the latest completion, with the validity the assignment now asks for."""
    if completion is None:
        assignment.completed_at = assignment.expires_on = assignment.renewal_opens_on = None
        return
    assignment.completed_at = completion.completed_at
    expires_on = None
    if assignment.validity_months:
        completed_on = clock.local_date(completion.completed_at)
        expires_on = clock.add_months(completed_on, assignment.validity_months)
    completion.expires_on = expires_on
    assignment.expires_on = expires_on
    window = timedelta(days=current_app.config["LMS_RENEWAL_WINDOW_DAYS"])
    assignment.renewal_opens_on = expires_on - window if expires_on else None


def record_start(user_id: int, module_id: int, started_at) -> None:
    """A learner started a module (or a renewal of it): the assignment is in progress."""
    db.session.execute(
        sa.update(ModuleAssignment)
        .where(
            ModuleAssignment.user_id == user_id,
            ModuleAssignment.module_id == module_id,
            ModuleAssignment.retired_on.is_(None),
        )
        .values(started_at=started_at)
    )
    summaries.touch([user_id])


def record_completion(progress: ModuleProgress) -> None:
    """A learner completed a module: the completion gets the validity its assignment asks
    for (none when the module is not assigned to them)."""
    assignment = current_assignments(progress.user_id).get(progress.module_id)
    if assignment is not None:
        _apply_completion(assignment, progress)
    db.session.flush()
    # Completions count in the chart even when the module is not assigned.
    summaries.touch([progress.user_id])


def sync_users(user_ids, *, today: date | None = None) -> SyncResult:
    """``sync_user`` for each of ``user_ids`` (a list or a select of ids) who has anything to
    sync: a curriculum of a position held today, a manual assignment or a current module
    assignment. The others, found in the same query, are skipped: there is nothing to do
    for them (a roster import's new people whose positions have no curriculum)."""
    today = today or clock.today()
    if not isinstance(user_ids, sa.Select):
        user_ids = list(user_ids)
        if not user_ids:
            return SyncResult()
    concerned = sa.union(
        sa.select(PositionAssignment.user_id)
        .join(CurriculumItem, CurriculumItem.position_id == PositionAssignment.position_id)
        .where(PositionAssignment.user_id.in_(user_ids), holds_on(today)),
        sa.select(ManualAssignment.user_id).where(
            ManualAssignment.user_id.in_(user_ids), ManualAssignment.withdrawn_on.is_(None)
        ),
        sa.select(ModuleAssignment.user_id).where(
            ModuleAssignment.user_id.in_(user_ids), ModuleAssignment.retired_on.is_(None)
        ),
    ).subquery()
    total = SyncResult()
    query = sa.select(User).where(User.id.in_(sa.select(concerned.c.user_id))).order_by(User.id)
    for user in db.session.scalars(query):
        total += sync_user(user, today=today)
    return total


def sync_everyone(*, today: date | None = None) -> SyncResult:
    """``sync_user`` for everyone who holds a position or has an assignment (the daily job)."""
    concerned = sa.union(
        sa.select(PositionAssignment.user_id),
        sa.select(ModuleAssignment.user_id).where(ModuleAssignment.retired_on.is_(None)),
        sa.select(ManualAssignment.user_id),
    ).subquery()
    return sync_users(sa.select(concerned.c.user_id), today=today)


def holders_of(position_id: int, *, today: date):
    return sa.select(PositionAssignment.user_id).where(
        PositionAssignment.position_id == position_id, holds_on(today)
    )


def assign_manually(actor: User, user: User, module: Module, *, due_on: date) -> SyncResult:
    """A manager assigns ``module`` to ``user`` (someone in their units), due ``due_on``.

    Raises ``PermissionDenied`` when ``user`` holds no position in the actor's units and
    ``Invalid`` for a retired module or a due date in the past.
    """
    in_units = sa.select(PositionAssignment.id).where(
        PositionAssignment.user_id == user.id,
        holds_on(clock.today()),
        in_scope(actor, PositionAssignment.unit_id),
    )
    if db.session.scalar(in_units.limit(1)) is None:
        raise PermissionDenied(_l("This person is outside the units you manage."))
    if module.retired_at is not None:
        raise Invalid(_l("This module has been retired and cannot be assigned."))
    if due_on < clock.today():
        raise Invalid(_l("The due date cannot be in the past."))
    db.session.add(
        ManualAssignment(
            user_id=user.id,
            module_id=module.id,
            due_on=due_on,
            assigned_by_id=actor.id,
            created_at=clock.now(),
        )
    )
    audit.record(actor, "assignment.manual", user, module=module.slug, due_on=due_on.isoformat())
    return sync_user(user)


def notify_due_dates(today: date) -> int:
    """Tell people what is due soon, overdue or open for renewal; each event once, however
    often this runs. Returns how many were told."""
    soon = today + timedelta(days=current_app.config["LMS_DUE_SOON_DAYS"])
    state, due = assignment_state(today), effective_due(today)
    rows = db.session.execute(
        sa.select(ModuleAssignment, User, state, due, is_overdue(today))
        .join(User, User.id == ModuleAssignment.user_id)
        .where(
            ModuleAssignment.retired_on.is_(None),
            User.active.is_(True),
            sa.or_(
                is_overdue(today),
                state == RENEWAL_OPEN,
                sa.and_(state.in_([ASSIGNED_STATE, IN_PROGRESS]), due <= soon),
            ),
        )
    ).all()
    versions = latest_versions({row[0].module_id for row in rows})
    told = 0
    for assignment, user, state_now, due_on, overdue in rows:
        version = versions[assignment.module_id]
        about = {
            "title": dict(version.manifest["title"]),
            "url": f"/modules/{version.module.slug}",
        }
        if overdue:
            kind, key = OVERDUE, f"overdue:{assignment.id}:{due_on}"
        elif state_now == RENEWAL_OPEN:
            kind, key = RENEWAL_NOTICE, f"renewal:{assignment.id}:{assignment.expires_on}"
            about["expires_on"] = assignment.expires_on.isoformat()
        else:
            kind, key = DUE_SOON, f"due_soon:{assignment.id}:{due_on}"
        if due_on is not None:
            about["due_on"] = due_on.isoformat()
        told += notifications.notify(user, kind, key, **about)
    return told


@signals.positions_assigned.connect
def _on_positions_assigned(assignments, actor) -> None:
    user_ids = {assignment.user_id for assignment in assignments}
    summaries.touch(user_ids, {assignment.unit_id for assignment in assignments})
    sync_users(sorted(user_ids))


@signals.position_ended.connect
def _on_position_ended(assignment: PositionAssignment, actor) -> None:
    sync_user(assignment.user)
    summaries.touch([assignment.user_id], [assignment.unit_id])


@signals.org_unit_merged.connect
def _on_unit_merged(source, target, actor, on) -> None:
    # Sub-units moved from the source's tree to the target's, people from one to the other.
    summaries.reroll([source.id, target.id])
    summaries.touch(unit_ids=[source.id, target.id])
    sync_users(
        sa.select(PositionAssignment.user_id).where(
            PositionAssignment.unit_id.in_([source.id, target.id])
        )
    )


@signals.curriculum_changed.connect
def _on_curriculum_changed(position, actor) -> None:
    summaries.touch_position(position.id)
    sync_users(holders_of(position.id, today=clock.today()))
