"""Read-side queries of the org tree, positions and assignments, scoped to the actor."""

from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.accounts.queries import search_condition
from lms.core.permissions import Role
from lms.extensions import db
from lms.org.models import (
    CurriculumItem,
    ManagerUnit,
    OrgUnit,
    OrgUnitClosure,
    OrgUnitEvent,
    OrgUnitKind,
    Position,
    PositionAssignment,
)


class Scope(NamedTuple):
    """The units someone may see: every unit ("all"), the units ``actor_id`` is attached to
    and everything below them ("managed"), or none ("none"). ``actor_id`` may be a bound
    parameter, for a statement built once per kind of scope and run for anyone."""

    kind: str
    actor_id: Any


def scope_of(actor: User) -> Scope:
    """Admins see every unit; managers the units they are attached to and everything below
    them; anyone else none."""
    if actor.has_any_role({Role.ADMIN}):
        return Scope("all", actor.id)
    return Scope("managed" if actor.has_any_role({Role.MANAGER}) else "none", actor.id)


def in_scope(actor: User | Scope, unit_id_column) -> sa.ColumnElement[bool]:
    """SQL condition: ``unit_id_column`` is a unit ``actor`` may see (``scope_of``).

    Every scoped query of every domain uses this, so the rule lives in one place.
    """
    scope = actor if isinstance(actor, Scope) else scope_of(actor)
    if scope.kind == "all":
        return sa.true()
    if scope.kind == "none":
        return sa.false()
    visible = (
        sa.select(OrgUnitClosure.descendant_id)
        .join(ManagerUnit, ManagerUnit.unit_id == OrgUnitClosure.ancestor_id)
        .where(ManagerUnit.user_id == scope.actor_id)
    )
    return unit_id_column.in_(visible)


def holds_on(on: date) -> sa.ColumnElement[bool]:
    """SQL condition: a position assignment is held on the date ``on``."""
    return sa.and_(
        PositionAssignment.starts_on <= on,
        sa.or_(PositionAssignment.ends_on.is_(None), PositionAssignment.ends_on > on),
    )


def main_units(on: date, among: sa.Select | None = None) -> sa.Subquery:
    """SQL: (user_id, unit_id) of everyone holding a position on ``on``, with the unit of
    their main position: the one they have held longest (then the first recorded).

    Dashboards count a person once, in this unit, so a subtree's figures are the sum of its
    units' figures even for someone who also holds a position elsewhere. ``among`` (user
    ids) restricts it to some people.
    """
    pa = PositionAssignment
    ranked = sa.select(
        pa.user_id,
        pa.unit_id,
        sa.func.row_number()
        .over(partition_by=pa.user_id, order_by=(pa.starts_on, pa.id))
        .label("rank"),
    ).where(holds_on(on))
    if among is not None:
        ranked = ranked.where(pa.user_id.in_(among))
    ranked = ranked.subquery("ranked")
    return (
        sa.select(ranked.c.user_id, ranked.c.unit_id)
        .where(ranked.c.rank == 1)
        .subquery("main_units")
    )


def subtree_ids(unit_id: int) -> sa.Select:
    return sa.select(OrgUnitClosure.descendant_id).where(OrgUnitClosure.ancestor_id == unit_id)


def holding(
    actor: User | Scope, on: date, *, unit_id: int | None = None, position_id: int | None = None
) -> list[sa.ColumnElement[bool]]:
    """SQL: a position assignment held on ``on`` in a unit ``actor`` may see, in the subtree
    of ``unit_id`` (None: anywhere in the scope), of ``position_id`` (None: any)."""
    pa = PositionAssignment
    conditions = [holds_on(on), in_scope(actor, pa.unit_id)]
    if unit_id is not None:
        conditions.append(pa.unit_id.in_(subtree_ids(unit_id)))
    if position_id is not None:
        conditions.append(pa.position_id == position_id)
    return conditions


def holders(
    actor: User | Scope, on: date, *, unit_id: int | None = None, position_id: int | None = None
) -> sa.Select:
    """SQL: ids of the people of a scope on ``on`` (the people a report row counts, and a
    bulk assignment reaches): the holders of ``position_id`` in the scope, or, without a
    position, everyone whose main position (``main_units``) is in it, counted once."""
    held = sa.select(PositionAssignment.user_id).where(
        *holding(actor, on, unit_id=unit_id, position_id=position_id)
    )
    if position_id is not None:
        return held
    # Only people holding a position in the scope can have their main unit in it: ranking
    # their positions alone spares ranking the whole country's for a commune's list.
    main = main_units(on, among=held)
    query = sa.select(main.c.user_id).where(in_scope(actor, main.c.unit_id))
    if unit_id is not None:
        query = query.where(main.c.unit_id.in_(subtree_ids(unit_id)))
    return query


def manages_province_or_wider(user_id: int, kinds) -> bool:
    """Whether the user is attached as a manager to a unit of one of ``kinds`` (a province)
    or to a unit above one; one query."""
    return db.session.scalar(
        sa.select(
            sa.exists()
            .where(ManagerUnit.user_id == user_id)
            .where(OrgUnitClosure.ancestor_id == ManagerUnit.unit_id)
            .where(OrgUnit.id == OrgUnitClosure.descendant_id)
            .where(OrgUnit.kind_code.in_(list(kinds)))
        )
    )


def unit_kinds() -> list[OrgUnitKind]:
    return list(db.session.scalars(sa.select(OrgUnitKind).order_by(OrgUnitKind.sort_order)))


def unit_by_code(code: str) -> OrgUnit | None:
    return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code.strip().upper()))


def ancestors(unit: OrgUnit) -> list[OrgUnit]:
    """The path from the root down to ``unit``'s parent."""
    query = (
        sa.select(OrgUnit)
        .join(OrgUnitClosure, OrgUnitClosure.ancestor_id == OrgUnit.id)
        .where(OrgUnitClosure.descendant_id == unit.id, OrgUnitClosure.depth > 0)
        .order_by(OrgUnitClosure.depth.desc())
    )
    return list(db.session.scalars(query))


def children_summary(parent_id: int | None, *, on: date, include_closed: bool = False):
    """Rows of (unit, number of sub-units, people holding a position in its subtree on ``on``).

    One statement whatever the number of children.
    """
    child = aliased(OrgUnit)
    sub_units = (
        sa.select(sa.func.count())
        .where(child.parent_id == OrgUnit.id, child.valid_to.is_(None))
        .scalar_subquery()
    )
    people = (
        sa.select(sa.func.count(sa.distinct(PositionAssignment.user_id)))
        .join(OrgUnitClosure, OrgUnitClosure.descendant_id == PositionAssignment.unit_id)
        .where(OrgUnitClosure.ancestor_id == OrgUnit.id, holds_on(on))
        .scalar_subquery()
    )
    parent = OrgUnit.parent_id.is_(None) if parent_id is None else OrgUnit.parent_id == parent_id
    query = sa.select(OrgUnit, sub_units, people).where(parent).order_by(OrgUnit.name_vi)
    if not include_closed:
        query = query.where(OrgUnit.valid_to.is_(None))
    return db.session.execute(query).all()


def search_units(text: str) -> sa.Select:
    return (
        sa.select(OrgUnit)
        .where(sa.or_(search_condition(OrgUnit.search_text, text), OrgUnit.code == text.upper()))
        .order_by(OrgUnit.valid_to.is_not(None), OrgUnit.name_vi)
    )


def unit_history(unit: OrgUnit) -> list[OrgUnitEvent]:
    query = (
        sa.select(OrgUnitEvent)
        .where(OrgUnitEvent.unit_id == unit.id)
        .order_by(OrgUnitEvent.occurred_on.desc(), OrgUnitEvent.id.desc())
    )
    return list(db.session.scalars(query))


def positions(*, include_inactive: bool = True) -> list[Position]:
    query = sa.select(Position).order_by(Position.name_vi)
    if not include_inactive:
        query = query.where(Position.active.is_(True))
    return list(db.session.scalars(query))


def assignments_of(user: User) -> list[PositionAssignment]:
    """All of ``user``'s position assignments, current first, ended ones kept as history."""
    query = (
        sa.select(PositionAssignment)
        .where(PositionAssignment.user_id == user.id)
        .order_by(PositionAssignment.ends_on.is_not(None), PositionAssignment.starts_on.desc())
    )
    return list(db.session.scalars(query))


def current_assignments(user: User, *, on: date) -> list[PositionAssignment]:
    query = (
        sa.select(PositionAssignment)
        .where(PositionAssignment.user_id == user.id, holds_on(on))
        .order_by(PositionAssignment.starts_on)
    )
    return list(db.session.scalars(query))


def managed_units(user: User) -> list[OrgUnit]:
    query = (
        sa.select(OrgUnit)
        .join(ManagerUnit, ManagerUnit.unit_id == OrgUnit.id)
        .where(ManagerUnit.user_id == user.id)
        .order_by(OrgUnit.name_vi)
    )
    return list(db.session.scalars(query))


def people_in_scope(actor: User, *, on: date, search: str = "", unit_id: int | None = None):
    """Users holding a position on ``on`` in a unit ``actor`` may see (optionally one subtree)."""
    held = sa.select(PositionAssignment.user_id).where(
        holds_on(on), in_scope(actor, PositionAssignment.unit_id)
    )
    if unit_id is not None:
        held = held.where(PositionAssignment.unit_id.in_(subtree_ids(unit_id)))
    query = sa.select(User).where(User.id.in_(held)).order_by(User.full_name, User.id)
    if search.strip():
        query = query.where(search_condition(User.search_text, search))
    return query


def person_in_scope(actor: User, user_id: int, *, on: date) -> User | None:
    """The user if they hold a position on ``on`` in a unit ``actor`` may see, else None:
    out of scope reads exactly like absent. The one rule every person page looks up by."""
    return db.session.scalar(people_in_scope(actor, on=on).where(User.id == user_id))


def current_assignments_for(user_ids, *, on: date, actor: User) -> dict[int, list]:
    """Current assignments of several users at once, keyed by user id, within scope."""
    query = (
        sa.select(PositionAssignment)
        .where(
            PositionAssignment.user_id.in_(user_ids),
            holds_on(on),
            in_scope(actor, PositionAssignment.unit_id),
        )
        .order_by(PositionAssignment.starts_on)
    )
    grouped: dict[int, list] = {user_id: [] for user_id in user_ids}
    for assignment in db.session.scalars(query):
        grouped[assignment.user_id].append(assignment)
    return grouped


def visible_unit(actor: User, unit_id: int) -> OrgUnit | None:
    """The unit with ``unit_id`` if ``actor`` may see it: a miss and a refusal look alike."""
    return db.session.scalar(
        sa.select(OrgUnit).where(OrgUnit.id == unit_id, in_scope(actor, OrgUnit.id))
    )


def assignments_in_scope(actor: User, user: User) -> list[PositionAssignment]:
    """``user``'s assignments, past and present, in units ``actor`` may see."""
    query = (
        sa.select(PositionAssignment)
        .where(PositionAssignment.user_id == user.id, in_scope(actor, PositionAssignment.unit_id))
        .order_by(PositionAssignment.ends_on.is_not(None), PositionAssignment.starts_on.desc())
    )
    return list(db.session.scalars(query))


def curriculum(position_id: int) -> list[CurriculumItem]:
    query = (
        sa.select(CurriculumItem)
        .where(CurriculumItem.position_id == position_id)
        .order_by(CurriculumItem.id)
    )
    return list(db.session.scalars(query))


def moving_assignments(unit_id: int, on: date) -> sa.ColumnElement[bool]:
    """SQL condition: a position assignment in ``unit_id`` that a merge as of ``on`` carries
    to the other unit (held across ``on``, or starting on or after it)."""
    return sa.and_(
        PositionAssignment.unit_id == unit_id,
        sa.or_(
            PositionAssignment.ends_on.is_(None),
            PositionAssignment.ends_on > on,
            PositionAssignment.starts_on >= on,
        ),
    )


def merge_figures(actor: User, source: OrgUnit, on: date) -> sa.Row:
    """What merging ``source`` as of ``on`` moves, in one statement whatever the number of
    people: ``people`` and ``assignments`` whose positions continue in the other unit,
    ``people_below`` holding a position in its sub-units (they move with them),
    ``managers`` attached to it, ``sub_units`` (current). Scoped to what ``actor`` sees."""
    pa = PositionAssignment
    moving = sa.and_(moving_assignments(source.id, on), in_scope(actor, pa.unit_id))
    below = (
        sa.select(sa.func.count(sa.distinct(pa.user_id)))
        .join(OrgUnitClosure, OrgUnitClosure.descendant_id == pa.unit_id)
        .where(
            OrgUnitClosure.ancestor_id == source.id,
            OrgUnitClosure.depth > 0,
            holds_on(on),
            in_scope(actor, pa.unit_id),
        )
    )
    child = aliased(OrgUnit)
    return db.session.execute(
        sa.select(
            sa.select(sa.func.count(sa.distinct(pa.user_id)))
            .where(moving)
            .scalar_subquery()
            .label("people"),
            sa.select(sa.func.count(pa.id)).where(moving).scalar_subquery().label("assignments"),
            below.scalar_subquery().label("people_below"),
            sa.select(sa.func.count())
            .select_from(ManagerUnit)
            .where(ManagerUnit.unit_id == source.id)
            .scalar_subquery()
            .label("managers"),
            sa.select(sa.func.count(child.id))
            .where(
                child.parent_id == source.id,
                child.valid_to.is_(None),
                in_scope(actor, child.id),
            )
            .scalar_subquery()
            .label("sub_units"),
        )
    ).one()


def moving_people(source: OrgUnit, on: date) -> sa.Select:
    """SQL: the ids of the people whose positions a merge of ``source`` as of ``on`` moves."""
    return sa.select(PositionAssignment.user_id).where(moving_assignments(source.id, on))


class SubUnitMerge(NamedTuple):
    """A sub-unit of a unit being merged, and the target's sub-unit it could merge into."""

    unit: OrgUnit
    people: int
    match: OrgUnit | None
    matches: int
    same_name: bool

    @property
    def suggested(self) -> bool:
        """Ticked by default: the target has one sub-unit of its kind, or one of its name."""
        return self.match is not None and (self.matches == 1 or self.same_name)


def merge_sub_units(
    actor: User, source: OrgUnit, target: OrgUnit, *, on: date
) -> list[SubUnitMerge]:
    """The current sub-units of ``source``, each with ``people`` holding a position in its
    subtree on ``on``, and the sub-unit of ``target`` it could merge into: ``match``, the
    one of the same kind (of those, the one of the same name first, then by name),
    ``matches`` how many of that kind there are, ``same_name`` whether the names agree.
    One statement whatever the number of sub-units."""
    child = aliased(OrgUnit, name="child")
    other = aliased(OrgUnit, name="other")
    match = aliased(OrgUnit, name="match")
    same_kind = sa.and_(
        other.parent_id == target.id,
        other.id != source.id,  # a unit merging into its own parent is one of its sub-units
        other.valid_to.is_(None),
        other.kind_code == child.kind_code,
        in_scope(actor, other.id),
    )

    def first(*conditions):
        return (
            sa.select(other.id)
            .where(same_kind, *conditions)
            .order_by(other.name_vi, other.id)
            .limit(1)
            .correlate(child)
            .scalar_subquery()
        )

    # The one of the same name, else the first by name (SQLite takes no outer column in a
    # subquery's ORDER BY).
    best = sa.func.coalesce(first(other.name_vi == child.name_vi), first())
    matches = sa.select(sa.func.count(other.id)).where(same_kind).correlate(child).scalar_subquery()
    people = (
        sa.select(sa.func.count(sa.distinct(PositionAssignment.user_id)))
        .join(OrgUnitClosure, OrgUnitClosure.descendant_id == PositionAssignment.unit_id)
        .where(OrgUnitClosure.ancestor_id == child.id, holds_on(on))
        .correlate(child)
        .scalar_subquery()
    )
    query = (
        sa.select(
            child,
            people.label("people"),
            match,
            matches.label("matches"),
        )
        .outerjoin(match, match.id == best)
        .where(child.parent_id == source.id, child.valid_to.is_(None), in_scope(actor, child.id))
        .order_by(child.name_vi, child.id)
    )
    return [
        SubUnitMerge(
            unit, people, candidate, count, bool(candidate and candidate.name_vi == unit.name_vi)
        )
        for unit, people, candidate, count in db.session.execute(query)
    ]
