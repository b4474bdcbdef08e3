"""Assigning a module to everyone of a scope at once, from where a manager looks at them.

A scope is a unit's subtree (None: everything the actor may see), optionally narrowed to
one position's holders there: the very people a report row counts
(``lms.org.queries.holders``), within the units the actor manages (an admin: anywhere).
``preview`` says how many people it reaches, in one COUNT; ``request`` records the job
and ``run_job`` (the ``learning.bulk_assign`` task) does the work, set-based, a chunk of
people at a time:

- each person gets a manual assignment, as ``assign_manually`` gives one person; with
  ``only_missing`` only those without a current assignment of the module;
- the assignment engine then syncs that module for them set-based
  (``lms.learning.assignments.sync_users``): who had no current assignment of it gets
  one, counting an earlier completion, and is told; who had one keeps it, due by the
  earlier of its due date and this one.

A chunk is a handful of statements whatever its size, and is committed with the job's
progress, so a job run again (a worker that died) goes on after the last person done and
gives nobody anything twice.
"""

import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.core import audit, clock
from lms.core.db import insert_rows
from lms.core.errors import Invalid, NotFound, PermissionDenied
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.learning import assignments
from lms.learning.models import (
    BULK_DONE,
    BULK_FAILED,
    BULK_QUEUED,
    BULK_RUNNING,
    BulkAssignment,
    ManualAssignment,
    ModuleAssignment,
)
from lms.org.models import OrgUnit
from lms.org.queries import holders, in_scope

log = logging.getLogger(__name__)

# People taken at a time: each chunk is a few statements and one commit.
CHUNK = 1000
SAMPLE = 5

_ma = ModuleAssignment


@dataclass(frozen=True)
class Scope:
    """Whom a bulk assignment reaches: a unit's subtree (None: the actor's whole scope),
    optionally only the holders of a position there."""

    unit_id: int | None = None
    position_id: int | None = None


@dataclass(frozen=True)
class Preview:
    people: int  # in the scope
    already: int  # of whom already have a current assignment of the module
    reached: int  # who will get a manual assignment
    sample: list[str]  # names of some of those

    @property
    def new(self) -> int:
        """Who will get an assignment they did not have."""
        return self.people - self.already


def _people(actor: User, scope: Scope, today: date) -> sa.Select:
    return holders(actor, today, unit_id=scope.unit_id, position_id=scope.position_id)


def _has_it(module_id: int) -> sa.Exists:
    return sa.exists().where(
        _ma.user_id == User.id, _ma.module_id == module_id, _ma.retired_on.is_(None)
    )


def preview(actor: User, scope: Scope, module: Module, *, only_missing: bool) -> Preview:
    """How many people of ``scope`` a bulk assignment of ``module`` reaches (one COUNT),
    and the names of a few of them (one query)."""
    people = User.id.in_(_people(actor, scope, clock.today()))
    has_it = _has_it(module.id)
    total, already = db.session.execute(
        sa.select(sa.func.count(), sa.func.count(sa.case((has_it, 1)))).where(people)
    ).one()
    reached = [people, ~has_it] if only_missing else [people]
    sample = db.session.scalars(
        sa.select(User.full_name).where(*reached).order_by(User.full_name, User.id).limit(SAMPLE)
    )
    return Preview(
        people=total,
        already=already,
        reached=total - already if only_missing else total,
        sample=list(sample),
    )


def check(actor: User, scope: Scope, module: Module, due_on: date) -> None:
    """The rules of a bulk assignment (``request``'s refusals), for the preview to show."""
    ensure_role(actor, Role.MANAGER, Role.ADMIN)
    if scope.unit_id is not None:
        visible = sa.select(OrgUnit.id).where(
            OrgUnit.id == scope.unit_id, in_scope(actor, OrgUnit.id)
        )
        if db.session.scalar(visible) is None:
            raise NotFound(_l("This unit is outside the units you manage."))
    if module.retired_at is not None:
        raise Invalid(_l("This module has been retired and cannot be assigned."))
    if due_on < clock.today():
        raise Invalid(_l("The due date cannot be in the past."))


def request(
    actor: User, scope: Scope, module: Module, *, due_on: date, only_missing: bool
) -> BulkAssignment:
    """Record a bulk assignment to run as a job (the caller commits, then enqueues
    ``learning.bulk_assign`` with its id). Raises ``NotFound`` for a unit outside the
    actor's scope, ``PermissionDenied`` for anyone but a manager or an admin, and
    ``Invalid`` for a retired module or a due date in the past."""
    check(actor, scope, module, due_on)
    seen = preview(actor, scope, module, only_missing=only_missing)
    job = BulkAssignment(
        actor_id=actor.id,
        module_id=module.id,
        unit_id=scope.unit_id,
        position_id=scope.position_id,
        due_on=due_on,
        only_missing=only_missing,
        status=BULK_QUEUED,
        people=seen.people,
    )
    db.session.add(job)
    audit.record(
        actor,
        "assignment.bulk_requested",
        job,
        module=module.slug,
        unit_id=scope.unit_id,
        position_id=scope.position_id,
        due_on=due_on.isoformat(),
        only_missing=only_missing,
        people=seen.people,
    )
    return job


def visible_job(actor: User, job_id: int) -> BulkAssignment | None:
    """The job if ``actor`` asked for it (an admin: any job); else None, like an absent one."""
    query = sa.select(BulkAssignment).where(BulkAssignment.id == job_id)
    if not actor.has_any_role({Role.ADMIN}):
        query = query.where(BulkAssignment.actor_id == actor.id)
    return db.session.scalar(query)


@dataclass
class ChunkResult:
    people: int = 0
    assigned: int = 0
    already_had: int = 0
    last_user_id: int = 0


def assign_chunk(actor: User, job: BulkAssignment, *, after: int, size: int = CHUNK) -> ChunkResult:
    """Apply ``job`` to the next ``size`` people of its scope with an id above ``after``;
    flushes. A handful of statements, however many people."""
    today = clock.today()
    module_id, due_on = job.module_id, job.due_on
    scope = Scope(job.unit_id, job.position_id)
    same_manual = sa.exists().where(
        ManualAssignment.user_id == User.id,
        ManualAssignment.module_id == module_id,
        ManualAssignment.withdrawn_on.is_(None),
        ManualAssignment.due_on == due_on,
    )
    rows = db.session.execute(
        sa.select(User.id, _has_it(module_id).label("has_it"), same_manual.label("same_manual"))
        .where(User.id.in_(_people(actor, scope, today)), User.id > after)
        .order_by(User.id)
        .limit(size)
    ).all()
    result = ChunkResult(people=len(rows), last_user_id=rows[-1].id if rows else after)
    if not rows:
        return result
    new = [row for row in rows if not row.has_it]
    had = [row for row in rows if row.has_it]
    result.assigned, result.already_had = len(new), len(had)
    reached = new if job.only_missing else rows
    manual = [row for row in reached if not row.same_manual]
    now = clock.now()
    insert_rows(
        db.session,
        ManualAssignment,
        [
            {
                "user_id": row.id,
                "module_id": module_id,
                "due_on": due_on,
                "assigned_by_id": actor.id,
                "created_at": now,
            }
            for row in manual
        ],
    )
    audit.record_many(
        actor,
        "assignment.manual",
        User.__tablename__,
        [(row.id, {"module": job.module.slug, "due_on": due_on, "bulk": job.id}) for row in manual],
    )
    assignments.sync_users([row.id for row in reached], today=today, module_ids=[module_id])
    return result


def run_job(job_id: int, *, size: int = CHUNK, heartbeat=None) -> BulkAssignment | None:
    """Run (or go on with) the bulk assignment ``job_id``, committing chunk by chunk with its
    progress; a finished job is left as it is. Returns the job."""
    job = db.session.get(BulkAssignment, job_id)
    if job is None or job.finished:
        return job
    actor = db.session.get(User, job.actor_id) if job.actor_id is not None else None
    try:
        if actor is None:
            raise Invalid(_l("The person who asked for this assignment no longer exists."))
        ensure_role(actor, Role.MANAGER, Role.ADMIN)
        job.status = BULK_RUNNING
        job.started_at = job.started_at or clock.now()
        db.session.commit()
        while True:
            done = assign_chunk(actor, job, after=job.last_user_id, size=size)
            if not done.people:
                break
            job.people_done += done.people
            job.assigned += done.assigned
            job.already_had += done.already_had
            job.last_user_id = done.last_user_id
            db.session.commit()
            if heartbeat is not None:
                heartbeat()
            if done.people < size:
                break
        job.status = BULK_DONE
        job.finished_at = clock.now()
        audit.record(
            actor,
            "assignment.bulk",
            job,
            module=job.module.slug,
            assigned=job.assigned,
            already_had=job.already_had,
        )
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if isinstance(error, Invalid | PermissionDenied):
            reason = str(error)
        else:  # the details are for the log, not the page
            log.exception("Bulk assignment %s failed", job_id)
            reason = str(_l("An unexpected error stopped it; it has been logged."))
        job = db.session.get(BulkAssignment, job_id)
        job.status = BULK_FAILED
        job.error = reason[:1000]
        job.finished_at = clock.now()
        db.session.commit()
    return job
