"""Read-side queries of a learner's learning: the catalogue, their modules, a module's page."""

from datetime import date, datetime, time

import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.queries import search_condition
from lms.catalogue.models import Activity, Module, ModuleCompetency, ModuleVersion
from lms.catalogue.queries import latest_numbers, live_versions
from lms.core import clock
from lms.extensions import db
from lms.learning.models import (
    ASSIGNED,
    COMPLETED,
    EXPIRED,
    IN_PROGRESS,
    RENEWAL_OPEN,
    ActivityProgress,
    ModuleAssignment,
    ModuleProgress,
)
from lms.notifications.services import unread_count_of


def _current_progress_of(user: User):
    return sa.orm.aliased(
        ModuleProgress,
        sa.select(ModuleProgress)
        .where(ModuleProgress.user_id == user.id, ModuleProgress.superseded_at.is_(None))
        .subquery("mine"),
    )


def catalogue(user: User, *, search: str = "", competency: str = "", language: str = ""):
    """Rows of (version, the learner's current progress or None) for every module open to
    new learners, at its latest version; one statement however many modules."""
    mine = _current_progress_of(user)
    query = (
        live_versions(mine)
        .outerjoin(mine, mine.module_id == Module.id)
        .order_by(ModuleVersion.search_text)
    )
    if search.strip():
        query = query.where(search_condition(ModuleVersion.search_text, search))
    if competency:
        query = query.where(
            sa.exists().where(
                ModuleCompetency.version_id == ModuleVersion.id, ModuleCompetency.code == competency
            )
        )
    if language:
        query = query.where(ModuleVersion.language_codes.contains(f" {language} ", autoescape=True))
    return query


def competency_codes() -> list[str]:
    return list(db.session.scalars(sa.select(ModuleCompetency.code).distinct().order_by("code")))


def my_modules(user: User) -> list:
    """Rows of (progress, latest version number) of every module the learner has started:
    in progress first, most recent first, then completed."""
    latest = latest_numbers()
    query = (
        sa.select(ModuleProgress, latest.c.number)
        .join(latest, latest.c.module_id == ModuleProgress.module_id)
        .where(ModuleProgress.user_id == user.id, ModuleProgress.superseded_at.is_(None))
        .order_by(ModuleProgress.state.desc(), ModuleProgress.last_seen_at.desc())
    )
    return db.session.execute(query).all()


_MODULE_BY_SLUG = sa.select(Module).where(Module.slug == sa.bindparam("slug"))


def module_by_slug(slug: str) -> Module | None:
    return db.session.scalar(_MODULE_BY_SLUG, {"slug": slug})


def _in_activity_worked_in(query: sa.Select) -> sa.Select:
    """``query`` joined to the learner's (``user_id``) current progress in module ``slug``
    and their state in its activity ``key``: no row unless they have opened it."""
    return (
        query.join(
            ModuleProgress,
            sa.and_(
                ModuleProgress.module_id == Module.id,
                ModuleProgress.user_id == sa.bindparam("user_id"),
                ModuleProgress.superseded_at.is_(None),
            ),
        )
        .join(
            Activity,
            sa.and_(
                Activity.version_id == ModuleProgress.version_id,
                Activity.key == sa.bindparam("key"),
            ),
        )
        .join(
            ActivityProgress,
            sa.and_(
                ActivityProgress.module_progress_id == ModuleProgress.id,
                ActivityProgress.activity_id == Activity.id,
            ),
        )
        .where(Module.slug == sa.bindparam("slug"))
    )


# A repeat visit to an activity the learner already works in: one row naming everything a
# text's page shows of the learner (``lms.learning.views._reading_etag``) and when they
# were last seen, so that an unchanged page is known before any object is loaded. Built once.
_VISIT = _in_activity_worked_in(
    sa.select(
        Activity.id.label("activity_id"),
        Activity.type_id,
        Activity.content_hash.label("activity_hash"),
        ModuleVersion.content_hash.label("version_hash"),
        ModuleProgress.state.label("progress_state"),
        ModuleProgress.progress_pct,
        ModuleProgress.last_activity_id,
        ModuleProgress.last_seen_at.label("progress_seen_at"),
        ActivityProgress.state,
        ActivityProgress.data,
        ActivityProgress.last_seen_at.label("state_seen_at"),
        unread_count_of(sa.bindparam("user_id")).label("unread"),
    ).select_from(Module)
).join(ModuleVersion, ModuleVersion.id == ModuleProgress.version_id)


# The objects a learner's form in an activity they already work in needs (a quiz's answers
# are saved as the learner goes): one statement. Built once.
_WORKING_IN = _in_activity_worked_in(
    sa.select(Module, ModuleProgress, Activity, ActivityProgress)
).options(
    # What a save does not read is left to load when something does: the version (its
    # manifest) and the activity's content (a quiz's questions are parsed from it once
    # per process, ``lms.assessment.services.bank``); decoding them was most of a save.
    # The progress's module is this row's.
    sa.orm.lazyload(ModuleProgress.version),
    sa.orm.lazyload(ModuleProgress.module),
    sa.orm.defer(Activity.content),
)


def working_in(user_id: int, slug: str, key: str):
    """(module, current progress, activity, the learner's state in it) for activity
    ``key`` of module ``slug``, or None unless the learner has opened it in their current
    cycle."""
    row = db.session.execute(_WORKING_IN, {"user_id": user_id, "slug": slug, "key": key}).first()
    return None if row is None else tuple(row)


def visit(user_id: int, slug: str, key: str) -> sa.Row | None:
    """The learner's state in activity ``key`` of module ``slug`` in their current cycle,
    with the unread count every page's menu shows; None unless they have opened it."""
    return db.session.execute(_VISIT, {"user_id": user_id, "slug": slug, "key": key}).first()


def activity_states(user: User, version_id: int) -> dict[int, ActivityProgress]:
    """The learner's progress in every activity of a version in their current cycle, by
    activity id; one query."""
    query = (
        sa.select(ActivityProgress)
        .join(ModuleProgress, ModuleProgress.id == ActivityProgress.module_progress_id)
        .where(
            ModuleProgress.user_id == user.id,
            ModuleProgress.version_id == version_id,
            ModuleProgress.superseded_at.is_(None),
        )
    )
    return {state.activity_id: state for state in db.session.scalars(query)}


def completed_versions(user: User, module: Module) -> list[ModuleProgress]:
    """Earlier completions of this module (superseded by a later version), newest first."""
    return list(
        db.session.scalars(
            sa.select(ModuleProgress)
            .where(
                ModuleProgress.user_id == user.id,
                ModuleProgress.module_id == module.id,
                ModuleProgress.superseded_at.is_not(None),
                ModuleProgress.completed_at.is_not(None),
            )
            .order_by(ModuleProgress.completed_at.desc())
        )
    )


def assignment_state(today: date) -> sa.ColumnElement[str]:
    """SQL: the state of a current ``ModuleAssignment`` on ``today`` (see
    ``lms.learning.assignments`` for the state machine)."""
    a = ModuleAssignment
    valid = sa.and_(
        a.completed_at.is_not(None), sa.or_(a.expires_on.is_(None), a.expires_on > today)
    )
    renewing = sa.and_(
        a.started_at.is_not(None), sa.or_(a.completed_at.is_(None), a.started_at > a.completed_at)
    )
    return sa.case(
        (sa.and_(valid, a.renewal_opens_on <= today), RENEWAL_OPEN),
        (valid, COMPLETED),
        (renewing, IN_PROGRESS),
        (a.completed_at.is_not(None), EXPIRED),
        else_=ASSIGNED,
    )


def effective_due(today: date) -> sa.ColumnElement:
    """SQL: the date a current assignment is due by: its due date, or for a completion
    that expired, the day it expired (the module is due again)."""
    a = ModuleAssignment
    return sa.case(
        (sa.and_(a.completed_at.is_not(None), a.expires_on <= today), a.expires_on),
        else_=a.due_on,
    )


def is_overdue(today: date) -> sa.ColumnElement[bool]:
    state = assignment_state(today)
    due = effective_due(today)
    return sa.and_(state.in_([ASSIGNED, IN_PROGRESS, EXPIRED]), due < today)


# The statuses a dashboard counts and a drill-down lists, in the order the dashboard shows them.
STATUSES = ("completed", "in_progress", "not_started", "expired", "overdue")
FIGURES = ("assignments", *STATUSES)


def since_moment(since: date) -> datetime:
    """The first moment of the site's day ``since``."""
    return datetime.combine(since, time.min, tzinfo=clock.zone())


def status_condition(status: str, today: date, since: date | None = None) -> sa.ColumnElement[bool]:
    """SQL: a current assignment is in ``status`` (one of ``STATUSES``) on ``today``; with
    ``since``, "completed" only counts completions from that day on."""
    state = assignment_state(today)
    if status == "overdue":
        return is_overdue(today)
    if status == "completed" and since is not None:
        return sa.and_(
            state.in_([COMPLETED, RENEWAL_OPEN]),
            ModuleAssignment.completed_at >= since_moment(since),
        )
    return {
        "completed": state.in_([COMPLETED, RENEWAL_OPEN]),
        "in_progress": state == IN_PROGRESS,
        "not_started": state == ASSIGNED,
        "expired": state == EXPIRED,
    }[status]


def counted(condition) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def status_figures(today: date, since: date | None = None) -> list:
    """Aggregate columns over ``module_assignments`` rows, named as ``FIGURES``: the number
    of assignments and of each status. (Grouping by the computed state instead makes the
    planner expect thousands of groups and sort millions of rows on disk: slower.)"""
    return [sa.func.count(ModuleAssignment.id).label("assignments")] + [
        counted(status_condition(status, today, since)).label(status) for status in STATUSES
    ]


def completion_month(completed_at) -> sa.ColumnElement[str]:
    """SQL: "YYYY-MM" of a completion in the site's calendar, not UTC's: a completion at
    01:00 on the 1st in Viet Nam belongs to the new month."""
    zone = clock.zone()
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone(zone.key, completed_at), "YYYY-MM")
    offset = int(datetime.now(zone).utcoffset().total_seconds() // 60)
    return sa.func.strftime("%Y-%m", completed_at, f"{offset:+d} minutes")


def my_assignments(user: User, today: date) -> list:
    """Rows of (assignment, state, due date, overdue, progress %) of the learner's current
    assignments: overdue first, then by due date; one statement."""
    mine = _current_progress_of(user)
    due = effective_due(today)
    query = (
        sa.select(
            ModuleAssignment,
            assignment_state(today).label("state"),
            due.label("due"),
            is_overdue(today).label("overdue"),
            sa.func.coalesce(mine.progress_pct, 0).label("progress_pct"),
        )
        .outerjoin(mine, mine.module_id == ModuleAssignment.module_id)
        .where(ModuleAssignment.user_id == user.id, ModuleAssignment.retired_on.is_(None))
        .order_by(is_overdue(today).desc(), due.is_(None), due, ModuleAssignment.id)
    )
    return db.session.execute(query).all()


def assignment_of(user: User, module: Module, today: date):
    """The learner's current assignment of ``module`` as (assignment, state, due, overdue),
    or None when it is not assigned to them."""
    query = sa.select(
        ModuleAssignment,
        assignment_state(today),
        effective_due(today),
        is_overdue(today),
    ).where(
        ModuleAssignment.user_id == user.id,
        ModuleAssignment.module_id == module.id,
        ModuleAssignment.retired_on.is_(None),
    )
    return db.session.execute(query).first()


def renewable(user: User, module: Module, today: date) -> bool:
    found = assignment_of(user, module, today)
    return found is not None and found[1] in (RENEWAL_OPEN, EXPIRED)


def completions(user: User) -> list[ModuleProgress]:
    """Every completion the learner earned, in every cycle and version, newest first."""
    return list(
        db.session.scalars(
            sa.select(ModuleProgress)
            .where(ModuleProgress.user_id == user.id, ModuleProgress.completed_at.is_not(None))
            .order_by(ModuleProgress.completed_at.desc())
        )
    )


def current_assignment_count(among: sa.Select) -> int:
    """How many current (not retired) module assignments the people ``among`` (a select of
    user ids) hold: one statement."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(ModuleAssignment.id)).where(
                ModuleAssignment.user_id.in_(among), ModuleAssignment.retired_on.is_(None)
            )
        )
        or 0
    )
