"""The API's reads: each list is a scoped ``select()`` of the domain it belongs to, paged by
an opaque cursor on (updated_at, id) and filtered by ``updated_since``.

Scoping is never the API's own: a client's queries use its account with the domains' own
rules (``lms.org.queries.in_scope``, ``people_in_scope``), and a personal token's keep to
its holder's records.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import lazyload

from lms.accounts.models import User
from lms.api.services import Principal
from lms.catalogue.models import Module
from lms.certificates.models import Certificate
from lms.core import clock
from lms.core.errors import Invalid
from lms.extensions import db
from lms.learning.models import ModuleAssignment, ModuleProgress
from lms.learning.queries import assignment_state
from lms.org.models import OrgUnit, Position, PositionAssignment
from lms.org.queries import in_scope, people_in_scope


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode(moment: datetime, row_id: int) -> str:
    raw = json.dumps([moment.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, row_id = json.loads(raw)
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None or not isinstance(row_id, int):
            raise ValueError(cursor)
        return parsed, row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid(_l("The cursor is not one this API gave.")) from None


def paged(
    query: sa.Select,
    model,
    *,
    limit: int,
    cursor: str | None = None,
    updated_since: datetime | None = None,
) -> Page:
    """One page of ``query`` (rows of ``model``) in (updated_at, id) order: ``limit`` rows
    after ``cursor``, changed at or after ``updated_since``; one statement."""
    if updated_since is not None:
        query = query.where(model.updated_at >= updated_since)
    if cursor:
        moment, row_id = _decode(cursor)
        query = query.where(sa.tuple_(model.updated_at, model.id) > (moment, row_id))
    query = query.order_by(None).order_by(model.updated_at, model.id).limit(limit + 1)
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    # Items are the model's objects, or whole rows when the query adds columns (a state).
    items = [row[0] for row in rows] if len(query.column_descriptions) == 1 else rows
    last = rows[-1][0] if rows else None
    return Page(items, _encode(last.updated_at, last.id) if more and last else None)


def people(principal: Principal, today: date) -> sa.Select:
    """The people a caller may read: a client those the screens show its account
    (``people_in_scope``); a personal token its holder alone."""
    if principal.own_only:
        return sa.select(User).where(User.id == principal.actor.id)
    # A person loads their roles with them (the signed-in user's checks); the API shows none.
    return people_in_scope(principal.actor, on=today).options(lazyload(User.roles))


def person_ids(principal: Principal, today: date) -> sa.Select:
    return people(principal, today).with_only_columns(User.id).order_by(None)


def person(principal: Principal, user_id: int) -> User | None:
    """One person the caller may read, else None: absent and out of scope look alike."""
    return db.session.scalar(people(principal, clock.today()).where(User.id == user_id))


def person_by_external_id(principal: Principal, external_id: str) -> User | None:
    return db.session.scalar(
        people(principal, clock.today()).where(User.external_id == external_id)
    )


def units(principal: Principal) -> sa.Select:
    return sa.select(OrgUnit).where(in_scope(principal.actor, OrgUnit.id))


def positions() -> sa.Select:
    """Positions are reference data: every caller with ``org:read`` reads them all."""
    return sa.select(Position)


def position_assignments(principal: Principal) -> sa.Select:
    query = sa.select(PositionAssignment)
    if principal.own_only:
        return query.where(PositionAssignment.user_id == principal.actor.id)
    return query.where(in_scope(principal.actor, PositionAssignment.unit_id))


def modules() -> sa.Select:
    return sa.select(Module)


def module_assignments(principal: Principal, today: date) -> sa.Select:
    """Current module assignments of the people the caller may read, with their state."""
    return (
        sa.select(ModuleAssignment)
        .add_columns(assignment_state(today).label("state"))
        .where(
            ModuleAssignment.user_id.in_(person_ids(principal, today)),
            ModuleAssignment.retired_on.is_(None),
        )
    )


def completions(principal: Principal, today: date) -> sa.Select:
    return sa.select(ModuleProgress).where(
        ModuleProgress.user_id.in_(person_ids(principal, today)),
        ModuleProgress.completed_at.is_not(None),
    )


def certificates(principal: Principal, today: date) -> sa.Select:
    return sa.select(Certificate).where(Certificate.user_id.in_(person_ids(principal, today)))
