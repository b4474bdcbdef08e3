"""Issuing and revoking certificates.

A module certificate is issued when a module is completed; a position certificate when
every module of a position's curriculum holds a valid completion. Both listen to learning's
signals and run inside its transaction: they flush, never commit.
"""

import base64
import re
import secrets
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User
from lms.catalogue.models import ModuleVersion
from lms.certificates.models import MODULE, POSITION, Certificate, SerialCounter
from lms.core import audit, clock, signals
from lms.core.db import insert_once
from lms.core.errors import Invalid
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.learning.models import COMPLETED, RENEWAL_OPEN, ModuleAssignment, ModuleProgress
from lms.learning.queries import assignment_state
from lms.notifications import services as notifications
from lms.notifications.models import CERTIFICATE_ISSUED
from lms.org.models import CurriculumItem, PositionAssignment
from lms.org.queries import holds_on

CODE_BYTES = 15  # 120 bits; 24 base32 characters
_NOT_CODE = re.compile(r"[^A-Z2-7]")


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")


def normalise_code(typed: str) -> str:
    """A code as typed (any case, with spaces or dashes) in its stored form."""
    return _NOT_CODE.sub("", typed.upper())


def display_code(code: str) -> str:
    return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


def _next_serial(year: int) -> str:
    insert_once(db.session, SerialCounter, {"year": year, "last": 0}, unique=[SerialCounter.year])
    # One UPDATE both takes the number and holds the row until commit, so two issuers
    # never get the same number.
    number = db.session.execute(
        sa.update(SerialCounter)
        .where(SerialCounter.year == year)
        .values(last=SerialCounter.last + 1)
        .returning(SerialCounter.last)
    ).scalar_one()
    return f"{year}-{number:06d}"


def _next_status_index() -> int:
    """The next entry of the status lists. Taken after the serial number, whose counter row
    the issuing transaction holds until it commits, so two issuers never take the same one
    (and the unique constraint would refuse it)."""
    last = db.session.scalar(sa.select(sa.func.max(Certificate.status_index)))
    return 0 if last is None else last + 1


def _issue(user: User, *, kind: str, issued_on: date, **fields) -> Certificate:
    serial = _next_serial(issued_on.year)
    certificate = Certificate(
        kind=kind,
        serial=serial,
        status_index=_next_status_index(),
        code=new_code(),
        user_id=user.id,
        holder_name=user.full_name,
        issued_on=issued_on,
        issued_at=clock.now(),
        **fields,
    )
    db.session.add(certificate)
    db.session.flush()
    audit.record(None, "certificate.issued", certificate, serial=certificate.serial, kind=kind)
    signals.certificate_issued.send(
        certificate,
        user_id=user.id,
        kind=kind,
        achievement=certificate.achievement,
        modules=certificate.modules,
    )
    notifications.notify(
        user,
        CERTIFICATE_ISSUED,
        f"certificate:{certificate.id}",
        title=certificate.achievement,
        serial=certificate.serial,
        url="/certificates",
    )
    return certificate


def _module_entry(progress: ModuleProgress) -> dict:
    version = progress.version
    return {
        "slug": progress.module.slug,
        "title": dict(version.manifest["title"]),
        "version": version.number,
        "progress_id": progress.id,
    }


def issue_module_certificate(progress: ModuleProgress, user: User) -> Certificate:
    """The certificate of one completion (idempotent: a completion has one certificate)."""
    existing = db.session.scalar(
        sa.select(Certificate).where(
            Certificate.kind == MODULE, Certificate.module_progress_id == progress.id
        )
    )
    if existing is not None:
        return existing
    version: ModuleVersion = progress.version
    held = db.session.scalar(
        sa.select(PositionAssignment)
        .where(PositionAssignment.user_id == user.id, holds_on(clock.today()))
        .order_by(PositionAssignment.starts_on, PositionAssignment.id)
        .limit(1)
    )
    return _issue(
        user,
        kind=MODULE,
        issued_on=clock.local_date(progress.completed_at),
        position_id=held.position_id if held else None,
        unit_id=held.unit_id if held else None,
        position_name=_names(held.position) if held else None,
        unit_name=_names(held.unit) if held else None,
        module_id=progress.module_id,
        module_progress_id=progress.id,
        achievement=dict(version.manifest["title"]),
        modules=[_module_entry(progress)],
        hours=round(version.estimated_minutes / 60, 2),
        expires_on=progress.expires_on,
    )


def check_position_certificates(user: User) -> list[Certificate]:
    """Issue a position certificate for each position ``user`` holds whose whole
    curriculum now has valid completions not yet certified together."""
    today = clock.today()
    state = assignment_state(today)
    rows = db.session.execute(
        sa.select(PositionAssignment, ModuleAssignment, state)
        .join(CurriculumItem, CurriculumItem.position_id == PositionAssignment.position_id)
        .outerjoin(
            ModuleAssignment,
            sa.and_(
                ModuleAssignment.user_id == PositionAssignment.user_id,
                ModuleAssignment.module_id == CurriculumItem.module_id,
                ModuleAssignment.retired_on.is_(None),
            ),
        )
        .where(PositionAssignment.user_id == user.id, holds_on(today))
        .order_by(PositionAssignment.id, CurriculumItem.id)
    ).all()
    by_position: dict[int, tuple[PositionAssignment, list]] = {}
    for held, assignment, assignment_state_now in rows:
        by_position.setdefault(held.id, (held, []))[1].append((assignment, assignment_state_now))
    issued = []
    for held, items in by_position.values():
        if all(state_now in (COMPLETED, RENEWAL_OPEN) for _a, state_now in items):
            certificate = _issue_position_certificate(user, held, [a for a, _s in items], today)
            if certificate is not None:
                issued.append(certificate)
    return issued


def check_position_certificates_of(user_ids: list[int]) -> list[Certificate]:
    """``check_position_certificates`` for many people: one query finds those who hold a
    position whose whole curriculum they have validly completed (the only ones it can issue
    to), and only they are checked, one by one."""
    if not user_ids:
        return []
    today = clock.today()
    state = assignment_state(today)
    lacking = (
        sa.select(CurriculumItem.id)
        .outerjoin(
            ModuleAssignment,
            sa.and_(
                ModuleAssignment.user_id == PositionAssignment.user_id,
                ModuleAssignment.module_id == CurriculumItem.module_id,
                ModuleAssignment.retired_on.is_(None),
            ),
        )
        .where(
            CurriculumItem.position_id == PositionAssignment.position_id,
            sa.or_(ModuleAssignment.id.is_(None), state.not_in([COMPLETED, RENEWAL_OPEN])),
        )
    )
    required = sa.select(CurriculumItem.id).where(
        CurriculumItem.position_id == PositionAssignment.position_id
    )
    complete = (
        sa.select(PositionAssignment.user_id)
        .where(
            PositionAssignment.user_id.in_(user_ids),
            holds_on(today),
            required.exists(),
            ~lacking.exists(),
        )
        .distinct()
    )
    candidates = list(db.session.scalars(complete))
    issued = []
    for user_id in sorted(_not_certified(candidates, today)):
        issued += check_position_certificates(db.session.get(User, user_id))
    return issued


def _not_certified(user_ids: list[int], today: date) -> set[int]:
    """Those of ``user_ids`` holding a position whose curriculum's latest completions no
    position certificate of theirs rests on yet (three queries): only they can be issued
    one. (A position not wholly completed may count them in; the check decides.)"""
    if not user_ids:
        return set()
    wanted: dict[tuple[int, int, int], set[int]] = {}
    for user_id, position_id, unit_id, module_id in db.session.execute(
        sa.select(
            PositionAssignment.user_id,
            PositionAssignment.position_id,
            PositionAssignment.unit_id,
            CurriculumItem.module_id,
        )
        .join(CurriculumItem, CurriculumItem.position_id == PositionAssignment.position_id)
        .where(PositionAssignment.user_id.in_(user_ids), holds_on(today))
    ):
        wanted.setdefault((user_id, position_id, unit_id), set()).add(module_id)
    latest: dict[tuple[int, int], int] = {}
    for user_id, module_id, progress_id in db.session.execute(
        sa.select(ModuleProgress.user_id, ModuleProgress.module_id, ModuleProgress.id)
        .where(ModuleProgress.user_id.in_(user_ids), ModuleProgress.completed_at.is_not(None))
        .order_by(ModuleProgress.completed_at.desc())
    ):
        latest.setdefault((user_id, module_id), progress_id)
    certified = set()
    for user_id, position_id, unit_id, modules in db.session.execute(
        sa.select(
            Certificate.user_id, Certificate.position_id, Certificate.unit_id, Certificate.modules
        ).where(Certificate.kind == POSITION, Certificate.user_id.in_(user_ids))
    ):
        resting_on = tuple(sorted(entry["progress_id"] for entry in modules))
        certified.add((user_id, position_id, unit_id, resting_on))
    found = set()
    for (user_id, position_id, unit_id), modules in wanted.items():
        completions = [latest.get((user_id, module_id)) for module_id in modules]
        if None in completions:
            continue  # not wholly completed
        if (user_id, position_id, unit_id, tuple(sorted(completions))) not in certified:
            found.add(user_id)
    return found


def _issue_position_certificate(
    user: User, held: PositionAssignment, assignments: list[ModuleAssignment], today: date
) -> Certificate | None:
    latest: dict[int, ModuleProgress] = {}
    for progress in db.session.scalars(
        sa.select(ModuleProgress)
        .where(
            ModuleProgress.user_id == user.id,
            ModuleProgress.module_id.in_([a.module_id for a in assignments]),
            ModuleProgress.completed_at.is_not(None),
        )
        .order_by(ModuleProgress.completed_at.desc())
    ):
        latest.setdefault(progress.module_id, progress)
    completions = [latest[assignment.module_id] for assignment in assignments]
    modules = [_module_entry(progress) for progress in completions]
    resting_on = sorted(entry["progress_id"] for entry in modules)
    earlier = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.kind == POSITION,
            Certificate.user_id == user.id,
            Certificate.position_id == held.position_id,
            Certificate.unit_id == held.unit_id,
        )
    )
    if any(sorted(e["progress_id"] for e in c.modules) == resting_on for c in earlier):
        return None  # these completions are certified already (or were, and revoked)
    expiries = [a.expires_on for a in assignments if a.expires_on is not None]
    position, unit = held.position, held.unit
    return _issue(
        user,
        kind=POSITION,
        issued_on=today,
        position_id=position.id,
        unit_id=unit.id,
        achievement=_names(position),
        position_name=_names(position),
        unit_name=_names(unit),
        modules=modules,
        hours=round(sum(p.version.estimated_minutes for p in completions) / 60, 2),
        expires_on=min(expiries) if expiries else None,
    )


def _names(named) -> dict[str, str]:
    return {"vi": named.name_vi, "en": named.name_en or named.name_vi}


def revoke(actor: User, certificate: Certificate, *, reason: str) -> None:
    """Revoke a certificate, for a stated reason. Admins only; ``Invalid`` without a
    reason or when it is revoked already."""
    ensure_role(actor, Role.ADMIN)
    reason = reason.strip()
    if not reason:
        raise Invalid(_l("Give the reason for revoking the certificate."))
    if certificate.revoked_at is not None:
        raise Invalid(_l("This certificate is already revoked."))
    certificate.revoked_at = clock.now()
    certificate.revoked_by_id = actor.id
    certificate.revoked_reason = reason[:500]
    db.session.flush()
    progress_ids = sorted(
        {entry["progress_id"] for entry in certificate.modules if entry.get("progress_id")}
        | ({certificate.module_progress_id} if certificate.module_progress_id else set())
    )
    module_ids = set(
        db.session.scalars(
            sa.select(ModuleProgress.module_id).where(ModuleProgress.id.in_(progress_ids))
        )
    )
    if certificate.module_id is not None:
        module_ids.add(certificate.module_id)
    signals.certificate_revoked.send(
        certificate,
        user_id=certificate.user_id,
        module_ids=sorted(module_ids),
        progress_ids=progress_ids,
        on=clock.local_date(certificate.revoked_at),
        actor=actor,
    )
    audit.record(
        actor, "certificate.revoked", certificate, serial=certificate.serial, reason=reason
    )


@signals.module_completed.connect
def _on_module_completed(progress: ModuleProgress, user: User) -> None:
    issue_module_certificate(progress, user)
    check_position_certificates(user)


@signals.module_assignments_changed.connect
def _on_assignments_changed(user: User) -> None:
    check_position_certificates(user)


@signals.many_module_assignments_changed.connect
def _on_many_assignments_changed(user_ids: list[int]) -> None:
    check_position_certificates_of(user_ids)
