"""Targets: the rules and the writes. Every function takes the acting user explicitly,
flushes, and leaves the commit to the caller."""

from datetime import date

from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.core import audit, clock
from lms.core.errors import Invalid
from lms.extensions import db
from lms.org.models import OrgUnit, Position
from lms.org.services import ensure_can_manage
from lms.reports.models import Target


def create_target(
    actor: User,
    *,
    unit: OrgUnit,
    position: Position | None,
    module: Module | None,
    percent: int,
    due_on: date,
) -> Target:
    """Set a target on ``unit`` (and everything below it).

    Raises ``PermissionDenied`` when ``unit`` is outside the actor's scope (admins: none),
    ``Invalid`` for a percentage outside 1–100, a certificate target without a position or
    a due date in the past.
    """
    ensure_can_manage(actor, unit)
    if not 1 <= percent <= 100:
        raise Invalid(_l("The target must be between 1 and 100 per cent."))
    if module is None and position is None:
        raise Invalid(_l("Choose a module, or a position whose certificate the target is about."))
    if due_on < clock.today():
        raise Invalid(_l("The due date is in the past."))
    target = Target(
        unit_id=unit.id,
        position_id=position.id if position else None,
        module_id=module.id if module else None,
        percent=percent,
        due_on=due_on,
        created_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(target)
    db.session.flush()
    audit.record(
        actor,
        "target.created",
        target,
        unit=unit.code,
        position=position.code if position else None,
        module=module.id if module else None,
        percent=percent,
        due_on=due_on.isoformat(),
    )
    return target


def delete_target(actor: User, target: Target) -> None:
    """Delete a target. Raises ``PermissionDenied`` when its unit is outside the actor's
    scope."""
    ensure_can_manage(actor, db.session.get(OrgUnit, target.unit_id))
    audit.record(
        actor,
        "target.deleted",
        target,
        unit_id=target.unit_id,
        percent=target.percent,
        due_on=target.due_on.isoformat(),
    )
    db.session.delete(target)
    db.session.flush()
