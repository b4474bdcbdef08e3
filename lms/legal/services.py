"""Loading the register into the database, checking what the catalogue's modules cite
against it, flagging the modules that need review, and recording reviews."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.catalogue.models import Module, ModuleVersion
from lms.catalogue.queries import latest_version, live_versions
from lms.catalogue.services import version_files
from lms.core import audit, clock, signals
from lms.core.errors import Invalid, NotFound
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.legal import queries, register
from lms.legal.citations import Citation, scan
from lms.legal.models import Instrument, LawFlag, ModuleReview
from lms.legal.register import Status
from lms.plugins import registry

# Where a sync report files the register's problems.
REGISTER = "(register)"


@signals.courses_synced.connect
def load_register(report, actor=None) -> None:
    """Copy the register files into the database with the courses they travel with, then
    bring the flags up to date; a register with problems is not loaded."""
    known = register.current()
    if known.problems:
        report.failed[REGISTER] = list(known.problems)
        return
    store_register(known)
    refresh_flags(clock.today())


def store_register(known: register.Register) -> int:
    """Make the ``legal_instruments`` rows say what ``known`` says; returns how many rows
    were added or changed. An instrument no longer in the files is removed."""
    now = clock.now()
    rows = {row.number: row for row in db.session.scalars(sa.select(Instrument))}
    gone = [rows.pop(number) for number in set(rows) - set(known.entries)]
    for row in gone:
        db.session.delete(row)
    db.session.flush()  # a renamed number keeps its slug: the old row goes first
    changed = 0
    for entry in known.entries.values():
        values = _columns(entry)
        row = rows.get(entry.number)
        if row is None:
            db.session.add(Instrument(**values, changed_at=now))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.changed_at = now
        else:
            continue
        changed += 1
    db.session.flush()
    return changed


def _columns(entry: register.Entry) -> dict:
    return {
        "number": entry.number,
        "slug": entry.slug,
        "kind": entry.kind,
        "issuer": entry.issuer,
        "title": entry.title,
        "short": entry.short,
        "issued": entry.issued,
        "in_force_from": entry.in_force_from,
        "in_force_until": entry.in_force_until,
        "replaced_by": list(entry.replaced_by),
        "amends": list(entry.amends),
        "amended_by": list(entry.amended_by),
        "source": entry.source,
        "confirmed": entry.confirmed,
    }


@dataclass(frozen=True)
class StaleCitation:
    """A citation of an instrument that is not in force on the day checked (``status``
    NOT_YET or ENDED), or is not in the register (``instrument`` and ``status`` None).
    ``covered_by`` is the review of the version that already answered for it."""

    module: Module
    version: ModuleVersion
    citation: Citation
    instrument: Instrument | None
    status: Status | None
    covered_by: ModuleReview | None


def stale_citations(as_of: date, module_ids=None) -> list[StaleCitation]:
    """Every citation of an instrument not in force on ``as_of`` (or, cited as a former
    instrument, still or not yet in force), in the latest version of each module offered to
    learners (or of ``module_ids``), by module, file and line."""
    instruments = {row.number: row for row in db.session.scalars(sa.select(Instrument))}
    query = live_versions(Module).order_by(Module.slug)
    if module_ids is not None:
        query = query.where(Module.id.in_(module_ids))
    versions = db.session.execute(query).all()
    reviews = queries.last_reviews([version.id for version, _ in versions])
    found = []
    for version, module in versions:
        files = version_files(version, registry())[1]
        review = reviews.get(version.id)
        for citation in scan(files)[0]:
            instrument = instruments.get(citation.number)
            status = instrument.status_on(as_of) if instrument else None
            if status is (Status.ENDED if citation.former else Status.IN_FORCE):
                continue
            covered = review if _covers(review, instrument, as_of) else None
            found.append(StaleCitation(module, version, citation, instrument, status, covered))
    return found


def _covers(review: ModuleReview | None, instrument: Instrument | None, as_of: date) -> bool:
    """Whether a review already answered for citing ``instrument`` as it stands on
    ``as_of``: the register said the same of it then, and its status was already the same
    (a historical mention kept on purpose, a law cited before it takes effect)."""
    if review is None or instrument is None or instrument.changed_at > review.reviewed_at:
        return False
    reviewed_on = clock.local_date(review.reviewed_at)
    return instrument.status_on(reviewed_on) == instrument.status_on(as_of)


@dataclass(frozen=True)
class FlagCount:
    modules: int
    added: int
    cleared: int


def refresh_flags(today: date, module_ids=None) -> FlagCount:
    """Flag each module (of ``module_ids``, else every one) whose latest version cites an
    instrument not in force today that no review answered for; clear the flags that no
    longer hold. A flag keeps the time it was first raised."""
    wanted: dict[tuple[int, str], list[str]] = {}
    for stale in stale_citations(today, module_ids):
        if stale.covered_by is None:
            key = (stale.module.id, stale.citation.number)
            wanted.setdefault(key, []).append(f"{stale.citation.path}:{stale.citation.line}")
    query = sa.select(LawFlag)
    if module_ids is not None:
        query = query.where(LawFlag.module_id.in_(module_ids))
    existing = {(flag.module_id, flag.number): flag for flag in db.session.scalars(query)}
    now, added = clock.now(), 0
    for (module_id, number), locations in wanted.items():
        flag = existing.pop((module_id, number), None)
        if flag is None:
            db.session.add(
                LawFlag(module_id=module_id, number=number, flagged_at=now, locations=locations)
            )
            added += 1
        elif flag.locations != locations:
            flag.locations = locations
    for flag in existing.values():
        db.session.delete(flag)
    db.session.flush()
    return FlagCount(len({module_id for module_id, _ in wanted}), added, len(existing))


def record_review(actor, module: Module, *, unit: str) -> ModuleReview:
    """Record that ``actor`` reviewed the latest version of ``module`` against the register
    as it stands, for ``unit``; the flags the review answers for are cleared.

    Raises ``PermissionDenied`` unless the actor is a trainer or an admin, ``NotFound``
    when the module has no version, ``Invalid`` without a unit.
    """
    ensure_role(actor, Role.TRAINER, Role.ADMIN)
    version = latest_version(module.id)
    if version is None:
        raise NotFound(_l("This module has no published version to review."))
    unit = " ".join(unit.split())
    if not unit:
        raise Invalid(_l("Name the unit that reviewed the module."))
    review = ModuleReview(
        version_id=version.id,
        reviewer_id=actor.id,
        unit=unit,
        reviewed_at=clock.now(),
        register_date=queries.register_date(),
    )
    db.session.add(review)
    audit.record(
        actor,
        "module.reviewed",
        module,
        version=version.number,
        unit=unit,
        register_date=str(review.register_date),
    )
    refresh_flags(clock.today(), module_ids=[module.id])
    return review
