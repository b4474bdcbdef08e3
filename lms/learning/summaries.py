"""The dashboards' summary rows (``UnitFigures``, ``UnitPeople``, ``UnitCompletions``):
rebuilt for the whole country by the daily job, and kept current between rebuilds by the
services that change assignments and progress.

A service that changes someone's assignments calls ``touch``; before the transaction
commits, the OWN rows of every unit those people hold a position in are computed again
from the assignments (a few hundred rows per unit), and the difference is appended as
CHANGE rows, so the figures and the change commit together and every subtree's figures
(its TREE row plus the changes below it) stay exact.

Rows are only maintained while they are true for today (``FiguresAsOf``): states move with
the date (a due date passes, a completion expires), so on a new day the rows are stale and
the reports aggregate live until ``rebuild`` runs. Changes too wide to follow
unit by unit (a curriculum edit, a merge) mark the rows stale the same way.
"""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from lms.core import clock
from lms.extensions import db
from lms.learning.models import (
    CHANGE,
    EVERYONE,
    OWN,
    TREE,
    FiguresAsOf,
    ModuleAssignment,
    ModuleProgress,
    UnitCompletions,
    UnitFigures,
    UnitPeople,
)
from lms.learning.queries import (
    FIGURES,
    completion_month,
    since_moment,
    status_condition,
    status_figures,
)
from lms.org.models import CurriculumItem, OrgUnitClosure, PositionAssignment
from lms.org.queries import holds_on, main_units

# How far back the completions-per-month chart reaches: this month and the 11 before it.
MONTHS = 12

_ma = ModuleAssignment
_pa = PositionAssignment
_TOUCHED_USERS = "figures_touched_users"
_TOUCHED_UNITS = "figures_touched_units"
_DAY = "figures_day"


def day() -> date | None:
    """The day the summary rows are true for, or None when they are stale; read once per
    session (a request), however many figures of a page ask."""
    if _DAY not in db.session.info:
        found = db.session.scalar(sa.select(FiguresAsOf.day).where(FiguresAsOf.id == 1))
        db.session.info[_DAY] = found
    return db.session.info[_DAY]


def mark_stale() -> None:
    _set_day(None)


def touch(user_ids: Iterable[int] = (), unit_ids: Iterable[int] = ()) -> None:
    """Note that these people's assignments (or these units' people) changed: their units'
    rows are computed again before the transaction commits."""
    db.session.info.setdefault(_TOUCHED_USERS, set()).update(user_ids)
    db.session.info.setdefault(_TOUCHED_UNITS, set()).update(unit_ids)


def listen(session) -> None:
    if not sa.event.contains(session, "before_commit", _refresh_touched):
        sa.event.listen(session, "before_commit", _refresh_touched)


def _refresh_touched(session) -> None:
    users = session.info.pop(_TOUCHED_USERS, set())
    units = session.info.pop(_TOUCHED_UNITS, set())
    if not users and not units:
        return
    today = clock.today()
    if day() != today:
        return
    if users:
        held = sa.select(_pa.unit_id).where(_pa.user_id.in_(users), holds_on(today))
        units |= set(session.scalars(held))
    if units:
        _refresh(today, units=sorted(units))


def _set_day(today: date | None) -> None:
    db.session.info[_DAY] = today
    values = {"day": today, "rebuilt_at": clock.now() if today else None}
    if db.session.execute(sa.update(FiguresAsOf).values(**values)).rowcount == 0:
        db.session.execute(sa.insert(FiguresAsOf).values(id=1, **values))


def rebuild(today: date | None = None) -> None:
    """Compute every summary row for ``today`` (the daily job, after the assignments sync)."""
    today = today or clock.today()
    for model in _COLUMNS:
        db.session.execute(sa.delete(model))
    _insert_own(today, units=None)
    for model in _COLUMNS:
        _insert(model, TREE, _rolled_up(model))
    _set_day(today)
    if db.session.get_bind().dialect.name == "postgresql":
        # Millions of new rows: without fresh statistics the planner scans them all.
        for model in _COLUMNS:
            db.session.execute(sa.text(f"ANALYZE {model.__tablename__}"))


def _refresh(today: date, units: list[int]) -> None:
    """Compute the OWN rows of ``units`` again, appending the difference as CHANGE rows."""
    for model in _COLUMNS:
        _insert(model, CHANGE, _own_rows(model, units, sign=-1))
        db.session.execute(sa.delete(model).where(model.kind == OWN, model.unit_id.in_(units)))
    _insert_own(today, units)
    for model in _COLUMNS:
        _insert(model, CHANGE, _own_rows(model, units, sign=1))


def _insert_own(today: date, units: list[int] | None) -> None:
    everyone, holdings = _people(today, units)
    for people in (everyone, holdings):
        _insert(UnitPeople, OWN, _people_counts(people))
        _insert(UnitFigures, OWN, _figures(people, today))
        _insert(UnitCompletions, OWN, _completions(people, today))
        _insert(UnitCompletions, OWN, _completed(people, today))


def _own_rows(model, units: list[int], sign: int) -> sa.Select:
    keys, measures = _COLUMNS[model]
    return sa.select(
        *(getattr(model, key) for key in keys),
        *(sign * getattr(model, measure) for measure in measures),
    ).where(model.kind == OWN, model.unit_id.in_(units))


def _rolled_up(model) -> sa.Select:
    """Every unit's subtree: the sum of the OWN rows of the units below it (itself included)."""
    keys, measures = _COLUMNS[model]
    grouped = [getattr(model, key) for key in keys[1:]]
    return (
        sa.select(
            OrgUnitClosure.ancestor_id,
            *grouped,
            *(sa.func.sum(getattr(model, measure)) for measure in measures),
        )
        .join(OrgUnitClosure, OrgUnitClosure.descendant_id == model.unit_id)
        .where(model.kind == OWN)
        .group_by(OrgUnitClosure.ancestor_id, *grouped)
    )


def _people(today: date, units: list[int] | None) -> tuple[sa.Subquery, sa.Subquery]:
    """(user_id, unit_id) of everyone at their main unit, and (user_id, unit_id,
    position_id) of every position held, within ``units`` (None: all)."""
    holding = [holds_on(today)]
    if units is not None:
        holding.append(_pa.unit_id.in_(units))
    main = main_units(today, among=sa.select(_pa.user_id).where(*holding))
    everyone = sa.select(main.c.user_id, main.c.unit_id)
    if units is not None:
        everyone = everyone.where(main.c.unit_id.in_(units))
    holdings = sa.select(_pa.user_id, _pa.unit_id, _pa.position_id).where(*holding).distinct()
    return everyone.subquery("everyone"), holdings.subquery("holdings")


def _keys(people: sa.Subquery) -> list:
    """The unit and position columns of a row of ``people``."""
    if "position_id" in people.c:
        return [people.c.unit_id, people.c.position_id]
    return [people.c.unit_id, sa.literal(EVERYONE, sa.Integer).label("position_id")]


def _in_curriculum(people: sa.Subquery, module_id) -> list:
    """For a position's holders, only the modules its curriculum requires."""
    if "position_id" not in people.c:
        return []
    return [
        sa.exists().where(
            CurriculumItem.position_id == people.c.position_id,
            CurriculumItem.module_id == module_id,
        )
    ]


def _grouped(people: sa.Subquery) -> list:
    return [column for column in _keys(people) if not isinstance(column, sa.Label)]


def _people_counts(people: sa.Subquery) -> sa.Select:
    return sa.select(*_keys(people), sa.func.count()).group_by(*_grouped(people))


def _figures(people: sa.Subquery, today: date) -> sa.Select:
    return (
        sa.select(*_keys(people), _ma.module_id, *status_figures(today))
        .join(_ma, _ma.user_id == people.c.user_id)
        .where(_ma.retired_on.is_(None), *_in_curriculum(people, _ma.module_id))
        .group_by(*_grouped(people), _ma.module_id)
    )


def _completions(people: sa.Subquery, today: date) -> sa.Select:
    mp = ModuleProgress
    month = completion_month(mp.completed_at)
    return (
        sa.select(*_keys(people), mp.module_id, month, sa.func.count(), sa.literal(0))
        .join(mp, mp.user_id == people.c.user_id)
        .where(
            mp.completed_at >= since_moment(first_month(today)),
            *_in_curriculum(people, mp.module_id),
        )
        .group_by(*_grouped(people), mp.module_id, month)
    )


def _completed(people: sa.Subquery, today: date) -> sa.Select:
    """Current assignments completed (and still valid) by the month they were completed in,
    for the dashboards' period filter: rows beside those of ``_completions``, summed."""
    month = completion_month(_ma.completed_at)
    return (
        sa.select(*_keys(people), _ma.module_id, month, sa.literal(0), sa.func.count())
        .join(_ma, _ma.user_id == people.c.user_id)
        .where(
            _ma.retired_on.is_(None),
            status_condition("completed", today, first_month(today)),
            *_in_curriculum(people, _ma.module_id),
        )
        .group_by(*_grouped(people), _ma.module_id, month)
    )


def first_month(today: date, months: int = MONTHS) -> date:
    """The first day of the oldest of the last ``months`` months (this one included)."""
    months = today.year * 12 + today.month - 1 - (months - 1)
    return date(months // 12, months % 12 + 1, 1)


# Per table: the columns that say what a row is about, and the figures it holds.
_COLUMNS = {
    UnitPeople: (("unit_id", "position_id"), ("people",)),
    UnitFigures: (("unit_id", "position_id", "module_id"), FIGURES),
    UnitCompletions: (
        ("unit_id", "position_id", "module_id", "month"),
        ("completions", "completed"),
    ),
}


def _insert(model, kind: int, query: sa.Select) -> None:
    keys, measures = _COLUMNS[model]
    query = query.add_columns(sa.literal(kind, sa.SmallInteger))
    db.session.execute(sa.insert(model).from_select([*keys, *measures, "kind"], query))


def subtree_sums(model, tops: list[int], group: tuple[str, ...] = (), where=()) -> sa.Select:
    """SQL: the figures of the subtrees of the units ``tops`` (their TREE rows plus the
    CHANGE rows below them), summed by the columns ``group``, where "unit_id" is the top
    unit; ``where`` holds conditions on ``model``'s columns."""
    keys, measures = _COLUMNS[model]
    columns = [*(getattr(model, key) for key in keys[1:]), *(getattr(model, m) for m in measures)]
    tree = sa.select(model.unit_id.label("unit_id"), *columns).where(
        model.kind == TREE, model.unit_id.in_(tops), *where
    )
    changes = (
        sa.select(OrgUnitClosure.ancestor_id.label("unit_id"), *columns)
        .join(OrgUnitClosure, OrgUnitClosure.descendant_id == model.unit_id)
        .where(model.kind == CHANGE, OrgUnitClosure.ancestor_id.in_(tops), *where)
    )
    rows = sa.union_all(tree, changes).subquery("rows")
    grouped = [rows.c[name] for name in group]
    return sa.select(
        *grouped, *(sa.func.coalesce(sa.func.sum(rows.c[m]), 0).label(m) for m in measures)
    ).group_by(*grouped)
