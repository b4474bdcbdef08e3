"""The gap engine: what each position requires, what a person shows (``evidence``), the gap,
and the smallest set of modules that closes it.

gap = required level − current level, per competency (never below 0). A person "meets the
standard" of a position when no competency the position requires has a gap: they are not
sent to train what they already show (a passed diagnostic test, a valid completion).

``refresh`` keeps ``competency_gaps`` (the planners' report reads it) in step, one
statement per set of people, whatever the number.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import combinations

import sqlalchemy as sa

from lms.catalogue.models import ModuleCompetency, ModuleVersion
from lms.catalogue.queries import live_versions
from lms.core import clock
from lms.extensions import db
from lms.needs import evidence
from lms.needs.models import Competency, Gap, GapCount, PositionStandard
from lms.org.models import PositionAssignment
from lms.org.queries import holds_on

# Above this many candidate modules the exact search gives way to the greedy one.
EXACT_LIMIT = 18


@dataclass
class Offer:
    """A module a learner may be sent to, and the levels its latest version builds."""

    module_id: int
    slug: str
    version: ModuleVersion
    levels: dict[str, int]
    minutes: int


@dataclass
class Row:
    competency: Competency
    required: int
    current: int
    source: str | None
    observed_at: datetime | None

    @property
    def gap(self) -> int:
        return max(0, self.required - self.current)


@dataclass
class PositionNeeds:
    assignment: PositionAssignment
    rows: list[Row]
    recommended: list[Offer] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)

    @property
    def meets_standard(self) -> bool:
        return all(row.gap == 0 for row in self.rows)

    @property
    def gaps(self) -> dict[str, int]:
        return {row.competency.code: row.required for row in self.rows if row.gap}


@dataclass
class PersonNeeds:
    positions: list[PositionNeeds]
    recommended: list[Offer]  # for every position at once
    uncovered: list[str]

    @property
    def meets_standard(self) -> bool:
        return all(position.meets_standard for position in self.positions)


def offers() -> dict[int, Offer]:
    """Every module in the catalogue with the levels its latest version builds; one query."""
    rows = db.session.execute(
        live_versions(ModuleCompetency.code, ModuleCompetency.level).join(
            ModuleCompetency, ModuleCompetency.version_id == ModuleVersion.id
        )
    )
    found: dict[int, Offer] = {}
    for version, code, level in rows:
        offer = found.setdefault(
            version.module_id,
            Offer(version.module_id, version.module.slug, version, {}, version.estimated_minutes),
        )
        offer.levels[code] = level
    return found


def smallest_cover(gaps: dict[str, int], catalogue: dict[int, Offer]) -> tuple[list, list]:
    """The fewest modules that bring every gap to its required level (a module covers a
    competency when it builds at least the required level), fewest minutes among equals;
    and the competencies no module covers. Exact for a catalogue of ordinary size, greedy
    beyond ``EXACT_LIMIT`` candidates."""
    covers = {
        offer.module_id: frozenset(
            code for code, required in gaps.items() if offer.levels.get(code, 0) >= required
        )
        for offer in catalogue.values()
    }
    # One candidate per distinct coverage (the shortest), none that covers nothing.
    best: dict[frozenset, Offer] = {}
    for module_id, covered in covers.items():
        offer = catalogue[module_id]
        if covered and (
            covered not in best
            or (offer.minutes, offer.slug) < (best[covered].minutes, best[covered].slug)
        ):
            best[covered] = offer
    coverable = frozenset().union(*best) if best else frozenset()
    uncovered = sorted(set(gaps) - coverable)
    if not coverable:
        return [], uncovered
    candidates = sorted(best.items(), key=lambda item: (item[1].minutes, item[1].slug))
    if len(candidates) <= EXACT_LIMIT:
        for size in range(1, len(candidates) + 1):
            found = [
                combo
                for combo in combinations(candidates, size)
                if frozenset().union(*(covered for covered, _ in combo)) == coverable
            ]
            if found:
                chosen = min(found, key=lambda combo: sum(offer.minutes for _, offer in combo))
                return [offer for _, offer in chosen], uncovered
    chosen, left = [], set(coverable)
    while left:
        covered, offer = max(candidates, key=lambda item: (len(item[0] & left), -item[1].minutes))
        chosen.append(offer)
        left -= covered
    return chosen, uncovered


def standards_of(position_ids) -> dict[int, dict[str, int]]:
    rows = db.session.execute(
        sa.select(PositionStandard).where(PositionStandard.position_id.in_(list(position_ids)))
    ).scalars()
    found: dict[int, dict[str, int]] = {}
    for standard in rows:
        found.setdefault(standard.position_id, {})[standard.competency_code] = standard.level
    return found


def competencies() -> dict[str, Competency]:
    query = sa.select(Competency).order_by(Competency.sort_order, Competency.code)
    return {competency.code: competency for competency in db.session.scalars(query)}


def person_needs(user, today: date | None = None, catalogue=None) -> PersonNeeds:
    """A person's needs for every position they hold today: per competency the required
    and current level and the gap, whether they meet each standard, and the smallest set of
    modules to take (per position and for all positions at once)."""
    today = today or clock.today()
    assignments = list(
        db.session.scalars(
            sa.select(PositionAssignment)
            .where(PositionAssignment.user_id == user.id, holds_on(today))
            .order_by(PositionAssignment.starts_on, PositionAssignment.id)
        )
    )
    standards = standards_of({a.position_id for a in assignments})
    framework = competencies()
    levels = evidence.current_levels(user.id, today)
    catalogue = offers() if catalogue is None else catalogue
    positions, wanted = [], {}
    for assignment in assignments:
        rows = []
        for code, required in sorted(
            standards.get(assignment.position_id, {}).items(),
            key=lambda item: (framework[item[0]].sort_order, item[0]),
        ):
            shown = levels.get(code)
            rows.append(
                Row(
                    framework[code],
                    required,
                    shown.level if shown else 0,
                    shown.source if shown else None,
                    shown.observed_at if shown else None,
                )
            )
        needs = PositionNeeds(assignment, rows)
        needs.recommended, needs.uncovered = smallest_cover(needs.gaps, catalogue)
        for code, required in needs.gaps.items():
            wanted[code] = max(wanted.get(code, 0), required)
        positions.append(needs)
    recommended, uncovered = smallest_cover(wanted, catalogue)
    return PersonNeeds(positions, recommended, uncovered)


def _required(today: date, users=None) -> sa.Subquery:
    """Per person and competency, the highest level their current positions require, and
    the unit of (one of) the positions requiring it."""
    number = sa.func.row_number().over(
        partition_by=(PositionAssignment.user_id, PositionStandard.competency_code),
        order_by=(PositionStandard.level.desc(), PositionAssignment.id),
    )
    query = (
        sa.select(
            PositionAssignment.user_id,
            PositionAssignment.unit_id,
            PositionStandard.competency_code,
            PositionStandard.level,
            number.label("n"),
        )
        .join(PositionStandard, PositionStandard.position_id == PositionAssignment.position_id)
        .where(holds_on(today))
    )
    if users is not None:
        query = query.where(PositionAssignment.user_id.in_(users))
    return query.subquery("required")


def refresh(users=None, *, today: date | None = None) -> int:
    """Rewrite the stored gaps of ``users`` (a list of ids, a select of ids, or None for
    everyone) as today's standards and evidence make them, and the per-unit counts the
    report reads: for a list, only its people's units; otherwise every unit. A handful of
    statements whatever the number of people; returns the gaps stored."""
    today = today or clock.today()
    few = users is not None and not isinstance(users, sa.Select)
    if few:
        users = list(users)
    delete = sa.delete(Gap)
    touched: set[int] = set()
    if users is not None:
        delete = delete.where(Gap.user_id.in_(users))
        if few:
            touched |= _units_of(users)
    db.session.execute(delete.execution_options(synchronize_session=False))
    required = _required(today, users)
    shown = evidence.current(today, users)
    level = sa.func.coalesce(shown.c.level, 0)
    select = (
        sa.select(
            required.c.user_id,
            required.c.competency_code,
            required.c.unit_id,
            required.c.level,
            level,
        )
        .select_from(required)
        .outerjoin(
            shown,
            sa.and_(
                shown.c.user_id == required.c.user_id,
                shown.c.competency_code == required.c.competency_code,
            ),
        )
        .where(required.c.n == 1, level < required.c.level)
    )
    db.session.execute(
        sa.insert(Gap).from_select(
            ["user_id", "competency_code", "unit_id", "required", "current"], select
        )
    )
    if few:
        touched |= _units_of(users)
        _count(sorted(touched))
    else:
        _count(None)
    db.session.flush()
    query = sa.select(sa.func.count()).select_from(Gap)
    if users is not None:
        query = query.where(Gap.user_id.in_(users))
    return db.session.scalar(query)


def _units_of(user_ids: list[int]) -> set[int]:
    return set(db.session.scalars(sa.select(Gap.unit_id).where(Gap.user_id.in_(user_ids))))


def _count(unit_ids: list[int] | None) -> None:
    """Recount the gaps of ``unit_ids`` (None: every unit) into ``competency_gap_counts``."""
    delete = sa.delete(GapCount)
    aggregate = sa.select(
        Gap.unit_id,
        Gap.competency_code,
        sa.func.count(),
        sa.func.sum(Gap.required - Gap.current),
        sa.func.sum(sa.case((Gap.required - Gap.current == 1, 1), else_=0)),
        sa.func.sum(sa.case((Gap.required - Gap.current == 2, 1), else_=0)),
        sa.func.sum(sa.case((Gap.required - Gap.current >= 3, 1), else_=0)),
        sa.func.max(Gap.required),
    ).group_by(Gap.unit_id, Gap.competency_code)
    if unit_ids is not None:
        if not unit_ids:
            return
        delete = delete.where(GapCount.unit_id.in_(unit_ids))
        aggregate = aggregate.where(Gap.unit_id.in_(unit_ids))
    db.session.execute(delete.execution_options(synchronize_session=False))
    db.session.execute(
        sa.insert(GapCount).from_select(
            [
                "unit_id",
                "competency_code",
                "people",
                "levels",
                "gap1",
                "gap2",
                "gap3",
                "required",
            ],
            aggregate,
        )
    )
