"""The gradebook: the people of a manager's scope against the modules assigned to them, each
cell the assignment's state and the best quiz score. A page costs the same few statements
whatever the number of people: the people, the modules, then the cells of the page's people.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.learning.models import ModuleAssignment
from lms.learning.queries import assignment_state, is_overdue
from lms.reports.queries import Filters, _current_assignment, _holders, finished_attempts

# Rows of people read at a time when a whole scope is written to a file.
EXPORT_BATCH = 500


@dataclass(frozen=True)
class Cell:
    state: str
    overdue: bool
    tries: int
    best: float | None


def people(actor: User, today: date, filters: Filters) -> sa.Select:
    """SQL: the people the dashboard with ``filters`` counts, by name. Page it."""
    return (
        sa.select(User.id, User.full_name, User.username)
        .where(User.id.in_(_holders(actor, today, filters)))
        .order_by(User.full_name, User.id)
    )


def modules(actor: User, today: date, filters: Filters) -> list[int]:
    """Ids of the modules currently assigned to anyone of those people: the columns."""
    query = (
        sa.select(ModuleAssignment.module_id)
        .where(
            ModuleAssignment.user_id.in_(_holders(actor, today, filters)),
            _current_assignment(filters),
        )
        .distinct()
    )
    return list(db.session.scalars(query))


def cells(today: date, filters: Filters, user_ids: Iterable[int]) -> dict[int, dict[int, Cell]]:
    """person id -> module id -> the cell, for the current assignments of ``user_ids`` that
    the filters keep; one statement."""
    user_ids = list(user_ids)
    attempts = finished_attempts(user_ids)
    query = (
        sa.select(
            ModuleAssignment.user_id,
            ModuleAssignment.module_id,
            assignment_state(today),
            is_overdue(today),
            sa.func.coalesce(attempts.c.tries, 0),
            attempts.c.best,
        )
        .outerjoin(
            attempts,
            sa.and_(
                attempts.c.user_id == ModuleAssignment.user_id,
                attempts.c.module_id == ModuleAssignment.module_id,
            ),
        )
        .where(ModuleAssignment.user_id.in_(user_ids), _current_assignment(filters))
    )
    found: dict[int, dict[int, Cell]] = defaultdict(dict)
    for user_id, module_id, state, overdue, tries, best in db.session.execute(query):
        found[user_id][module_id] = Cell(state, bool(overdue), tries, best)
    return found


def rows(actor: User, today: date, filters: Filters) -> Iterator[tuple]:
    """Every person of the scope as (person row, {module id: cell}), read in batches."""
    result = db.session.execute(
        people(actor, today, filters).execution_options(yield_per=EXPORT_BATCH)
    )
    for batch in result.partitions():
        found = cells(today, filters, [person.id for person in batch])
        for person in batch:
            yield person, found.get(person.id, {})
