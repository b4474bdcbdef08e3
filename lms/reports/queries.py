"""Read-only figures of the manager dashboards, scoped to the actor in SQL.

Every function takes the actor and restricts to the units they may see with
``lms.org.queries.in_scope``; a unit outside the scope is looked up as absent. Each table is
one grouped statement, whatever the number of units, people or assignments.
"""

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import g, has_request_context

from lms.accounts.models import User
from lms.assessment.models import FINISHED, QuizAttempt
from lms.catalogue.models import Activity, Module, ModuleVersion
from lms.catalogue.queries import all_titles, titles_of
from lms.certificates.models import POSITION, Certificate
from lms.core import clock
from lms.extensions import db
from lms.learning import summaries
from lms.learning.models import (
    COMPLETED,
    EVERYONE,
    RENEWAL_OPEN,
    ModuleAssignment,
    ModuleProgress,
    UnitCompletions,
    UnitFigures,
    UnitPeople,
)
from lms.learning.queries import (
    FIGURES,
    assignment_state,
    completion_month,
    counted,
    effective_due,
    is_overdue,
    since_moment,
    status_condition,
    status_figures,
)
from lms.org.models import (
    CurriculumItem,
    ManagerUnit,
    OrgUnit,
    OrgUnitClosure,
    Position,
    PositionAssignment,
)
from lms.org.queries import (
    Scope,
    holders,
    holding,
    holds_on,
    in_scope,
    main_units,
    scope_of,
    subtree_ids,
)
from lms.reports.models import Target

_ma = ModuleAssignment
_pa = PositionAssignment


@dataclass(frozen=True)
class Filters:
    """What a dashboard or a list is restricted to: a unit's subtree (None: the actor's whole
    scope), a position (its holders and its curriculum's modules), a module, and a period
    (``PERIODS``) that restricts the completion figures to completions since its first day
    (``completed_since``, a day of the site's calendar)."""

    unit_id: int | None = None
    position_id: int | None = None
    module_id: int | None = None
    period: str = ""
    completed_since: date | None = None


# The periods a dashboard can restrict its completion figures to ("": all time).
PERIODS = ("", "month", "quarter", "year")


def period_start(period: str, today: date) -> date | None:
    """The first day of this month, quarter or year; None for all time."""
    if period == "month":
        return today.replace(day=1)
    if period == "quarter":
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if period == "year":
        return date(today.year, 1, 1)
    return None


def _holding(actor: User, today: date, filters: Filters) -> list[sa.ColumnElement[bool]]:
    """SQL: a position assignment held on ``today`` in a unit of the scope and filters."""
    return holding(actor, today, unit_id=filters.unit_id, position_id=filters.position_id)


def _holders(actor: User, today: date, filters: Filters) -> sa.Select:
    """SQL: ids of the people a dashboard counts on ``today`` (``lms.org.queries.holders``:
    the same people a bulk assignment from the dashboard reaches)."""
    return holders(actor, today, unit_id=filters.unit_id, position_id=filters.position_id)


def _current_assignment(filters: Filters) -> sa.ColumnElement[bool]:
    """SQL: a current module assignment that the filters keep."""
    conditions = [_ma.retired_on.is_(None)]
    if filters.module_id is not None:
        conditions.append(_ma.module_id == filters.module_id)
    if filters.position_id is not None:
        conditions.append(
            _ma.module_id.in_(
                sa.select(CurriculumItem.module_id).where(
                    CurriculumItem.position_id == filters.position_id
                )
            )
        )
    return sa.and_(*conditions)


def _fill(result, rows: dict) -> None:
    """Set the figures of (key, *figures) result rows on the ``rows`` they are keyed by."""
    for key, *figures in result:
        if key in rows:
            for name, value in zip(FIGURES, figures, strict=True):
                setattr(rows[key], name, int(value or 0))


@dataclass
class Row:
    """One line of a dashboard table: a label, who it is about, and its figures."""

    key: int | None
    label: str
    people: int = 0
    assignments: int = 0
    completed: int = 0
    in_progress: int = 0
    not_started: int = 0
    expired: int = 0
    overdue: int = 0
    certificates: int | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.assignments) if self.assignments else 0


def visible_unit(actor: User, unit_id: int) -> OrgUnit | None:
    """The unit with ``unit_id`` if ``actor`` may see it: a miss and a refusal look alike."""
    return db.session.scalar(
        sa.select(OrgUnit).where(OrgUnit.id == unit_id, in_scope(actor, OrgUnit.id))
    )


def visible_ancestors(actor: User, unit: OrgUnit) -> list[OrgUnit]:
    """The units above ``unit`` that ``actor`` may see, from the top down: the breadcrumbs."""
    query = (
        sa.select(OrgUnit)
        .join(OrgUnitClosure, OrgUnitClosure.ancestor_id == OrgUnit.id)
        .where(
            OrgUnitClosure.descendant_id == unit.id,
            OrgUnitClosure.depth > 0,
            in_scope(actor, OrgUnit.id),
        )
        .order_by(OrgUnitClosure.depth.desc())
    )
    return list(db.session.scalars(query))


@functools.cache
def _child_units(kind: str, below: bool) -> sa.Select:
    """SQL: ids of the units one table row each: the open children of the unit "unit_id"
    (``below``), or at the top of the scope the roots (admins) or the managed units
    (managers). Built once per kind of scope (``Scope``), for "actor_id"."""
    scope = Scope(kind, sa.bindparam("actor_id"))
    if below:
        return sa.select(OrgUnit.id).where(
            OrgUnit.parent_id == sa.bindparam("unit_id"),
            OrgUnit.valid_to.is_(None),
            in_scope(scope, OrgUnit.id),
        )
    roots = sa.select(OrgUnit.id).where(OrgUnit.parent_id.is_(None), OrgUnit.valid_to.is_(None))
    managed = sa.select(ManagerUnit.unit_id).where(ManagerUnit.user_id == scope.actor_id)
    return sa.select(OrgUnit.id).where(
        sa.or_(OrgUnit.id.in_(roots), OrgUnit.id.in_(managed)),
        in_scope(scope, OrgUnit.id),
        # A managed unit below another managed unit is already counted in that one.
        ~sa.exists().where(
            OrgUnitClosure.descendant_id == OrgUnit.id,
            OrgUnitClosure.depth > 0,
            OrgUnitClosure.ancestor_id.in_(managed),
        ),
    )


@functools.cache
def _child_units_in_order(kind: str, below: bool) -> sa.Select:
    return (
        sa.select(OrgUnit)
        .where(OrgUnit.id.in_(_child_units(kind, below)))
        .order_by(OrgUnit.name_vi, OrgUnit.id)
    )


def child_units(actor: User, unit_id: int | None) -> list[OrgUnit]:
    """The units one table row each below ``unit_id`` (None: at the top of ``actor``'s
    scope; ``_child_units``), by name; one statement."""
    statement = _child_units_in_order(scope_of(actor).kind, unit_id is not None)
    return list(db.session.scalars(statement, {"actor_id": actor.id, "unit_id": unit_id}))


_LIVE = "reports.live"


@contextmanager
def live_aggregates() -> Iterator[None]:
    """Within the block the figures are aggregated from the assignments themselves, not
    read from the summary rows: the tests' check that the rows answer the same. Never a
    path of the site, where it takes minutes at national scale."""
    db.session.info[_LIVE] = True
    try:
        yield
    finally:
        db.session.info.pop(_LIVE, None)


def _summarised() -> bool:
    """Whether the summary rows answer: always, once they have been built (the daily job
    rebuilds them; every change keeps them current meanwhile)."""
    return summaries.day() is not None and not db.session.info.get(_LIVE)


_TOPS_OF_UNIT = sa.select(OrgUnit.id).where(OrgUnit.id == sa.bindparam("unit_id"))
_ROOTS = sa.select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))


def _tops(actor: User, filters: Filters) -> list[int]:
    """Ids of the units whose subtrees are the scope, without overlaps: the filters' unit,
    else the roots (admins) or the managed units not below another managed one."""
    scope = scope_of(actor)
    if filters.unit_id is not None:
        statement = _TOPS_OF_UNIT
    elif scope.kind == "all":
        statement = _ROOTS
    else:
        statement = _child_units(scope.kind, False)
    return list(db.session.scalars(statement, {"actor_id": actor.id, "unit_id": filters.unit_id}))


_TOPS = "lms_report_tops"  # per request: (actor id, unit id) -> the ids of _tops


def _top_ids(actor: User, filters: Filters) -> list[int]:
    """The ids ``_tops`` selects; read once per request, where a dashboard's tables all
    start from the same units (nothing a report's request does changes the tree)."""
    if not has_request_context():
        return _tops(actor, filters)
    found = g.setdefault(_TOPS, {})
    key = (actor.id, filters.unit_id)
    if key not in found:
        found[key] = _tops(actor, filters)
    return found[key]


@functools.cache
def _summary_statement(
    model, group: tuple[str, ...], held: bool, module: bool, since: bool
) -> sa.Select:
    """``summaries.subtree_sums`` of ``model`` by ``group`` for one position (or everyone,
    the "position_id" parameter), or with ``held`` for each position held; with ``module``
    for the module "module_id"; with ``since`` for the months from "month" on. Built once
    per shape: building a statement costs more than running it."""
    where = [
        model.position_id != EVERYONE if held else model.position_id == sa.bindparam("position_id")
    ]
    if module and hasattr(model, "module_id"):
        where.append(model.module_id == sa.bindparam("module_id"))
    if since:
        where.append(model.month >= sa.bindparam("month"))
    return summaries.subtree_sums(model, group, where)


def _summary_figures(
    model, actor: User, filters: Filters, group=(), units=None, held=False, since=None
):
    """Rows of the summary ``model`` over the scope (or the subtrees of ``units``), for the
    filters' module and position (or everyone; with ``held``, and no position filtered, for
    each position held), from the month ``since`` ("YYYY-MM") on, summed by ``group``."""
    held = held and filters.position_id is None
    statement = _summary_statement(
        model, tuple(group), held, filters.module_id is not None, since is not None
    )
    # A list of ids, not a subquery: the planner cannot guess how few units a subquery
    # gives and would scan every summary row.
    tops = units if units is not None else _top_ids(actor, filters)
    params = {
        **summaries.subtree_params(tops),
        "position_id": filters.position_id or EVERYONE,
        "module_id": filters.module_id,
        "month": since,
    }
    return db.session.execute(statement, params).all()


def _summary_statuses(actor: User, filters: Filters, group=(), units=None, held=False) -> list:
    """(*group, *FIGURES) rows from the summary rows. With a period, "completed" counts
    the current completions made since it began, which the rows keep by month."""
    found = _summary_figures(UnitFigures, actor, filters, group, units, held)
    if filters.completed_since is None:
        return found
    month = filters.completed_since.strftime("%Y-%m")
    since = _summary_figures(UnitCompletions, actor, filters, group, units, held, month)
    completed = {tuple(row[: len(group)]): row.completed for row in since}
    at = len(group) + FIGURES.index("completed")
    return [
        (*row[:at], completed.get(tuple(row[: len(group)]), 0), *row[at + 1 :]) for row in found
    ]


@functools.cache
def _certificates_statement(kind: str, unit: bool, position: bool) -> sa.Select:
    """How many valid position certificates the people of a scope hold (of the filters'
    position, or any), built once per kind of scope (``Scope``) and filters given, with the
    parameters "actor_id", "today", "unit_id" and "position_id"."""
    scope = Scope(kind, sa.bindparam("actor_id"))
    today = sa.bindparam("today", type_=sa.Date)
    unit_id = sa.bindparam("unit_id") if unit else None
    position_id = sa.bindparam("position_id") if position else None
    valid = [
        Certificate.kind == POSITION,
        Certificate.revoked_at.is_(None),
        sa.or_(Certificate.expires_on.is_(None), Certificate.expires_on > today),
    ]
    if position_id is not None:
        held_by = holders(scope, today, unit_id=unit_id, position_id=position_id)
        valid += [Certificate.position_id == position_id, Certificate.user_id.in_(held_by)]
    else:
        # Holders of a position in the scope first (a semi-join), then, unless the scope is
        # everything, the main unit of each of them, looked up per certificate: far cheaper
        # than finding everyone's main unit.
        held = holding(scope, today, unit_id=unit_id)
        valid.append(Certificate.user_id.in_(sa.select(_pa.user_id).where(*held)))
        if unit_id is not None or kind != "all":
            main_unit = (
                sa.select(_pa.unit_id)
                .where(_pa.user_id == Certificate.user_id, holds_on(today))
                .order_by(_pa.starts_on, _pa.id)
                .limit(1)
                .scalar_subquery()
            )
            valid.append(in_scope(scope, main_unit))
            if unit_id is not None:
                valid.append(main_unit.in_(subtree_ids(unit_id)))
    return sa.select(sa.func.count(Certificate.id)).where(*valid)


def _scoped_params(actor: User, today: date, filters: Filters) -> dict:
    """The values of the parameters of the statements built once per shape of scope and
    filters."""
    return {
        "actor_id": actor.id,
        "today": today,
        "unit_id": filters.unit_id,
        "position_id": filters.position_id,
        "module_id": filters.module_id,
    }


def headline(actor: User, today: date, filters: Filters) -> Row:
    """The headline figures of the scope: two statements (three from the summary rows)."""
    certificates = _certificates_statement(
        scope_of(actor).kind, filters.unit_id is not None, filters.position_id is not None
    )
    params = _scoped_params(actor, today, filters)
    if _summarised():
        row = Row(key=None, label="", certificates=db.session.scalar(certificates, params))
        row.people = int(_summary_figures(UnitPeople, actor, filters)[0].people)
        _fill(((None, *found) for found in _summary_statuses(actor, filters)), {None: row})
        return row
    scope_people = _holders(actor, today, filters)
    people = sa.select(sa.func.count(sa.distinct(scope_people.subquery().c.user_id)))
    found = db.session.execute(
        sa.select(people.scalar_subquery(), certificates.scalar_subquery()), params
    ).one()
    row = Row(key=None, label="", people=int(found[0] or 0), certificates=int(found[1] or 0))
    query = sa.select(
        sa.literal(None).label("key"), *status_figures(today, filters.completed_since)
    ).where(_ma.user_id.in_(scope_people), _current_assignment(filters))
    _fill(db.session.execute(query), {None: row})
    return row


def _members(actor: User, today: date, filters: Filters, units: list[int]) -> sa.Subquery:
    """(unit, person) pairs: each of ``units`` with the people ``_holders`` counts in its
    subtree, once however many positions they hold there."""
    if filters.position_id is None:
        main = main_units(today)
        held_in, user_id, conditions = main.c.unit_id, main.c.user_id, []
    else:
        held_in, user_id = _pa.unit_id, _pa.user_id
        conditions = [holds_on(today), _pa.position_id == filters.position_id]
    query = (
        sa.select(OrgUnitClosure.ancestor_id.label("unit_id"), user_id.label("user_id"))
        .join(OrgUnitClosure, OrgUnitClosure.descendant_id == held_in)
        .where(OrgUnitClosure.ancestor_id.in_(units), in_scope(actor, held_in), *conditions)
        .distinct()
    )
    return query.subquery("members")


def by_unit(actor: User, today: date, filters: Filters, locale: str) -> list[Row]:
    """One row per child unit (or top unit of the scope), each rolled up its whole subtree
    through the closure table; three statements whatever the number of units."""
    found = child_units(actor, filters.unit_id)
    rows = {unit.id: Row(key=unit.id, label=unit.name(locale)) for unit in found}
    if _summarised():
        people = _summary_figures(UnitPeople, actor, filters, ("unit_id",), list(rows))
        figures = _summary_statuses(actor, filters, ("unit_id",), list(rows))
    else:
        members = _members(actor, today, filters, list(rows))
        people = db.session.execute(
            sa.select(members.c.unit_id, sa.func.count()).group_by(members.c.unit_id)
        )
        members = _members(actor, today, filters, list(rows))
        figures = db.session.execute(
            sa.select(members.c.unit_id, *status_figures(today, filters.completed_since))
            .join(_ma, _ma.user_id == members.c.user_id)
            .where(_current_assignment(filters))
            .group_by(members.c.unit_id)
        )
    for unit_id, count in people:
        if unit_id in rows:
            rows[unit_id].people = int(count)
    _fill(figures, rows)
    return list(rows.values())


def by_position(actor: User, today: date, filters: Filters, locale: str) -> list[Row]:
    """One row per position held in the scope: its holders and their assignments of the
    modules its curriculum requires; three statements."""
    if _summarised():
        found = _summary_figures(UnitPeople, actor, filters, ("position_id",), held=True)
        # A position nobody holds any more (its people moved out) sums to no one.
        people = {position_id: count for position_id, count in found if count}
        figures = _summary_statuses(actor, filters, ("position_id",), held=True)
    else:
        people, figures = _by_position_live(actor, today, filters)
    positions = db.session.scalars(
        sa.select(Position).where(Position.id.in_(list(people))).order_by(Position.name_vi)
    )
    rows = {p.id: Row(key=p.id, label=p.name(locale), people=int(people[p.id])) for p in positions}
    _fill(figures, rows)
    return list(rows.values())


def _by_position_live(actor: User, today: date, filters: Filters) -> tuple[dict, list]:
    members = (
        sa.select(_pa.position_id, _pa.user_id)
        .where(*_holding(actor, today, filters))
        .group_by(_pa.position_id, _pa.user_id)
        .subquery("members")
    )
    people = dict(
        db.session.execute(
            sa.select(members.c.position_id, sa.func.count()).group_by(members.c.position_id)
        ).all()
    )
    # Each assignment once per position whose curriculum requires its module, kept when its
    # person holds that position: a semi-join, so holding a position twice counts once.
    holding = sa.select(_pa.position_id, _pa.user_id).where(*_holding(actor, today, filters))
    conditions = [
        _ma.retired_on.is_(None),
        sa.tuple_(CurriculumItem.position_id, _ma.user_id).in_(holding),
    ]
    if filters.module_id is not None:
        conditions.append(_ma.module_id == filters.module_id)
    query = (
        sa.select(CurriculumItem.position_id, *status_figures(today, filters.completed_since))
        .join(CurriculumItem, CurriculumItem.module_id == _ma.module_id)
        .where(*conditions)
        .group_by(CurriculumItem.position_id)
    )
    return people, db.session.execute(query).all()


def by_module(
    actor: User, today: date, filters: Filters, locale: str, titles: dict[int, str] | None = None
) -> list[Row]:
    """One row per module assigned in the scope; one statement (and one for the titles,
    unless the caller has read them: ``titles``). A person has at most one current
    assignment of a module, so its people are its assignments."""
    if _summarised():
        found = [row for row in _summary_statuses(actor, filters, ("module_id",)) if row[1]]
    else:
        query = (
            sa.select(_ma.module_id, *status_figures(today, filters.completed_since))
            .where(_ma.user_id.in_(_holders(actor, today, filters)), _current_assignment(filters))
            .group_by(_ma.module_id)
        )
        found = db.session.execute(query).all()
    if titles is None:
        titles = titles_of([row[0] for row in found], locale)
    rows = {row[0]: Row(key=row[0], label=titles.get(row[0], "")) for row in found}
    _fill(found, rows)
    for row in rows.values():
        row.people = row.assignments
    return sorted(rows.values(), key=lambda row: row.label)


def completions_by_month(
    actor: User, today: date, filters: Filters, months: int = summaries.MONTHS
) -> list[tuple[date, int]]:
    """(first day of month, completions) for the last ``months`` months, this one included,
    counting every completion (each cycle of a renewal too) since the filters' period began;
    one statement (two from the summary rows)."""
    first = summaries.first_month(today, months)
    starts = [summaries.first_month(today, n) for n in range(months, 0, -1)]
    since = max(first, filters.completed_since or first)
    if _summarised() and months == summaries.MONTHS:
        month = since.strftime("%Y-%m")
        found = _summary_figures(UnitCompletions, actor, filters, ("month",), since=month)
        counts = {row.month: row.completions for row in found}
    else:
        counts = _completions_live(actor, today, filters, since)
    return [(start, int(counts.get(start.strftime("%Y-%m"), 0))) for start in starts]


def _completions_live(actor: User, today: date, filters: Filters, since: date) -> dict:
    mp = ModuleProgress
    month = completion_month(mp.completed_at)
    query = (
        sa.select(month.label("month"), sa.func.count().label("n"))
        .where(
            mp.completed_at >= since_moment(since),
            mp.user_id.in_(_holders(actor, today, filters)),
        )
        .group_by(month)
    )
    if filters.module_id is not None:
        query = query.where(mp.module_id == filters.module_id)
    if filters.position_id is not None:
        query = query.where(
            mp.module_id.in_(
                sa.select(CurriculumItem.module_id).where(
                    CurriculumItem.position_id == filters.position_id
                )
            )
        )
    return dict(db.session.execute(query).all())


# The sort orders of a people list.
SORTS = ("name", "due")


def people(
    actor: User,
    today: date,
    filters: Filters,
    *,
    status: str = "",
    locale: str = "vi",
) -> sa.Select:
    """SQL: the people behind a figure, one row per person and current assignment (a person
    with no assignment the filters keep appears once, with none), with their unit, the
    assignment's state, due date, overdue flag and progress. Order it by ``people_order``,
    then page it or stream it."""
    state = assignment_state(today)
    due = effective_due(today)
    # Looked up per row shown, after the page is cut (a join would be made for every
    # assignment the filters keep before the sort: a province's tens of thousands).
    progress = (
        sa.select(ModuleProgress.progress_pct)
        .where(
            ModuleProgress.user_id == _ma.user_id,
            ModuleProgress.module_id == _ma.module_id,
            ModuleProgress.superseded_at.is_(None),
        )
        .scalar_subquery()
    )
    unit_name = OrgUnit.name_en if locale == "en" else OrgUnit.name_vi
    unit = (
        sa.select(unit_name)
        .join(_pa, _pa.unit_id == OrgUnit.id)
        .where(_pa.user_id == User.id, holds_on(today), in_scope(actor, _pa.unit_id))
        .order_by(_pa.starts_on, _pa.id)
        .limit(1)
    )
    if filters.unit_id is not None:
        unit = unit.where(_pa.unit_id.in_(subtree_ids(filters.unit_id)))
    joined = sa.and_(_ma.user_id == User.id, _current_assignment(filters))
    inner = bool(status) or filters.module_id is not None
    rows = sa.join(User, _ma, joined, isouter=not inner)
    query = (
        sa.select(
            User.id.label("user_id"),
            User.full_name,
            User.username,
            unit.scalar_subquery().label("unit"),
            _ma.module_id,
            sa.case((_ma.id.is_(None), None), else_=state).label("state"),
            due.label("due"),
            sa.case((_ma.id.is_(None), False), else_=is_overdue(today)).label("overdue"),
            sa.case(
                (state.in_([COMPLETED, RENEWAL_OPEN]), 100),
                else_=sa.func.coalesce(progress, 0),
            ).label("progress_pct"),
        )
        .select_from(rows)
        .where(User.id.in_(_holders(actor, today, filters)))
    )
    if status:
        query = query.where(status_condition(status, today, filters.completed_since))
    return query


def people_order(today: date, sort: str = "name") -> list:
    """SQL: what orders ``people`` by ``sort``, one row named by the whole of it and no
    NULLs in it (a person without assignments has module 0, no due date the last day),
    so a page can start after a row (``lms.core.paging.keyset_page``)."""
    person = [User.full_name, User.id, sa.func.coalesce(_ma.module_id, 0)]
    if sort == "due":
        return [sa.func.coalesce(effective_due(today), sa.literal(date.max, sa.Date)), *person]
    return person


def module_titles(locale: str) -> dict[int, str]:
    """Every module's title at its latest version, by id (a handful of rows)."""
    return all_titles(locale)


def finished_attempts(user_ids: list[int]) -> sa.Subquery:
    """SQL: (user_id, module_id, tries, best) of the finished quiz attempts of ``user_ids``,
    per person and module, the best score 0–1."""
    return (
        sa.select(
            QuizAttempt.user_id,
            ModuleVersion.module_id,
            sa.func.count(QuizAttempt.id).label("tries"),
            sa.func.max(QuizAttempt.score).label("best"),
        )
        .join(Activity, Activity.id == QuizAttempt.activity_id)
        .join(ModuleVersion, ModuleVersion.id == Activity.version_id)
        .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.state == FINISHED)
        .group_by(QuizAttempt.user_id, ModuleVersion.module_id)
        .subquery()
    )


def attempts_by_module(user: User) -> dict[int, tuple[int, float | None]]:
    """module id -> (finished quiz attempts, best score 0–1) of ``user``; one statement."""
    attempts = finished_attempts([user.id])
    query = sa.select(attempts.c.module_id, attempts.c.tries, attempts.c.best)
    return {module_id: (count, best) for module_id, count, best in db.session.execute(query)}


def certificates_of(user: User) -> list[Certificate]:
    query = (
        sa.select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    )
    return list(db.session.scalars(query))


# Targets ------------------------------------------------------------------------------------

# A target younger than this has no pace of its own yet: its projection uses the pace of
# every completion since the earliest one instead.
PACE_MIN_DAYS = 7
TARGET_STATES = ("met", "on_track", "at_risk", "missed")


@dataclass
class TargetRow:
    """A target with its figures on ``today``.

    The projection, at the current pace: ``pace`` = completions since the start of the
    window / days in the window, where the window runs from the day the target was created
    to today (or, for a target less than ``PACE_MIN_DAYS`` days old, from the earliest
    completion of its people: all their current completions); the projected count is
    today's count plus ``pace`` × days left to the due date, capped at everyone in scope.
    """

    target: Target
    unit_label: str
    position_label: str | None
    people: int = 0
    done: int = 0
    recent: int = 0
    earliest: date | None = None
    created_on: date | None = None
    today: date | None = None

    @property
    def actual(self) -> int:
        return 100 * self.done // self.people if self.people else 0

    @property
    def projected_count(self) -> float:
        today, created_on = self.today, self.created_on
        if (today - created_on).days >= PACE_MIN_DAYS:
            start, completions = created_on, self.recent
        elif self.earliest is not None:
            start, completions = min(self.earliest, today), self.done
        else:
            return float(self.done)
        pace = completions / max(1, (today - start).days)
        days_left = max(0, (self.target.due_on - today).days)
        return min(float(self.people), self.done + pace * days_left)

    @property
    def projected(self) -> int:
        return min(100, int(100 * self.projected_count // self.people)) if self.people else 0

    @property
    def state(self) -> str:
        """met (actual ≥ target), missed (due date passed below it), at_risk (the
        projection falls short of it) or on_track."""
        if self.people and 100 * self.done >= self.target.percent * self.people:
            return "met"
        if self.target.due_on < self.today:
            return "missed"
        if self.projected < self.target.percent:
            return "at_risk"
        return "on_track"


def visible_target(actor: User, target_id: int) -> Target | None:
    """The target if ``actor`` may see it: a miss and a refusal look alike."""
    return db.session.scalar(
        sa.select(Target).where(Target.id == target_id, in_scope(actor, Target.unit_id))
    )


@functools.cache
def _targets_statement(english: bool, kind: str, unit: bool, position: bool, module: bool):
    """The targets a dashboard shows, with their unit's and position's names: set on its unit
    or any unit below (at the top, anywhere in the scope), kept by its position and module
    filters. Built once per language, kind of scope and filters given (``_scoped_params``)."""
    unit_name = OrgUnit.name_en if english else OrgUnit.name_vi
    position_name = Position.name_en if english else Position.name_vi
    conditions = [in_scope(Scope(kind, sa.bindparam("actor_id")), Target.unit_id)]
    if unit:
        conditions.append(Target.unit_id.in_(subtree_ids(sa.bindparam("unit_id"))))
    if position:
        conditions.append(Target.position_id == sa.bindparam("position_id"))
    if module:
        conditions.append(Target.module_id == sa.bindparam("module_id"))
    return (
        sa.select(Target, unit_name, position_name)
        .join(OrgUnit, OrgUnit.id == Target.unit_id)
        .outerjoin(Position, Position.id == Target.position_id)
        .where(*conditions)
        .order_by(Target.due_on, unit_name, Target.id)
    )


@functools.cache
def _target_figures_statement() -> sa.Select:
    """(target, people, done, recent, first completion, first certificate) of the targets
    "target_ids" on "today"; built once."""
    today = sa.bindparam("today", type_=sa.Date)
    # (target, person) pairs: everyone holding the target's position (or any) today in the
    # target unit's subtree, once however many positions they hold there. (The target's
    # unit is in the actor's scope, so its whole subtree is.)
    members = (
        sa.select(
            Target.id.label("target_id"),
            Target.module_id,
            Target.position_id,
            Target.created_at,
            _pa.user_id,
        )
        .join(OrgUnitClosure, OrgUnitClosure.ancestor_id == Target.unit_id)
        .join(_pa, _pa.unit_id == OrgUnitClosure.descendant_id)
        .where(
            Target.id.in_(sa.bindparam("target_ids", expanding=True)),
            holds_on(today),
            sa.or_(Target.position_id.is_(None), _pa.position_id == Target.position_id),
        )
        .distinct()
        .subquery("members")
    )
    # A valid completion: the current assignment is completed or its renewal is open.
    state = assignment_state(today)
    valid_completions = (
        sa.select(_ma.user_id, _ma.module_id, _ma.completed_at)
        .where(_ma.retired_on.is_(None), state.in_([COMPLETED, RENEWAL_OPEN]))
        .subquery("valid_completions")
    )
    certificates = (
        sa.select(
            Certificate.user_id,
            Certificate.position_id,
            sa.func.min(Certificate.issued_on).label("issued_on"),
        )
        .where(
            Certificate.kind == POSITION,
            Certificate.revoked_at.is_(None),
            sa.or_(Certificate.expires_on.is_(None), Certificate.expires_on > today),
        )
        .group_by(Certificate.user_id, Certificate.position_id)
        .subquery("valid_certificates")
    )
    m, vc, cert = members, valid_completions, certificates
    done = sa.or_(vc.c.user_id.is_not(None), cert.c.user_id.is_not(None))
    recent = sa.or_(
        vc.c.completed_at >= m.c.created_at,
        cert.c.issued_on >= sa.func.date(m.c.created_at),
    )
    return (
        sa.select(
            m.c.target_id,
            sa.func.count(),
            counted(done),
            counted(recent),
            sa.func.min(vc.c.completed_at),
            sa.func.min(cert.c.issued_on),
        )
        .select_from(m)
        .outerjoin(
            vc,
            sa.and_(
                m.c.module_id.is_not(None),
                vc.c.user_id == m.c.user_id,
                vc.c.module_id == m.c.module_id,
            ),
        )
        .outerjoin(
            cert,
            sa.and_(
                m.c.module_id.is_(None),
                cert.c.user_id == m.c.user_id,
                cert.c.position_id == m.c.position_id,
            ),
        )
        .group_by(m.c.target_id)
    )


def targets(actor: User, today: date, filters: Filters, locale: str) -> list[TargetRow]:
    """Every target the dashboard shows with its people, completions and projection; two
    statements whatever the number of targets, units or people."""
    statement = _targets_statement(
        locale == "en",
        scope_of(actor).kind,
        filters.unit_id is not None,
        filters.position_id is not None,
        filters.module_id is not None,
    )
    found = db.session.execute(statement, _scoped_params(actor, today, filters)).all()
    zone = clock.zone()
    rows = {
        target.id: TargetRow(
            target=target,
            unit_label=unit,
            position_label=position,
            created_on=target.created_at.astimezone(zone).date(),
            today=today,
        )
        for target, unit, position in found
    }
    if not rows:
        return []
    figures = db.session.execute(
        _target_figures_statement(), {"today": today, "target_ids": list(rows)}
    )
    for (
        target_id,
        people,
        done_count,
        recent_count,
        first_completion,
        first_issue,
    ) in figures:
        row = rows[target_id]
        row.people, row.done, row.recent = int(people), int(done_count), int(recent_count)
        if first_completion is not None:
            if isinstance(first_completion, str):  # SQLite gives an aggregate back as text
                first_completion = datetime.fromisoformat(first_completion).replace(tzinfo=UTC)
            row.earliest = first_completion.astimezone(zone).date()
        elif first_issue is not None:
            row.earliest = (
                date.fromisoformat(first_issue) if isinstance(first_issue, str) else first_issue
            )
    return list(rows.values())


def target_units(actor: User, unit: OrgUnit | None, locale: str) -> list[tuple[int, str]]:
    """(id, name) of the units a target can be set on from a dashboard: its unit and the
    units one row each of its table (drill down to set one deeper); one statement."""
    found = child_units(actor, unit.id if unit else None)
    return ([(unit.id, unit.name(locale))] if unit else []) + [
        (child.id, child.name(locale)) for child in found
    ]


def position_by_id(position_id: int) -> Position | None:
    return db.session.get(Position, position_id) if position_id else None


def module_by_id(module_id: int) -> Module | None:
    return db.session.get(Module, module_id) if module_id else None
