"""Org tree, positions and position assignments: the rules and the writes.

Every function takes the acting user explicitly, flushes, and leaves the commit to the caller.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.core import audit, clock, signals
from lms.core.db import UTCDateTime, insert_rows
from lms.core.errors import Invalid, PermissionDenied
from lms.core.i18n import fold
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.org.models import (
    DUE_BASES,
    DUE_ON_DATE,
    CurriculumItem,
    ManagerUnit,
    OrgUnit,
    OrgUnitClosure,
    OrgUnitEvent,
    OrgUnitKind,
    Position,
    PositionAssignment,
)
from lms.org.queries import in_scope, manages_province_or_wider, subtree_ids


def ensure_can_manage(actor: User, unit: OrgUnit) -> None:
    """Admins manage every unit; managers the units in their subtree. Else ``PermissionDenied``."""
    ensure_role(actor, Role.ADMIN, Role.MANAGER)
    visible = sa.select(OrgUnit.id).where(OrgUnit.id == unit.id, in_scope(actor, OrgUnit.id))
    if db.session.scalar(visible) is None:
        raise PermissionDenied(_l("This unit is outside the units you manage."))


def _record_event(actor, unit: OrgUnit, kind: str, on: date, **details) -> None:
    db.session.add(
        OrgUnitEvent(
            unit_id=unit.id,
            kind=kind,
            occurred_on=on,
            actor_id=actor.id if actor else None,
            details=details,
        )
    )


def _unit_search_text(code: str, name_vi: str, name_en: str) -> str:
    return fold(f"{code} {name_vi} {name_en}")


def _code_taken(model, code: str, exclude_id: int | None) -> bool:
    query = sa.select(model.id).where(model.code == code)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query) is not None


def _check_code_free(code: str, *, exclude_id: int | None = None) -> None:
    if _code_taken(OrgUnit, code, exclude_id):
        raise Invalid(_l("The unit code %(code)s is already in use.", code=code))


def _check_kind(kind_code: str) -> None:
    if db.session.get(OrgUnitKind, kind_code) is None:
        raise Invalid(_l("Unknown kind of unit: %(kind)s.", kind=kind_code))


def _check_open(unit: OrgUnit) -> None:
    if unit.valid_to is not None:
        raise Invalid(_l("%(unit)s is closed or merged; choose a current unit.", unit=unit.name_vi))


def create_unit(
    actor: User | None,
    *,
    code: str,
    kind_code: str,
    name_vi: str,
    name_en: str = "",
    parent: OrgUnit | None,
    valid_from: date,
) -> OrgUnit:
    """Create a unit under ``parent`` (None for a root). Admins only; ``None`` actor for seeding.

    Raises ``Invalid`` for a taken code, an unknown kind or a closed parent.
    """
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    code = code.strip().upper()
    _check_code_free(code)
    _check_kind(kind_code)
    if parent is not None:
        _check_open(parent)
    unit = OrgUnit(
        code=code,
        kind_code=kind_code,
        name_vi=name_vi.strip(),
        name_en=name_en.strip(),
        parent_id=parent.id if parent else None,
        valid_from=valid_from,
        search_text=_unit_search_text(code, name_vi, name_en),
    )
    db.session.add(unit)
    db.session.flush()
    db.session.add(OrgUnitClosure(ancestor_id=unit.id, descendant_id=unit.id, depth=0))
    if parent is not None:
        db.session.execute(
            sa.insert(OrgUnitClosure).from_select(
                ["ancestor_id", "descendant_id", "depth"],
                sa.select(
                    OrgUnitClosure.ancestor_id, sa.literal(unit.id), OrgUnitClosure.depth + 1
                ).where(OrgUnitClosure.descendant_id == parent.id),
            )
        )
    _record_event(
        actor, unit, "created", valid_from, name_vi=unit.name_vi, parent_id=unit.parent_id
    )
    audit.record(actor, "org_unit.created", unit, code=code)
    return unit


def edit_unit(
    actor: User,
    unit: OrgUnit,
    *,
    code: str,
    kind_code: str,
    name_vi: str,
    name_en: str,
    on: date,
) -> None:
    """Change a unit's code, kind or names; a new name enters the unit's history as of ``on``."""
    ensure_role(actor, Role.ADMIN)
    code = code.strip().upper()
    _check_code_free(code, exclude_id=unit.id)
    _check_kind(kind_code)
    name_vi, name_en = name_vi.strip(), name_en.strip()
    if (name_vi, name_en) != (unit.name_vi, unit.name_en):
        _record_event(
            actor,
            unit,
            "renamed",
            on,
            old_name_vi=unit.name_vi,
            old_name_en=unit.name_en,
            name_vi=name_vi,
            name_en=name_en,
        )
    if code != unit.code:
        _record_event(actor, unit, "recoded", on, old_code=unit.code, code=code)
    unit.code, unit.kind_code, unit.name_vi, unit.name_en = code, kind_code, name_vi, name_en
    unit.search_text = _unit_search_text(code, name_vi, name_en)
    db.session.flush()
    audit.record(actor, "org_unit.edited", unit, code=code)


def _reattach_closure(unit: OrgUnit, new_parent: OrgUnit) -> None:
    """Point the closure rows of ``unit``'s subtree at ``new_parent``'s ancestors."""
    inside = subtree_ids(unit.id)
    db.session.execute(
        sa.delete(OrgUnitClosure).where(
            OrgUnitClosure.descendant_id.in_(inside), OrgUnitClosure.ancestor_id.not_in(inside)
        )
    )
    above = sa.orm.aliased(OrgUnitClosure)
    below = sa.orm.aliased(OrgUnitClosure)
    db.session.execute(
        sa.insert(OrgUnitClosure).from_select(
            ["ancestor_id", "descendant_id", "depth"],
            sa.select(above.ancestor_id, below.descendant_id, above.depth + below.depth + 1)
            .select_from(above)
            .join(below, sa.true())
            .where(above.descendant_id == new_parent.id, below.ancestor_id == unit.id),
        )
    )


def move_unit(actor: User, unit: OrgUnit, new_parent: OrgUnit, *, on: date) -> None:
    """Move ``unit`` and its subtree under ``new_parent``. Raises ``Invalid`` for a move into
    its own subtree or under a closed unit."""
    ensure_role(actor, Role.ADMIN)
    _check_open(unit)
    _check_open(new_parent)
    inside = db.session.scalar(
        sa.select(sa.func.count()).where(
            OrgUnitClosure.ancestor_id == unit.id, OrgUnitClosure.descendant_id == new_parent.id
        )
    )
    if inside:
        raise Invalid(_l("A unit cannot be moved under itself or one of its own sub-units."))
    if unit.parent_id == new_parent.id:
        return
    _reattach_closure(unit, new_parent)
    _record_event(actor, unit, "moved", on, old_parent_id=unit.parent_id, parent_id=new_parent.id)
    unit.parent_id = new_parent.id
    db.session.flush()
    db.session.expire(unit, ["parent"])
    audit.record(actor, "org_unit.moved", unit, parent=new_parent.code)


def check_merge(actor: User, source: OrgUnit, target: OrgUnit) -> None:
    """Whether ``source`` may merge into ``target``: admins only (``PermissionDenied``);
    ``Invalid`` when they are one unit, either is closed or ``target`` lies inside
    ``source``. The confirmation page asks before showing what would move."""
    ensure_role(actor, Role.ADMIN)
    if source.id == target.id:
        raise Invalid(_l("A unit cannot be merged into itself."))
    _check_open(source)
    _check_open(target)
    if db.session.scalar(
        sa.select(sa.func.count()).where(
            OrgUnitClosure.ancestor_id == source.id, OrgUnitClosure.descendant_id == target.id
        )
    ):
        raise Invalid(_l("A unit cannot be merged into one of its own sub-units."))


@dataclass
class MergeResult:
    """What a merge moved, for the admin's summary."""

    people: int = 0  # people whose positions continue in a target
    assignments: int = 0  # their position assignments, continued or moved
    moved: int = 0  # sub-units moved as they are under a target
    merged: int = 0  # sub-units merged into a sub-unit of a target
    merged_codes: list[str] = field(default_factory=list)


def merge_units(
    actor: User,
    source: OrgUnit,
    target: OrgUnit,
    *,
    on: date,
    sub_units: Mapping[int, int] | None = None,
) -> MergeResult:
    """Merge ``source`` into ``target`` as of ``on``.

    Sub-units move under ``target``; every position held in ``source`` on ``on`` ends that
    day and continues in ``target``, so each person's history shows both; managers of
    ``source`` manage ``target``. ``source`` is closed, not deleted. Raises ``Invalid`` when
    either unit is closed or ``target`` lies inside ``source``.

    ``sub_units`` maps a sub-unit of ``source`` to a sub-unit of ``target`` it merges into
    (two one-stop sections become one) instead of moving as it is; it may also map the
    sub-units of a sub-unit so merged to those of its target, and so on down. Each such
    merge is this same merge (events, signals, audit), in the caller's one transaction.
    """
    check_merge(actor, source, target)
    pairs = dict(sub_units or {})
    _check_sub_unit_pairs(source, target, pairs)
    moving = sa.select(sa.func.count(sa.distinct(PositionAssignment.user_id))).where(
        PositionAssignment.unit_id.in_([source.id, *pairs]),
        sa.or_(
            PositionAssignment.ends_on.is_(None),
            PositionAssignment.ends_on > on,
            PositionAssignment.starts_on >= on,
        ),
    )
    result = MergeResult(people=db.session.scalar(moving) or 0)
    _merge(actor, source, target, on, pairs, result)
    return result


def _check_sub_unit_pairs(source: OrgUnit, target: OrgUnit, pairs: dict[int, int]) -> None:
    """Each pair is a current sub-unit of a unit being merged and a current sub-unit of the
    unit that one merges into; one query for all of them."""
    if not pairs:
        return
    units = {
        unit.id: unit
        for unit in db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.id.in_({*pairs, *pairs.values()}))
        )
    }
    into = {source.id: target.id, **pairs}
    for child_id, other_id in pairs.items():
        child, other = units.get(child_id), units.get(other_id)
        if (
            child is None
            or other is None
            or other.id == source.id
            or child.valid_to is not None
            or other.valid_to is not None
            or child.parent_id not in into
            or other.parent_id != into[child.parent_id]
        ):
            raise Invalid(
                _l("A sub-unit can only merge into a current sub-unit of the unit it joins.")
            )


def _merge(
    actor: User,
    source: OrgUnit,
    target: OrgUnit,
    on: date,
    pairs: dict[int, int],
    result: MergeResult,
) -> None:
    for child in db.session.scalars(
        sa.select(OrgUnit).where(OrgUnit.parent_id == source.id, OrgUnit.valid_to.is_(None))
    ).all():
        if child.id in pairs:
            other = db.session.get(OrgUnit, pairs[child.id])
            _merge(actor, child, other, on, pairs, result)
            result.merged += 1
            result.merged_codes.append(child.code)
        else:
            _reattach_closure(child, target)
            child.parent_id = target.id
            result.moved += 1
    result.assignments += _continue_assignments(source, target, on)
    _move_managers(source, target)
    source.valid_to = on
    source.merged_into_id = target.id
    _record_event(actor, source, "merged", on, into_id=target.id, into_code=target.code)
    _record_event(actor, target, "absorbed", on, from_id=source.id, from_code=source.code)
    db.session.flush()
    signals.org_unit_merged.send(source, target=target, actor=actor, on=on)
    audit.record(actor, "org_unit.merged", source, into=target.code, on=on.isoformat())


def _continue_assignments(source: OrgUnit, target: OrgUnit, on: date) -> int:
    """Positions held in ``source`` across ``on`` end there and continue in ``target``;
    those that only start on or after ``on`` simply move. Returns how many did either."""
    in_source = PositionAssignment.unit_id == source.id
    running = sa.and_(
        in_source,
        PositionAssignment.starts_on < on,
        sa.or_(PositionAssignment.ends_on.is_(None), PositionAssignment.ends_on > on),
    )
    db.session.execute(
        sa.insert(PositionAssignment).from_select(
            [
                "user_id",
                "position_id",
                "unit_id",
                "starts_on",
                "ends_on",
                "continues_id",
                "created_at",
            ],
            sa.select(
                PositionAssignment.user_id,
                PositionAssignment.position_id,
                sa.literal(target.id),
                sa.literal(on),
                PositionAssignment.ends_on,
                PositionAssignment.id,
                sa.literal(clock.now(), UTCDateTime()),
            ).where(running),
        )
    )
    continued = db.session.execute(
        sa.update(PositionAssignment).where(running).values(ends_on=on)
    ).rowcount
    moved = db.session.execute(
        sa.update(PositionAssignment)
        .where(in_source, PositionAssignment.starts_on >= on)
        .values(unit_id=target.id)
    ).rowcount
    return continued + moved


def _move_managers(source: OrgUnit, target: OrgUnit) -> None:
    already = sa.select(ManagerUnit.user_id).where(ManagerUnit.unit_id == target.id)
    db.session.execute(
        sa.insert(ManagerUnit).from_select(
            ["user_id", "unit_id"],
            sa.select(ManagerUnit.user_id, sa.literal(target.id)).where(
                ManagerUnit.unit_id == source.id, ManagerUnit.user_id.not_in(already)
            ),
        )
    )
    db.session.execute(sa.delete(ManagerUnit).where(ManagerUnit.unit_id == source.id))


def _check_position_code_free(code: str, *, exclude_id: int | None = None) -> None:
    if _code_taken(Position, code, exclude_id):
        raise Invalid(_l("The position code %(code)s is already in use.", code=code))


def create_position(
    actor: User | None,
    *,
    code: str,
    name_vi: str,
    name_en: str = "",
    description_vi: str = "",
    description_en: str = "",
) -> Position:
    """Create a job position. Admins only (``None`` for seeding); ``Invalid`` for a taken code."""
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    code = code.strip().upper()
    _check_position_code_free(code)
    position = Position(
        code=code,
        name_vi=name_vi.strip(),
        name_en=name_en.strip(),
        description_vi=description_vi.strip(),
        description_en=description_en.strip(),
    )
    db.session.add(position)
    db.session.flush()
    audit.record(actor, "position.created", position, code=code)
    return position


def edit_position(
    actor: User,
    position: Position,
    *,
    code: str,
    name_vi: str,
    name_en: str,
    description_vi: str,
    description_en: str,
    active: bool,
) -> None:
    """Change a position. Deactivating it stops new assignments; current holders keep it."""
    ensure_role(actor, Role.ADMIN)
    code = code.strip().upper()
    _check_position_code_free(code, exclude_id=position.id)
    position.code, position.active = code, active
    position.name_vi, position.name_en = name_vi.strip(), name_en.strip()
    position.description_vi, position.description_en = (
        description_vi.strip(),
        description_en.strip(),
    )
    db.session.flush()
    audit.record(actor, "position.edited", position, code=code, active=active)


def assign_position(
    actor: User | None, user: User, position: Position, unit: OrgUnit, *, starts_on: date
) -> PositionAssignment:
    """``user`` holds ``position`` in ``unit`` from ``starts_on``.

    Raises ``PermissionDenied`` outside the actor's units, ``Invalid`` for an inactive
    position, a closed unit or a position the user already holds there.
    """
    if actor is not None:
        ensure_can_manage(actor, unit)
    if not position.active:
        raise Invalid(_l("The position %(name)s is no longer in use.", name=position.name_vi))
    _check_open(unit)
    duplicate = sa.select(PositionAssignment.id).where(
        PositionAssignment.user_id == user.id,
        PositionAssignment.position_id == position.id,
        PositionAssignment.unit_id == unit.id,
        sa.or_(PositionAssignment.ends_on.is_(None), PositionAssignment.ends_on > starts_on),
    )
    if db.session.scalar(duplicate) is not None:
        raise Invalid(_l("%(user)s already holds this position in this unit.", user=user.full_name))
    assignment = PositionAssignment(
        user_id=user.id, position_id=position.id, unit_id=unit.id, starts_on=starts_on
    )
    db.session.add(assignment)
    db.session.flush()
    signals.positions_assigned.send([assignment], actor=actor)
    audit.record(
        actor,
        "position.assigned",
        assignment,
        user=user.username,
        position=position.code,
        unit=unit.code,
        starts_on=starts_on.isoformat(),
    )
    return assignment


class WantedPosition(NamedTuple):
    """A position someone is to hold, for ``assign_positions``."""

    user_id: int
    username: str
    full_name: str
    position: Position
    unit: OrgUnit
    starts_on: date


def assign_positions(actor: User | None, wanted: list[WantedPosition]) -> list[sa.Row]:
    """``assign_position`` for many people at once (a chunk of a roster import): the same
    checks and errors, one query for the units the actor may manage and one for the
    positions already held, the assignments and their audit entries each inserted in one
    statement, without ORM objects, and ``positions_assigned`` sent once. Returns the new
    rows (id, user_id, position_id, unit_id, starts_on)."""
    if not wanted:
        return []
    units = {item.unit.id: item.unit for item in wanted}
    if actor is not None:
        ensure_role(actor, Role.ADMIN, Role.MANAGER)
        visible = set(
            db.session.scalars(
                sa.select(OrgUnit.id).where(
                    OrgUnit.id.in_(list(units)), in_scope(actor, OrgUnit.id)
                )
            )
        )
        if set(units) - visible:
            raise PermissionDenied(_l("This unit is outside the units you manage."))
    for item in wanted:
        if not item.position.active:
            raise Invalid(
                _l("The position %(name)s is no longer in use.", name=item.position.name_vi)
            )
        _check_open(item.unit)
    _pa = PositionAssignment
    held: dict[tuple[int, int, int], list] = {}
    for user_id, position_id, unit_id, ends_on in db.session.execute(
        sa.select(_pa.user_id, _pa.position_id, _pa.unit_id, _pa.ends_on).where(
            _pa.user_id.in_({item.user_id for item in wanted})
        )
    ):
        held.setdefault((user_id, position_id, unit_id), []).append(ends_on)
    for item in wanted:
        key = (item.user_id, item.position.id, item.unit.id)
        if any(ends_on is None or ends_on > item.starts_on for ends_on in held.get(key, [])):
            raise Invalid(
                _l("%(user)s already holds this position in this unit.", user=item.full_name)
            )
        held.setdefault(key, []).append(None)
    assignments = insert_rows(
        db.session,
        PositionAssignment,
        [
            {
                "user_id": item.user_id,
                "position_id": item.position.id,
                "unit_id": item.unit.id,
                "starts_on": item.starts_on,
            }
            for item in wanted
        ],
        returning=(_pa.id, _pa.user_id, _pa.position_id, _pa.unit_id, _pa.starts_on),
    )
    signals.positions_assigned.send(assignments, actor=actor)
    by_key = {(item.user_id, item.position.id, item.unit.id): item for item in wanted}
    audit.record_many(
        actor,
        "position.assigned",
        PositionAssignment.__tablename__,
        [
            (
                assignment.id,
                {
                    "user": item.username,
                    "position": item.position.code,
                    "unit": item.unit.code,
                    "starts_on": item.starts_on.isoformat(),
                },
            )
            for assignment in assignments
            for item in [by_key[(assignment.user_id, assignment.position_id, assignment.unit_id)]]
        ],
    )
    return assignments


def end_assignment(actor: User, assignment: PositionAssignment, *, ends_on: date) -> None:
    """End a position assignment on ``ends_on``; it stays in the person's history."""
    ensure_can_manage(actor, assignment.unit)
    if assignment.ends_on is not None and assignment.ends_on <= ends_on:
        return
    if ends_on < assignment.starts_on:
        raise Invalid(_l("The end date cannot be before the start date."))
    assignment.ends_on = ends_on
    db.session.flush()
    signals.position_ended.send(assignment, actor=actor)
    audit.record(actor, "position.ended", assignment, ends_on=ends_on.isoformat())


def set_managed_units(actor: User | None, manager: User, units: list[OrgUnit]) -> None:
    """Attach ``manager`` to exactly ``units``; they then see those subtrees. Admins only
    (None: the CLI)."""
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    wanted = {unit.id for unit in units}
    db.session.execute(
        sa.delete(ManagerUnit).where(
            ManagerUnit.user_id == manager.id, ManagerUnit.unit_id.not_in(wanted)
        )
    )
    present = set(
        db.session.scalars(sa.select(ManagerUnit.unit_id).where(ManagerUnit.user_id == manager.id))
    )
    db.session.add_all(
        ManagerUnit(user_id=manager.id, unit_id=unit_id) for unit_id in wanted - present
    )
    db.session.flush()
    audit.record(actor, "user.managed_units", manager, units=sorted(unit.code for unit in units))


def set_curriculum_item(
    actor: User | None,
    position: Position,
    module_id: int,
    *,
    due_basis: str,
    due_days: int | None = None,
    due_on: date | None = None,
    validity_months: int | None = None,
) -> CurriculumItem:
    """Require ``module_id`` of ``position`` (or change how it is required); everyone
    holding the position is updated. Admins only (``None`` for seeding).

    Raises ``Invalid`` for a due rule that is incomplete or a validity under one month.
    """
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    if due_basis not in DUE_BASES:
        raise Invalid(_l("Choose how the due date is counted."))
    if due_basis == DUE_ON_DATE:
        if due_on is None:
            raise Invalid(_l("Give the date the module is due."))
        due_days = None
    else:
        if due_days is None or due_days < 0:
            raise Invalid(_l("Give the number of days (0 or more) until the module is due."))
        due_on = None
    if validity_months is not None and validity_months < 1:
        raise Invalid(_l("A completion must stay valid for at least one month."))
    item = db.session.scalar(
        sa.select(CurriculumItem).where(
            CurriculumItem.position_id == position.id, CurriculumItem.module_id == module_id
        )
    )
    if item is None:
        item = CurriculumItem(position_id=position.id, module_id=module_id)
        db.session.add(item)
    item.due_basis, item.due_days, item.due_on = due_basis, due_days, due_on
    item.validity_months = validity_months
    db.session.flush()
    audit.record(
        actor,
        "curriculum.set",
        position,
        module_id=module_id,
        due_basis=due_basis,
        due_days=due_days,
        due_on=due_on.isoformat() if due_on else None,
        validity_months=validity_months,
    )
    signals.curriculum_changed.send(position, actor=actor, module_id=module_id)
    return item


def remove_curriculum_item(actor: User, item: CurriculumItem) -> None:
    """Stop requiring a module of a position; holders' assignments it alone required retire."""
    ensure_role(actor, Role.ADMIN)
    position = item.position
    db.session.delete(item)
    db.session.flush()
    audit.record(actor, "curriculum.removed", position, module_id=item.module_id)
    signals.curriculum_changed.send(position, actor=actor, module_id=item.module_id)


@signals.second_factor_required.connect
def _province_managers_need_a_second_factor(user: User, rules) -> bool:
    """ "province-manager": a manager who sees a whole province (or more) of records."""
    return (
        "province-manager" in rules
        and user.has_any_role({Role.MANAGER})
        and manages_province_or_wider(
            user.id, current_app.config["LMS_SECOND_FACTOR_PROVINCE_KINDS"]
        )
    )


@signals.account_provisioned.connect
def assign_provisioned_position(user: User, unit_code: str, position_code: str, starts_on: date):
    """An account made at its first single sign-on holds the position its provider names."""
    unit = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == unit_code))
    if unit is None:
        raise Invalid(
            _l(
                "Your identity provider says you work in unit %(code)s, which this site does "
                "not know. Ask your administrator to add you.",
                code=unit_code,
            )
        )
    position = db.session.scalar(sa.select(Position).where(Position.code == position_code))
    if position is None:
        raise Invalid(
            _l(
                "Your identity provider says you hold position %(code)s, which this site does "
                "not know. Ask your administrator to add you.",
                code=position_code,
            )
        )
    assign_position(None, user, position, unit, starts_on=starts_on)
