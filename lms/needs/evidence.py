"""Evidence of a person's level in each competency, and the one rule that says which counts.

THE RULE (documented in docs/needs.md; every page, the gap engine and the planners' report
use ``current_levels`` below, so it lives nowhere else):

1. Evidence counts only while it is valid: until ``valid_until`` (exclusive). A
   self-assessment and a manager's rating stay valid ``LMS_NEEDS_SELF_MONTHS`` and
   ``LMS_NEEDS_MANAGER_MONTHS`` (12), a test result ``LMS_NEEDS_TEST_MONTHS`` (24), a
   completion as long as the completion (its module certificate) is valid: until it
   expires, or until the day an admin revokes a certificate resting on it
   (``end_completions`` brings ``valid_until`` forward; the row stays as history).
2. Measured evidence outranks opinion: a test result (a diagnostic pre-test or a post-test)
   and a valid completion rank 3, a manager's rating 2, a self-assessment 1. The
   highest-ranked valid evidence wins, whatever its date: a diagnostic result that
   contradicts a newer self-assessment stands.
3. Among valid evidence of the same rank, the newest wins (so a new test replaces an old
   one, and a completion after a weak pre-test lifts the level).
4. No valid evidence: level 0 ("not yet assessed"), which is below every standard.
"""

from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from lms.core import clock
from lms.extensions import db
from lms.learning.models import ModuleProgress
from lms.needs.models import COMPLETION, MANAGER, SELF, TEST, Evidence

RANK = {TEST: 3, COMPLETION: 3, MANAGER: 2, SELF: 1}
FOREVER = date(9999, 12, 31)
_MONTHS = {SELF: "LMS_NEEDS_SELF_MONTHS", MANAGER: "LMS_NEEDS_MANAGER_MONTHS"}
DEFAULT_MONTHS = {SELF: 12, MANAGER: 12, TEST: 24}


def validity_months(source: str) -> int:
    name = _MONTHS.get(source, "LMS_NEEDS_TEST_MONTHS")
    return int(current_app.config.get(name, DEFAULT_MONTHS.get(source, 24)))


def valid_until(source: str, observed_at: datetime) -> date:
    return clock.add_months(clock.local_date(observed_at), validity_months(source))


def record(
    user_id: int,
    levels: dict[str, int],
    *,
    source: str,
    recorded_by=None,
    observed_at: datetime | None = None,
    until: date | None = None,
    module_id: int | None = None,
    attempt_id: int | None = None,
) -> list[Evidence]:
    """Add one piece of evidence per competency; flushes. The caller refreshes the gaps."""
    observed_at = observed_at or clock.now()
    until = until or valid_until(source, observed_at)
    rows = [
        Evidence(
            user_id=user_id,
            competency_code=code,
            level=level,
            source=source,
            observed_at=observed_at,
            valid_until=until,
            recorded_by_id=recorded_by.id if recorded_by is not None else None,
            module_id=module_id,
            attempt_id=attempt_id,
        )
        for code, level in levels.items()
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def end_completions(user_id: int, module_ids, progress_ids, *, on: date) -> None:
    """The completion evidence of ``user_id`` for ``module_ids`` recorded from these
    completions stops counting from ``on`` (a revoked certificate rested on them); flushes.
    Evidence of other completions of the same modules is untouched."""
    if not module_ids or not progress_ids:
        return
    rested_on = sa.exists().where(
        ModuleProgress.id.in_(list(progress_ids)),
        ModuleProgress.user_id == Evidence.user_id,
        ModuleProgress.module_id == Evidence.module_id,
        ModuleProgress.completed_at == Evidence.observed_at,
    )
    db.session.execute(
        sa.update(Evidence)
        .where(
            Evidence.user_id == user_id,
            Evidence.source == COMPLETION,
            Evidence.module_id.in_(list(module_ids)),
            Evidence.valid_until > on,
            rested_on,
        )
        .values(valid_until=on)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()


def ranked(today: date, users=None) -> sa.Subquery:
    """Valid evidence, numbered 1 for the piece that counts per person and competency."""
    rank = sa.case(RANK, value=Evidence.source, else_=0)
    number = sa.func.row_number().over(
        partition_by=(Evidence.user_id, Evidence.competency_code),
        order_by=(rank.desc(), Evidence.observed_at.desc(), Evidence.id.desc()),
    )
    query = sa.select(
        Evidence.user_id,
        Evidence.competency_code,
        Evidence.level,
        Evidence.source,
        Evidence.observed_at,
        number.label("n"),
    ).where(Evidence.valid_until > today)
    if users is not None:
        query = query.where(Evidence.user_id.in_(users))
    return query.subquery("ranked")


def current(today: date, users=None) -> sa.Subquery:
    """(user_id, competency_code, level, source, observed_at): the evidence that counts."""
    best = ranked(today, users)
    return (
        sa.select(
            best.c.user_id,
            best.c.competency_code,
            best.c.level,
            best.c.source,
            best.c.observed_at,
        )
        .where(best.c.n == 1)
        .subquery("current_level")
    )


def current_levels(user_id: int, today: date | None = None) -> dict[str, sa.Row]:
    """Per competency code: the row (level, source, observed_at) that counts for one person."""
    today = today or clock.today()
    best = current(today, [user_id])
    return {row.competency_code: row for row in db.session.execute(sa.select(best))}


def history(user_id: int) -> list[Evidence]:
    return list(
        db.session.scalars(
            sa.select(Evidence)
            .where(Evidence.user_id == user_id)
            .order_by(Evidence.observed_at.desc(), Evidence.id.desc())
        )
    )
