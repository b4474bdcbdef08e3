"""The dashboards' summary rows (``UnitFigures``, ``UnitPeople``, ``UnitCompletions``):
rebuilt for the whole country by the daily job, and kept current between rebuilds by the
services that change assignments and progress.

A service that changes someone's assignments calls ``touch``; before the transaction
commits, the OWN rows of every unit those people hold a position in are computed again
from the assignments (a few hundred rows per unit), and the sums that differ are appended
as CHANGE rows, so the figures and the change commit together and every subtree's figures
(its TREE row plus the changes below it) stay exact.

Once built, the rows always answer the dashboards; they are never set aside for a live
aggregation. Wide changes are followed set-based too: a curriculum edit recomputes the
OWN rows of every unit where the position is held (``touch_position``), a merge the TREE
rows of the units above the two merged ones (``reroll``). A refresh of many units (a
curriculum change for a position held across the country) then folds every CHANGE row
into the TREE rows above it (``fold``), so subtree pages do not sum thousands of changes.
OWN and TREE rows are summed by what they are about, so a refresh or a fold appends
differences instead of rewriting rows. States move with the date (a due date passes, a
completion expires): the daily job rebuilds every row for the new day,
beside the rows in use (the other of two generations, ``FiguresAsOf.generation``), and
swaps them in by flipping the generation in its one transaction, so the rows a page reads
were true at most since the last midnight. Until a site's first rebuild (``day()`` is
None) there are no rows and the reports aggregate live.
"""

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from lms.core import clock
from lms.extensions import db
from lms.learning.models import (
    CHANGE,
    EVERYONE,
    GENERATION_STEP,
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
_TOUCHED = "figures_touched"  # modules (None: all) -> (user ids, unit ids)
_DAY = "figures_day"


def _as_of() -> tuple[date | None, int]:
    """(day of the last rebuild, generation in use); read once per session (a request),
    however many figures of a page ask."""
    if _DAY not in db.session.info:
        found = db.session.execute(
            sa.select(FiguresAsOf.day, FiguresAsOf.generation).where(FiguresAsOf.id == 1)
        ).first()
        db.session.info[_DAY] = tuple(found) if found else (None, 0)
    return db.session.info[_DAY]


def day() -> date | None:
    """The day the summary rows were last rebuilt for, or None before the first rebuild."""
    return _as_of()[0]


def kinds(generation: int | None = None) -> tuple[int, int, int]:
    """The (OWN, TREE, CHANGE) kinds of the generation in use (or of ``generation``)."""
    if generation is None:
        generation = _as_of()[1]
    return tuple(kind + GENERATION_STEP * generation for kind in (OWN, TREE, CHANGE))


def touch(user_ids: Iterable[int] = (), unit_ids: Iterable[int] = (), module_ids=None) -> None:
    """Note that these people's assignments (or these units' people) changed: their units'
    rows are computed again before the transaction commits; with ``module_ids``, only the
    rows of those modules (what changed is these modules' assignments alone)."""
    touched = db.session.info.setdefault(_TOUCHED, {})
    users, units = touched.setdefault(_modules_key(module_ids), (set(), set()))
    users.update(user_ids)
    units.update(unit_ids)


def _modules_key(module_ids) -> frozenset | None:
    return None if module_ids is None else frozenset(module_ids)


def touch_position(position_id: int, module_ids=None) -> None:
    """A position's curriculum changed (the requirement of ``module_ids``, or any): every
    unit where it is held is computed again (those modules' rows only)."""
    held = sa.select(_pa.unit_id).where(_pa.position_id == position_id, holds_on(clock.today()))
    touch(unit_ids=db.session.scalars(held.distinct()), module_ids=module_ids)


def reroll(unit_ids: Iterable[int]) -> None:
    """The tree above ``unit_ids`` changed (a merge moved sub-units): the TREE rows of
    every unit above them (themselves included) are summed again from what their subtrees
    held at the last rebuild (each unit's OWN rows less its CHANGE rows since), set-based;
    the CHANGE rows below them then add up to today's figures as before."""
    if day() is None:
        return
    own, tree, change = kinds()
    above = sa.select(OrgUnitClosure.ancestor_id).where(
        OrgUnitClosure.descendant_id.in_(list(unit_ids))
    )
    units = list(db.session.scalars(above.distinct()))
    for model in _COLUMNS:
        db.session.execute(sa.delete(model).where(model.kind == tree, model.unit_id.in_(units)))
        keys, measures = _COLUMNS[model]
        sign = sa.case((model.kind == change, -1), else_=1)
        grouped = [getattr(model, key) for key in keys[1:]]
        query = (
            sa.select(
                OrgUnitClosure.ancestor_id,
                *grouped,
                *(sa.func.sum(sign * getattr(model, measure)) for measure in measures),
            )
            .join(OrgUnitClosure, OrgUnitClosure.descendant_id == model.unit_id)
            .where(model.kind.in_((own, change)), OrgUnitClosure.ancestor_id.in_(units))
            .group_by(OrgUnitClosure.ancestor_id, *grouped)
        )
        _insert(model, tree, query)


def listen(session) -> None:
    if not sa.event.contains(session, "before_commit", _refresh_touched):
        sa.event.listen(session, "before_commit", _refresh_touched)
        sa.event.listen(session, "after_transaction_end", _forget_day)


def _forget_day(session, transaction) -> None:
    # Another process may rebuild meanwhile: the next transaction reads the generation anew.
    session.info.pop(_DAY, None)


def _refresh_touched(session) -> None:
    if session.in_nested_transaction():
        # A savepoint released (a roster import's chunk): the outer commit refreshes the
        # units of every chunk at once. (Rows touched in a savepoint rolled back are only
        # computed again for nothing.)
        return
    touched = session.info.pop(_TOUCHED, {})
    if not any(users or units for users, units in touched.values()) or day() is None:
        return
    today = clock.today()
    by_modules = {}
    for modules, (users, units) in touched.items():
        for batch in _batches(sorted(users)):
            held = sa.select(_pa.unit_id).where(_pa.user_id.in_(batch), holds_on(today))
            units |= set(session.scalars(held.distinct()))
        by_modules[modules] = units
    # A unit computed again whole needs no module's rows computed again besides.
    whole = by_modules.pop(None, set())
    refreshed = set(whole)
    if whole:
        _refresh(today, sorted(whole), kinds())
    for modules, units in by_modules.items():
        if units - whole:
            _refresh(today, sorted(units - whole), kinds(), sorted(modules))
            refreshed |= units
    if len(refreshed) >= FOLD_UNITS:
        fold()


# A refresh of at least this many units (a curriculum change, a merge, a large roster
# import) folds every CHANGE row into the TREE rows above it.
FOLD_UNITS = 50
# The kinds of a refresh's new OWN rows and of their differences from the old, for the
# time of the refresh (no generation's).
_FRESH, _DIFFERENCE = 3 * GENERATION_STEP, 3 * GENERATION_STEP + 1


def fold() -> None:
    """Fold the CHANGE rows of the generation in use into the TREE rows of the units above
    them (themselves included), set-based, so a subtree's figures are again its TREE rows
    alone: after a wide change (everyone holding a position) the subtree pages stay as
    quick as after a rebuild instead of summing the changes below them on every view. The
    changes are summed per unit above (only the sums that are not zero) and appended as
    TREE rows, which the pages add up with the others; the daily rebuild writes one row
    per key again. Each unit whose changes were folded keeps one empty CHANGE row, so a
    rebuild running meanwhile still sees it changed. On PostgreSQL the summary tables are
    locked against writes (not reads) until the commit, so no concurrent change lands
    between the sum and the delete."""
    if day() is None:
        return
    _own, tree, change = kinds()
    if db.session.get_bind().dialect.name == "postgresql":
        names = ", ".join(model.__tablename__ for model in _COLUMNS)
        db.session.execute(sa.text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))
    changed = sa.union(
        *(sa.select(model.unit_id).where(model.kind == change) for model in _COLUMNS)
    ).subquery()
    units = list(db.session.scalars(sa.select(changed.c.unit_id)))
    if not units:
        return
    for model in _COLUMNS:
        keys, measures = _COLUMNS[model]
        grouped = [getattr(model, key) for key in keys[1:]]
        sums = [sa.func.sum(getattr(model, measure)) for measure in measures]
        _insert(
            model,
            tree,
            sa.select(OrgUnitClosure.ancestor_id, *grouped, *sums)
            .join(OrgUnitClosure, OrgUnitClosure.descendant_id == model.unit_id)
            .where(model.kind == change)
            .group_by(OrgUnitClosure.ancestor_id, *grouped)
            .having(sa.or_(*(total != 0 for total in sums))),
        )
        db.session.execute(sa.delete(model).where(model.kind == change))
    db.session.execute(
        sa.insert(UnitPeople),
        [
            {"unit_id": unit_id, "position_id": EVERYONE, "people": 0, "kind": change}
            for unit_id in units
        ],
    )


def _batches(ids: list[int], size: int = 1000) -> Iterable[list[int]]:
    return (ids[start : start + size] for start in range(0, len(ids), size))


def rebuild(today: date | None = None) -> None:
    """Compute every summary row for ``today`` (the daily job, after the assignments sync)
    beside the rows in use, then swap them in: the generation in use flips, the old rows
    go, and the units changed while the new rows were computed are computed again, all in
    the caller's transaction, so a page reads the old rows or the new, never none."""
    today = today or clock.today()
    # What this transaction changed before is in the new rows already.
    db.session.info.pop(_TOUCHED, None)
    built_before = day() is not None
    current = _as_of()[1] if built_before else 1
    following = 1 - current
    own, tree, _change = kinds(following)
    last_ids = {model: db.session.scalar(sa.select(sa.func.max(model.id))) for model in _COLUMNS}
    for model in _COLUMNS:
        db.session.execute(sa.delete(model).where(model.kind.in_(kinds(following))))
    _insert_own(today, None, own)
    for model in _COLUMNS:
        _insert(model, tree, _rolled_up(model, own))
    # The swap. A change committed while the rows above were computed left CHANGE rows in
    # the old generation: its units are computed again in the new one.
    changed = set()
    for model in _COLUMNS:
        if built_before:
            changed |= set(
                db.session.scalars(
                    sa.select(model.unit_id)
                    .where(model.kind == kinds(current)[2], model.id > (last_ids[model] or 0))
                    .distinct()
                )
            )
        db.session.execute(sa.delete(model).where(model.kind.in_(kinds(current))))
    _set_day(today, following)
    if changed:
        _refresh(today, sorted(changed), kinds(following))
    if db.session.get_bind().dialect.name == "postgresql":
        # Millions of new rows: without fresh statistics the planner scans them all.
        for model in _COLUMNS:
            db.session.execute(sa.text(f"ANALYZE {model.__tablename__}"))


def _set_day(today: date, generation: int) -> None:
    db.session.info[_DAY] = (today, generation)
    values = {"day": today, "generation": generation, "rebuilt_at": clock.now()}
    if db.session.execute(sa.update(FiguresAsOf).values(**values)).rowcount == 0:
        db.session.execute(sa.insert(FiguresAsOf).values(id=1, **values))


def _refresh(
    today: date,
    units: list[int],
    generation_kinds: tuple[int, int, int],
    module_ids: list[int] | None = None,
) -> None:
    """Compute the OWN rows of ``units`` again, appending the differences as CHANGE rows:
    the new rows are written beside the old (kind ``_FRESH``), and only the sums that
    differ between the two are appended, as CHANGE rows and as OWN rows (a unit's own
    figures are the sum of its OWN rows), so a curriculum change of one module adds rows
    for that module instead of rewriting every row of every unit where the position is
    held; the new rows then go. With ``module_ids``, only those modules' rows."""
    own, _tree, change = generation_kinds
    _insert_own(today, units, _FRESH, module_ids)
    for model in _COLUMNS:
        keys, measures = _COLUMNS[model]
        only = []
        if module_ids is not None:
            if "module_id" not in keys:
                continue
            only = [model.module_id.in_(module_ids)]
        sign = sa.case((model.kind == own, -1), else_=1)
        grouped = [getattr(model, key) for key in keys]
        sums = [sa.func.sum(sign * getattr(model, measure)) for measure in measures]
        _insert(
            model,
            _DIFFERENCE,
            sa.select(*grouped, *sums)
            .where(model.kind.in_((own, _FRESH)), model.unit_id.in_(units), *only)
            .group_by(*grouped)
            .having(sa.or_(*(total != 0 for total in sums))),
        )
        columns = [getattr(model, name) for name in (*keys, *measures)]
        _insert(model, change, sa.select(*columns).where(model.kind == _DIFFERENCE))
        db.session.execute(sa.update(model).where(model.kind == _DIFFERENCE).values(kind=own))
        db.session.execute(sa.delete(model).where(model.kind == _FRESH, model.unit_id.in_(units)))


def _insert_own(
    today: date, units: list[int] | None, own: int, module_ids: list[int] | None = None
) -> None:
    """The OWN rows of ``units`` (None: all), as kind ``own``; with ``module_ids``, only the
    rows of those modules (no people counts)."""
    everyone, holdings = _people(today, units)
    for people in (everyone, holdings):
        if module_ids is None:
            _insert(UnitPeople, own, _people_counts(people))
        _insert(UnitFigures, own, _figures(people, today, module_ids))
        _insert(UnitCompletions, own, _completions(people, today, module_ids))
        _insert(UnitCompletions, own, _completed(people, today, module_ids))


def _of_modules(column, module_ids: list[int] | None) -> list:
    return [] if module_ids is None else [column.in_(module_ids)]


def _rolled_up(model, own: int) -> sa.Select:
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
        .where(model.kind == own)
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


def _figures(people: sa.Subquery, today: date, module_ids=None) -> sa.Select:
    return (
        sa.select(*_keys(people), _ma.module_id, *status_figures(today))
        .join(_ma, _ma.user_id == people.c.user_id)
        .where(
            _ma.retired_on.is_(None),
            *_in_curriculum(people, _ma.module_id),
            *_of_modules(_ma.module_id, module_ids),
        )
        .group_by(*_grouped(people), _ma.module_id)
    )


def _completions(people: sa.Subquery, today: date, module_ids=None) -> sa.Select:
    mp = ModuleProgress
    month = completion_month(mp.completed_at)
    return (
        sa.select(*_keys(people), mp.module_id, month, sa.func.count(), sa.literal(0))
        .join(mp, mp.user_id == people.c.user_id)
        .where(
            mp.completed_at >= since_moment(first_month(today)),
            *_in_curriculum(people, mp.module_id),
            *_of_modules(mp.module_id, module_ids),
        )
        .group_by(*_grouped(people), mp.module_id, month)
    )


def _completed(people: sa.Subquery, today: date, module_ids=None) -> sa.Select:
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
            *_of_modules(_ma.module_id, module_ids),
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


def subtree_sums(model, group: tuple[str, ...] = (), where=()) -> sa.Select:
    """SQL: the figures of the subtrees of the units ``tops`` (their TREE rows plus the
    CHANGE rows below them), summed by the columns ``group``, where "unit_id" is the top
    unit; ``where`` holds conditions on ``model``'s columns. Its parameters: "tops" and
    those of ``subtree_params``, and any of ``where``'s; without a value in it, the
    statement can be built once and run again."""
    keys, measures = _COLUMNS[model]
    columns = [*(getattr(model, key) for key in keys[1:]), *(getattr(model, m) for m in measures)]
    tops = sa.bindparam("tops", expanding=True)
    tree = sa.select(model.unit_id.label("unit_id"), *columns).where(
        model.kind == sa.bindparam("tree_kind"), model.unit_id.in_(tops), *where
    )
    changes = (
        sa.select(OrgUnitClosure.ancestor_id.label("unit_id"), *columns)
        .join(OrgUnitClosure, OrgUnitClosure.descendant_id == model.unit_id)
        .where(
            model.kind == sa.bindparam("change_kind"), OrgUnitClosure.ancestor_id.in_(tops), *where
        )
    )
    rows = sa.union_all(tree, changes).subquery("rows")
    grouped = [rows.c[name] for name in group]
    return sa.select(
        *grouped, *(sa.func.coalesce(sa.func.sum(rows.c[m]), 0).label(m) for m in measures)
    ).group_by(*grouped)


def subtree_params(tops: list[int]) -> dict:
    """The values of ``subtree_sums``'s own parameters: the units ``tops``, and the kinds
    of rows of the generation in use."""
    _own, tree_kind, change_kind = kinds()
    return {"tops": tops, "tree_kind": tree_kind, "change_kind": change_kind}
