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
from lms.core.db import insert_rows, resample
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
    changed, new = _differences(wanted, current)
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


def _differences(wanted: dict, current: dict) -> tuple[list, list]:
    """The keys of ``wanted`` requirements whose current assignment must change (due date or
    validity), and those with no current assignment (new)."""
    changed = [
        key
        for key, requirement in wanted.items()
        if key in current
        and (current[key].due_on, current[key].validity_months)
        != (requirement.due_on, requirement.validity_months)
    ]
    return changed, [key for key in wanted if key not in current]


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
    carried = _carried(completion, assignment.validity_months)
    for column, value in carried.items():
        setattr(assignment, column, value)
    if completion is not None:
        completion.expires_on = carried["expires_on"]


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


def sync_users(user_ids, *, today: date | None = None, module_ids=None) -> SyncResult:
    """``sync_user`` for each of ``user_ids`` (a list or a select of ids) who has anything to
    sync (a curriculum of a position held today, a manual assignment or a current module
    assignment; the others, found in the same query, are skipped), set-based: a constant
    number of statements per ``SYNC_BATCH`` people, however many they are (a roster import's
    chunk, everyone holding a position whose curriculum changed, the daily job). With
    ``module_ids``, only the assignments of those modules are synced (a curriculum change
    of one module leaves the others as they were)."""
    today = today or clock.today()
    if not isinstance(user_ids, sa.Select):
        user_ids = list(user_ids)
        if not user_ids:
            return SyncResult()
    if module_ids is not None:
        module_ids = list(module_ids)

    concerned = sa.union(
        sa.select(PositionAssignment.user_id)
        .join(CurriculumItem, CurriculumItem.position_id == PositionAssignment.position_id)
        .where(
            PositionAssignment.user_id.in_(user_ids),
            holds_on(today),
            *_of_modules(CurriculumItem.module_id, module_ids),
        ),
        sa.select(ManualAssignment.user_id).where(
            ManualAssignment.user_id.in_(user_ids),
            ManualAssignment.withdrawn_on.is_(None),
            *_of_modules(ManualAssignment.module_id, module_ids),
        ),
        sa.select(ModuleAssignment.user_id).where(
            ModuleAssignment.user_id.in_(user_ids),
            ModuleAssignment.retired_on.is_(None),
            *_of_modules(ModuleAssignment.module_id, module_ids),
        ),
    ).subquery()
    db.session.flush()
    people = list(db.session.scalars(sa.select(concerned.c.user_id).order_by(concerned.c.user_id)))
    total = SyncResult()
    for start in range(0, len(people), SYNC_BATCH):
        total += _sync_batch(people[start : start + SYNC_BATCH], today, module_ids)
    # Before the summary rows are refreshed from them (at the flush that follows).
    resample(db.session, ModuleAssignment, total.assigned)
    return total


def _of_modules(column, module_ids: list[int] | None) -> list:
    """The condition keeping a sync to ``module_ids`` (None: every module)."""
    return [] if module_ids is None else [column.in_(module_ids)]


# People synced together: each statement of ``_sync_batch`` names them in an IN list.
SYNC_BATCH = 1000


def _sync_batch(user_ids: list[int], today: date, module_ids: list[int] | None) -> SyncResult:
    """``sync_user`` for ``user_ids`` together: the requirements, current assignments and
    progress read in one query each, the differences written in one statement each (new
    assignments, changed due dates, retirements, the completions' validity, notifications)."""

    original = sa.orm.aliased(PositionAssignment)
    item = CurriculumItem
    curriculum = db.session.execute(
        sa.select(
            PositionAssignment.user_id,
            PositionAssignment.position_id,
            item.module_id,
            item.due_basis,
            item.due_days,
            item.due_on,
            item.validity_months,
            sa.func.coalesce(original.starts_on, PositionAssignment.starts_on).label("started"),
        )
        .join(PositionAssignment, PositionAssignment.position_id == item.position_id)
        .outerjoin(original, original.id == PositionAssignment.continues_id)
        .join(Module, Module.id == item.module_id)
        .where(
            PositionAssignment.user_id.in_(user_ids),
            holds_on(today),
            Module.retired_at.is_(None),
            *_of_modules(item.module_id, module_ids),
        )
    ).all()
    manual = db.session.execute(
        sa.select(
            ManualAssignment.id,
            ManualAssignment.user_id,
            ManualAssignment.module_id,
            ManualAssignment.due_on,
        )
        .join(Module, Module.id == ManualAssignment.module_id)
        .where(
            ManualAssignment.user_id.in_(user_ids),
            ManualAssignment.withdrawn_on.is_(None),
            Module.retired_at.is_(None),
            *_of_modules(ManualAssignment.module_id, module_ids),
        )
    ).all()
    ma = ModuleAssignment
    current = {
        (row.user_id, row.module_id): row
        for row in db.session.execute(
            sa.select(ma.id, ma.user_id, ma.module_id, ma.assigned_on, ma.due_on)
            .add_columns(ma.validity_months)
            .where(
                ma.user_id.in_(user_ids),
                ma.retired_on.is_(None),
                *_of_modules(ma.module_id, module_ids),
            )
        )
    }
    wanted: dict[tuple[int, int], Requirement] = {}
    for row in curriculum:
        key = (row.user_id, row.module_id)
        assigned_on = current[key].assigned_on if key in current else today
        wanted.setdefault(key, Requirement()).require(
            _due(row, row.started, assigned_on), row.validity_months, f"position:{row.position_id}"
        )
    for row in manual:
        wanted.setdefault((row.user_id, row.module_id), Requirement()).require(
            row.due_on, None, f"manual:{row.id}"
        )
    changed, new = _differences(wanted, current)
    retired = [row.id for key, row in current.items() if key not in wanted]
    progress = _progress_of([*changed, *new])
    result = SyncResult(assigned=len(new), updated=len(changed), retired=len(retired))
    carried_over: dict[int, date | None] = {}  # completion id -> its new expiry

    def carried(key, validity_months) -> dict:
        completion = progress[key].completion
        values = _carried(completion, validity_months)
        if completion is not None and completion.expires_on != values["expires_on"]:
            carried_over[completion.id] = values["expires_on"]
        return values

    if changed:
        table = ma.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("assignment_id"))
            .values(
                due_on=sa.bindparam("new_due_on"),
                validity_months=sa.bindparam("new_validity"),
                completed_at=sa.bindparam("new_completed_at"),
                expires_on=sa.bindparam("new_expires_on"),
                renewal_opens_on=sa.bindparam("new_renewal_opens_on"),
            ),
            [
                {
                    "assignment_id": current[key].id,
                    "new_due_on": wanted[key].due_on,
                    "new_validity": wanted[key].validity_months,
                    **{
                        f"new_{name}": value
                        for name, value in carried(key, wanted[key].validity_months).items()
                    },
                }
                for key in changed
            ],
        )
    if retired:
        db.session.execute(sa.update(ma).where(ma.id.in_(retired)).values(retired_on=today))
    if new:
        now = clock.now()
        rows = []
        for key in new:
            requirement = wanted[key]
            started = progress[key].current
            rows.append(
                {
                    "user_id": key[0],
                    "module_id": key[1],
                    "assigned_on": today,
                    "due_on": requirement.due_on,
                    "validity_months": requirement.validity_months,
                    "started_at": started.started_at if started is not None else None,
                    "created_at": now,
                    **carried(key, requirement.validity_months),
                }
            )
        inserted = insert_rows(db.session, ma, rows, returning=(ma.id, ma.user_id, ma.module_id))
        _notify_assigned(inserted, {key: wanted[key].due_on for key in new})
    if carried_over:
        table = ModuleProgress.__table__
        db.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("progress_id"))
            .values(expires_on=sa.bindparam("new_expires_on")),
            [
                {"progress_id": progress_id, "new_expires_on": expires_on}
                for progress_id, expires_on in carried_over.items()
            ],
        )
    touched = {key[0] for key in [*changed, *new]}
    touched |= {key[0] for key, row in current.items() if key not in wanted}
    if touched:
        _expire_loaded(touched)
        summaries.touch(touched, module_ids=module_ids)
        signals.many_module_assignments_changed.send(sorted(touched))
    return result


@dataclass
class _ProgressRow:
    current: sa.Row | None = None
    completion: sa.Row | None = None  # the latest, in any cycle or version


def _progress_of(keys: list[tuple[int, int]]) -> dict[tuple[int, int], _ProgressRow]:
    """``_progress_by_module`` for many (user, module) pairs: one query."""
    found = {key: _ProgressRow() for key in keys}
    if not keys:
        return found
    mp = ModuleProgress
    rows = db.session.execute(
        sa.select(mp.id, mp.user_id, mp.module_id, mp.started_at, mp.completed_at)
        .add_columns(mp.superseded_at, mp.expires_on)
        .where(
            mp.user_id.in_({key[0] for key in keys}),
            mp.module_id.in_({key[1] for key in keys}),
        )
        .order_by(mp.completed_at.desc().nulls_last())
    )
    for row in rows:
        mine = found.get((row.user_id, row.module_id))
        if mine is None:
            continue
        if row.superseded_at is None:
            mine.current = row
        if row.completed_at is not None and mine.completion is None:
            mine.completion = row
    return found


def _carried(completion, validity_months: int | None) -> dict:
    """The completion columns of an assignment that carries ``completion`` (the latest, in
    any cycle or version) with ``validity_months``; the completion expires with it."""
    if completion is None:
        return {"completed_at": None, "expires_on": None, "renewal_opens_on": None}
    expires_on = None
    if validity_months:
        completed_on = clock.local_date(completion.completed_at)
        expires_on = clock.add_months(completed_on, validity_months)
    window = timedelta(days=current_app.config["LMS_RENEWAL_WINDOW_DAYS"])
    return {
        "completed_at": completion.completed_at,
        "expires_on": expires_on,
        "renewal_opens_on": expires_on - window if expires_on else None,
    }


def _notify_assigned(inserted, due: dict[tuple[int, int], date | None]) -> None:
    """Tell each person of their new assignments (``_assign``'s notifications), at once."""
    versions = latest_versions({module_id for _id, _user, module_id in inserted})
    people = {user_id for _id, user_id, _module in inserted}
    with_email = set(
        db.session.scalars(
            sa.select(User.id).where(User.id.in_(people), User.email.is_not(None), User.email != "")
        )
    )
    events = []
    for assignment_id, user_id, module_id in sorted(inserted):
        version = versions[module_id]
        due_on = due[(user_id, module_id)]
        events.append(
            notifications.Event(
                user_id,
                user_id in with_email,
                f"assigned:{assignment_id}",
                {
                    "title": dict(version.manifest["title"]),
                    "due_on": due_on.isoformat() if due_on else None,
                    "url": f"/modules/{version.module.slug}",
                },
            )
        )
    notifications.notify_many(ASSIGNED, events)


def _expire_loaded(user_ids: set[int]) -> None:
    """Objects of these people's assignments and progress already in the session were
    written around (Core statements): they load again when next read."""
    for instance in list(db.session.identity_map.values()):
        mine = sa.inspect(instance).dict.get("user_id") in user_ids
        if mine and isinstance(instance, (ModuleAssignment, ModuleProgress)):
            db.session.expire(instance)


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
    # A new position requires only its curriculum's modules; none, nothing to sync (most
    # roster imports: one query a chunk).
    positions = {assignment.position_id for assignment in assignments}
    modules = db.session.scalars(
        sa.select(CurriculumItem.module_id)
        .where(CurriculumItem.position_id.in_(positions))
        .distinct()
    ).all()
    if modules:
        sync_users(sorted(user_ids), module_ids=modules)


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
def _on_curriculum_changed(position, actor, module_id=None) -> None:
    modules = None if module_id is None else [module_id]
    summaries.touch_position(position.id, modules)
    sync_users(holders_of(position.id, today=clock.today()), module_ids=modules)
