"""Read-side queries of the register, the flags and the reviews. The register is public;
flags and reviews are shown to whoever may see the module they are about."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from lms.accounts.models import User
from lms.catalogue.models import ModuleVersion
from lms.core import clock
from lms.extensions import db
from lms.legal.models import Instrument, LawFlag, ModuleReview
from lms.legal.register import Status


def instruments() -> list[Instrument]:
    """The whole register, the latest issued first."""
    return list(
        db.session.scalars(
            sa.select(Instrument).order_by(Instrument.issued.desc(), Instrument.number)
        )
    )


def instrument_by_slug(slug: str) -> Instrument | None:
    return db.session.scalar(sa.select(Instrument).where(Instrument.slug == slug))


def instruments_by_number(numbers) -> dict[str, Instrument]:
    """The registered instruments among ``numbers``; one query."""
    if not numbers:
        return {}
    rows = db.session.scalars(sa.select(Instrument).where(Instrument.number.in_(set(numbers))))
    return {row.number: row for row in rows}


@dataclass(frozen=True)
class Related:
    """The instruments an instrument's page names, each (number, the instrument when it
    is registered)."""

    replaced_by: list
    replaces: list
    amended_by: list
    amends: list


def related(instrument: Instrument) -> Related:
    """What replaced or amended ``instrument``, what it amends, and what it replaced (the
    entries that name it in their ``replaced_by``); one query over the register, which
    holds tens of instruments."""
    register = {row.number: row for row in db.session.scalars(sa.select(Instrument))}

    def named(numbers) -> list:
        return [(number, register.get(number)) for number in numbers]

    return Related(
        replaced_by=named(instrument.replaced_by),
        replaces=named(
            sorted(n for n, row in register.items() if instrument.number in row.replaced_by)
        ),
        amended_by=named(instrument.amended_by),
        amends=named(instrument.amends),
    )


def register_date() -> date | None:
    """The day a sync last changed the register, as the site counts days."""
    changed = db.session.scalar(sa.select(sa.func.max(Instrument.changed_at)))
    return clock.local_date(changed) if changed else None


@dataclass(frozen=True)
class FlagReason:
    """Why a module is flagged: it cites ``number``, which is ``status`` (None: not in the
    register) on the day asked about."""

    module_id: int
    number: str
    instrument: Instrument | None
    status: Status | None
    flagged_at: datetime
    locations: list[str]
    # (number, the instrument when registered) of each instrument that replaced it.
    replaced_by: list[tuple[str, Instrument | None]]


def flags(module_ids=None, *, today: date, flagged_before: datetime | None = None) -> dict:
    """module id → [FlagReason] of the flagged modules among ``module_ids`` (every one when
    None), only the flags raised before ``flagged_before`` when given; two queries."""
    query = (
        sa.select(LawFlag, Instrument)
        .outerjoin(Instrument, Instrument.number == LawFlag.number)
        .order_by(LawFlag.module_id, LawFlag.number)
    )
    if module_ids is not None:
        query = query.where(LawFlag.module_id.in_(module_ids))
    if flagged_before is not None:
        query = query.where(LawFlag.flagged_at <= flagged_before)
    rows = db.session.execute(query).all()
    successors = instruments_by_number(
        {number for _, instrument in rows if instrument for number in instrument.replaced_by}
    )
    found: dict[int, list[FlagReason]] = {}
    for flag, instrument in rows:
        found.setdefault(flag.module_id, []).append(
            FlagReason(
                module_id=flag.module_id,
                number=flag.number,
                instrument=instrument,
                status=instrument.status_on(today) if instrument else None,
                flagged_at=flag.flagged_at,
                locations=flag.locations,
                replaced_by=[
                    (number, successors.get(number))
                    for number in (instrument.replaced_by if instrument else [])
                ],
            )
        )
    return found


def learner_notices(module_id: int, *, today: date, after_days: int) -> list[FlagReason]:
    """The flags of a module raised more than ``after_days`` days ago: learners are told."""
    moment = clock.now() - timedelta(days=after_days)
    return flags([module_id], today=today, flagged_before=moment).get(module_id, [])


@dataclass(frozen=True)
class Review:
    review: ModuleReview
    version_number: int
    reviewer: str | None


def _reviews() -> sa.Select:
    return (
        sa.select(ModuleReview, ModuleVersion.number, User.full_name)
        .join(ModuleVersion, ModuleVersion.id == ModuleReview.version_id)
        .outerjoin(User, User.id == ModuleReview.reviewer_id)
        .order_by(ModuleReview.reviewed_at.desc(), ModuleReview.id.desc())
    )


def latest_review(version_id: int) -> Review | None:
    row = db.session.execute(_reviews().where(ModuleReview.version_id == version_id)).first()
    return Review(*row) if row else None


def reviews_of(module_id: int) -> list[Review]:
    """Every review of every version of the module, the latest first."""
    rows = db.session.execute(_reviews().where(ModuleVersion.module_id == module_id))
    return [Review(*row) for row in rows]


def last_reviews(version_ids) -> dict[int, ModuleReview]:
    """The latest review of each of ``version_ids`` that has one; one query."""
    if not version_ids:
        return {}
    latest = (
        sa.select(ModuleReview.version_id, sa.func.max(ModuleReview.id).label("id"))
        .where(ModuleReview.version_id.in_(set(version_ids)))
        .group_by(ModuleReview.version_id)
        .subquery()
    )
    rows = db.session.scalars(sa.select(ModuleReview).join(latest, latest.c.id == ModuleReview.id))
    return {row.version_id: row for row in rows}


def last_unit_of(user) -> str | None:
    """The unit ``user`` named in their latest review, to offer it again."""
    return db.session.scalar(
        sa.select(ModuleReview.unit)
        .where(ModuleReview.reviewer_id == user.id)
        .order_by(ModuleReview.reviewed_at.desc(), ModuleReview.id.desc())
        .limit(1)
    )


def review_due(manifest: dict, last_review: ModuleReview | None, *, today: date, soon: int):
    """ "overdue" or "due" when the version's ``review_by`` date has passed or is within
    ``soon`` days and no review was recorded from ``soon`` days before it; else None."""
    if not manifest.get("review_by"):
        return None
    review_by = date.fromisoformat(manifest["review_by"])
    window = review_by - timedelta(days=soon)
    if last_review is not None and clock.local_date(last_review.reviewed_at) >= window:
        return None
    if review_by < today:
        return "overdue"
    return "due" if window <= today else None


@dataclass(frozen=True)
class ReviewState:
    """What the authoring list shows of a module's review."""

    flags: list[FlagReason]
    review_by: date | None
    due: str | None
    last_review: ModuleReview | None

    @property
    def needs_review(self) -> bool:
        return bool(self.flags) or self.due is not None


def review_states(versions: dict[int, ModuleVersion], *, today: date, soon: int) -> dict:
    """module id → ReviewState for the modules of ``versions`` (module id → its latest
    version); three queries."""
    flagged = flags(list(versions), today=today)
    reviews = last_reviews([version.id for version in versions.values()])
    states = {}
    for module_id, version in versions.items():
        review = reviews.get(version.id)
        review_by = version.manifest.get("review_by")
        states[module_id] = ReviewState(
            flags=flagged.get(module_id, []),
            review_by=date.fromisoformat(review_by) if review_by else None,
            due=review_due(version.manifest, review, today=today, soon=soon),
            last_review=review,
        )
    return states
