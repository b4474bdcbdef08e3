"""Read-side queries of training needs, scoped to what the actor may see, aggregated in SQL."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from lms.accounts.models import User
from lms.core.permissions import Role
from lms.extensions import db
from lms.learning.models import COMPLETED, ModuleProgress
from lms.needs.gaps import Offer, competencies, offers
from lms.needs.models import (
    POST,
    PRE,
    Competency,
    FollowUpRating,
    Gap,
    GapCount,
    PositionNeedsSetting,
    PositionStandard,
    TestResult,
)
from lms.org.models import ManagerUnit, OrgUnit, OrgUnitClosure, Position, PositionAssignment
from lms.org.queries import holds_on, in_scope


def competency(code: str) -> Competency | None:
    return db.session.get(Competency, code)


def standards(position_id: int) -> dict[str, int]:
    return dict(
        db.session.execute(
            sa.select(PositionStandard.competency_code, PositionStandard.level).where(
                PositionStandard.position_id == position_id
            )
        ).all()
    )


def needs_setting(position_id: int) -> PositionNeedsSetting | None:
    return db.session.get(PositionNeedsSetting, position_id)


def positions_with_standards() -> list[tuple[Position, int, bool]]:
    """Every position, how many competencies it sets a standard for, and automatic
    assignment; one statement."""
    count = (
        sa.select(sa.func.count())
        .where(PositionStandard.position_id == Position.id)
        .scalar_subquery()
    )
    query = (
        sa.select(Position, count, PositionNeedsSetting.auto_assign)
        .outerjoin(PositionNeedsSetting, PositionNeedsSetting.position_id == Position.id)
        .order_by(Position.name_vi)
    )
    return [(p, n, bool(auto)) for p, n, auto in db.session.execute(query)]


def staff_gaps(actor: User, today: date, *, unit_id: int | None = None) -> sa.Select:
    """People in the actor's units with how many competencies they are below standard in
    and the levels missing in all: (User, gaps, levels)."""
    held = sa.select(PositionAssignment.user_id).where(
        holds_on(today), in_scope(actor, PositionAssignment.unit_id)
    )
    if unit_id is not None:
        held = held.where(
            PositionAssignment.unit_id.in_(
                sa.select(OrgUnitClosure.descendant_id).where(OrgUnitClosure.ancestor_id == unit_id)
            )
        )
    counts = (
        sa.select(
            Gap.user_id,
            sa.func.count().label("gaps"),
            sa.func.sum(Gap.required - Gap.current).label("levels"),
        )
        .group_by(Gap.user_id)
        .subquery()
    )
    return (
        sa.select(User, sa.func.coalesce(counts.c.gaps, 0), sa.func.coalesce(counts.c.levels, 0))
        .outerjoin(counts, counts.c.user_id == User.id)
        .where(User.id.in_(held), User.active.is_(True))
        .order_by(sa.func.coalesce(counts.c.gaps, 0).desc(), User.full_name, User.id)
    )


# --- the planners' needs report ------------------------------------------------------------


@dataclass
class Cell:
    people: int = 0
    levels: int = 0  # levels missing, summed over people
    by_gap: dict[int, int] = field(default_factory=dict)  # gap size (3: 3 or more) -> people
    required: int = 0  # the highest level required of anyone counted

    @property
    def mean_gap(self) -> float:
        return self.levels / self.people if self.people else 0.0


@dataclass
class NeedsReport:
    unit: OrgUnit | None
    children: list[OrgUnit]
    competencies: list[Competency]
    cells: dict[tuple[int | None, str], Cell]  # (unit id or None for the total, code)
    modules: dict[str, list[Offer]]  # per competency: modules that build it, best first

    def cell(self, unit_id, code) -> Cell:
        return self.cells.get((unit_id, code), Cell())

    def total(self, unit_id) -> int:
        return sum(cell.people for (uid, _), cell in self.cells.items() if uid == unit_id)


def report_units(actor: User, unit_id: int | None) -> tuple[OrgUnit | None, list[OrgUnit]]:
    """The unit a report is about (None: everything the actor sees) and the units it
    breaks down into: its open children, or the actor's top units."""
    if unit_id is not None:
        unit = db.session.scalar(
            sa.select(OrgUnit).where(OrgUnit.id == unit_id, in_scope(actor, OrgUnit.id))
        )
        if unit is None:
            return None, []
        parent = OrgUnit.parent_id == unit.id
    else:
        unit = None
        if actor.has_any_role({Role.ADMIN}):
            parent = OrgUnit.parent_id.is_(None)
        else:
            managed = sa.select(ManagerUnit.unit_id).where(ManagerUnit.user_id == actor.id)
            under_another = sa.select(OrgUnitClosure.descendant_id).where(
                OrgUnitClosure.ancestor_id.in_(managed), OrgUnitClosure.depth > 0
            )
            parent = sa.and_(OrgUnit.id.in_(managed), OrgUnit.id.not_in(under_another))
    children = list(
        db.session.scalars(
            sa.select(OrgUnit).where(parent, OrgUnit.valid_to.is_(None)).order_by(OrgUnit.name_vi)
        )
    )
    return unit, children


def needs_report(actor: User, unit: OrgUnit | None, children: list[OrgUnit]) -> NeedsReport:
    """Per child unit (its whole subtree) and competency: people below standard, by how
    much, and the modules that would close it; and the same for the unit as a whole.
    One aggregate statement over the per-unit gap counts, rolled up the closure table."""
    cells: dict[tuple, Cell] = {}
    tops = [child.id for child in children]
    if unit is not None:
        tops.append(unit.id)
    if tops:
        rolled = (
            sa.select(
                OrgUnitClosure.ancestor_id,
                GapCount.competency_code,
                sa.func.sum(GapCount.people),
                sa.func.sum(GapCount.levels),
                sa.func.sum(GapCount.gap1),
                sa.func.sum(GapCount.gap2),
                sa.func.sum(GapCount.gap3),
                sa.func.max(GapCount.required),
            )
            .join(OrgUnitClosure, OrgUnitClosure.descendant_id == GapCount.unit_id)
            .where(OrgUnitClosure.ancestor_id.in_(tops), in_scope(actor, GapCount.unit_id))
            .group_by(OrgUnitClosure.ancestor_id, GapCount.competency_code)
        )
        for ancestor, code, people, levels, g1, g2, g3, required in db.session.execute(rolled):
            key = (None if unit is not None and ancestor == unit.id else ancestor, code)
            cells[key] = Cell(
                int(people), int(levels), {1: int(g1), 2: int(g2), 3: int(g3)}, int(required)
            )
    if unit is None:
        # The top units do not overlap (``report_units``): the whole is their sum.
        for (_, code), cell in list(cells.items()):
            total = cells.setdefault((None, code), Cell(by_gap={1: 0, 2: 0, 3: 0}))
            total.people += cell.people
            total.levels += cell.levels
            for size, count in cell.by_gap.items():
                total.by_gap[size] = total.by_gap.get(size, 0) + count
            total.required = max(total.required, cell.required)
    framework = competencies()
    catalogue = offers()
    modules = {}
    for code in framework:
        total = cells.get((None, code))
        if total is None or not total.people:
            continue
        # Those that reach the highest level required first; then those that close the
        # smaller gaps only (the report shows the level each builds).
        modules[code] = sorted(
            (o for o in catalogue.values() if o.levels.get(code, 0) > 0),
            key=lambda offer: (-min(offer.levels[code], total.required), offer.minutes, offer.slug),
        )
    return NeedsReport(unit, children, list(framework.values()), cells, modules)


# --- effectiveness -------------------------------------------------------------------------


@dataclass
class EffectRow:
    key: object  # the cohort ("2026-03") or the unit
    learners: int
    mean_pre: float
    mean_post: float
    moved_up: int
    follow_ups: int
    mean_follow_up: float | None

    @property
    def gain(self) -> float:
        return self.mean_post - self.mean_pre

    @property
    def moved_up_share(self) -> float:
        return self.moved_up / self.learners if self.learners else 0.0


def modules_with_tests(actor: User, today: date) -> list[tuple[int, int, int]]:
    """(module id, learners with a pre-test, learners with a post-test) in the actor's
    units, for modules with any pre-test result."""
    people = _people_in_scope(actor, today)
    query = (
        sa.select(
            TestResult.module_id,
            sa.func.count(sa.distinct(sa.case((TestResult.kind == PRE, TestResult.user_id)))),
            sa.func.count(sa.distinct(sa.case((TestResult.kind == POST, TestResult.user_id)))),
        )
        .where(TestResult.user_id.in_(sa.select(people.c.user_id)))
        .group_by(TestResult.module_id)
        .having(sa.func.count(sa.case((TestResult.kind == PRE, 1))) > 0)
        .order_by(TestResult.module_id)
    )
    return [tuple(row) for row in db.session.execute(query)]


def _people_in_scope(actor: User, today: date) -> sa.Subquery:
    """(user_id, unit_id): people holding a position in the actor's units, each once (the
    unit of their earliest current position)."""
    number = sa.func.row_number().over(
        partition_by=PositionAssignment.user_id,
        order_by=(PositionAssignment.starts_on, PositionAssignment.id),
    )
    ranked = (
        sa.select(PositionAssignment.user_id, PositionAssignment.unit_id, number.label("n"))
        .where(holds_on(today), in_scope(actor, PositionAssignment.unit_id))
        .subquery()
    )
    return sa.select(ranked.c.user_id, ranked.c.unit_id).where(ranked.c.n == 1).subquery("people")


def _pairs(module_id: int, people: sa.Subquery) -> sa.Subquery:
    """Per learner of the module: the first pre-test, the best post-test, the month of that
    post-test (the cohort), the unit, the follow-up rating."""
    first = sa.func.row_number().over(
        partition_by=TestResult.user_id, order_by=(TestResult.taken_at, TestResult.id)
    )
    pre = (
        sa.select(TestResult.user_id, TestResult.score, TestResult.level, first.label("n"))
        .where(TestResult.module_id == module_id, TestResult.kind == PRE)
        .subquery("pre")
    )
    best = sa.func.row_number().over(
        partition_by=TestResult.user_id,
        order_by=(TestResult.score.desc(), TestResult.taken_at, TestResult.id),
    )
    post = (
        sa.select(
            TestResult.user_id,
            TestResult.score,
            TestResult.level,
            TestResult.taken_at,
            best.label("n"),
        )
        .where(TestResult.module_id == module_id, TestResult.kind == POST)
        .subquery("post")
    )
    year = sa.cast(sa.extract("year", post.c.taken_at), sa.Integer)
    month = sa.cast(sa.extract("month", post.c.taken_at), sa.Integer)
    return (
        sa.select(
            people.c.unit_id,
            (year * 100 + month).label("cohort"),
            pre.c.score.label("pre"),
            post.c.score.label("post"),
            sa.case((post.c.level > pre.c.level, 1), else_=0).label("up"),
            FollowUpRating.rating,
        )
        .join(pre, sa.and_(pre.c.user_id == people.c.user_id, pre.c.n == 1))
        .join(post, sa.and_(post.c.user_id == people.c.user_id, post.c.n == 1))
        .outerjoin(
            FollowUpRating,
            sa.and_(
                FollowUpRating.user_id == people.c.user_id,
                FollowUpRating.module_id == module_id,
            ),
        )
        .subquery("pairs")
    )


def _aggregate(pairs: sa.Subquery, key) -> sa.Select:
    return (
        sa.select(
            key,
            sa.func.count(),
            sa.func.avg(pairs.c.pre),
            sa.func.avg(pairs.c.post),
            sa.func.sum(pairs.c.up),
            sa.func.count(pairs.c.rating),
            sa.func.avg(pairs.c.rating),
        )
        .group_by(key)
        .order_by(key)
    )


def effectiveness(actor: User, module_id: int, today: date):
    """Per cohort (month of the post-test) and per org unit, for learners in the actor's
    units with both tests: mean pre and post score, gain, how many moved up a level, and
    the managers' follow-up ratings. Three statements."""
    people = _people_in_scope(actor, today)
    pairs = _pairs(module_id, people)

    def rows(key):
        return [
            EffectRow(
                key,
                int(n),
                float(pre or 0),
                float(post or 0),
                int(up or 0),
                int(rated),
                float(rating) if rating is not None else None,
            )
            for key, n, pre, post, up, rated, rating in db.session.execute(_aggregate(pairs, key))
        ]

    by_cohort = rows(pairs.c.cohort)
    for row in by_cohort:
        row.key = f"{row.key // 100}-{row.key % 100:02d}"
    by_unit = rows(pairs.c.unit_id)
    units = {
        unit.id: unit
        for unit in db.session.scalars(
            sa.select(OrgUnit).where(OrgUnit.id.in_([row.key for row in by_unit]))
        )
    }
    for row in by_unit:
        row.key = units[row.key]
    overall = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.avg(pairs.c.pre),
            sa.func.avg(pairs.c.post),
            sa.func.sum(pairs.c.up),
            sa.func.count(pairs.c.rating),
            sa.func.avg(pairs.c.rating),
        )
    ).one()
    n, pre, post, up, rated, rating = overall
    total = EffectRow(
        None,
        int(n),
        float(pre or 0),
        float(post or 0),
        int(up or 0),
        int(rated),
        float(rating) if rating is not None else None,
    )
    return total, by_cohort, by_unit


def completed_modules(person: User) -> list[tuple[int, object, int | None]]:
    """(module id, completed at, follow-up rating) of the modules ``person`` completed."""
    last = (
        sa.select(ModuleProgress.module_id, sa.func.max(ModuleProgress.completed_at).label("at"))
        .where(ModuleProgress.user_id == person.id, ModuleProgress.state == COMPLETED)
        .group_by(ModuleProgress.module_id)
        .subquery()
    )
    query = (
        sa.select(last.c.module_id, last.c.at, FollowUpRating.rating)
        .outerjoin(
            FollowUpRating,
            sa.and_(
                FollowUpRating.module_id == last.c.module_id,
                FollowUpRating.user_id == person.id,
            ),
        )
        .order_by(last.c.at.desc())
    )
    return [tuple(row) for row in db.session.execute(query)]
