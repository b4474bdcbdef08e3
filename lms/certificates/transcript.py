"""A learner's training transcript, and what a certificate's PDF prints."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _

from lms.accounts.models import User
from lms.certificates import letterhead
from lms.certificates.models import MODULE, REVOKED, Certificate
from lms.certificates.pdf import CertificateSheet, TranscriptRow, TranscriptSheet
from lms.core.clock import local_date
from lms.core.tables import Column
from lms.extensions import db
from lms.learning.models import ModuleProgress
from lms.org.queries import current_assignments


@dataclass(frozen=True)
class Completion:
    module: str
    version: int
    completed_on: date
    hours: float
    expires_on: date | None
    certificate: Certificate | None
    valid: bool


def _in_locale(texts: dict | None) -> str:
    if not texts:
        return ""
    return texts.get(str(get_locale())) or next(iter(texts.values()))


def rows_of(user: User, today: date) -> list[Completion]:
    """Every completion, newest first, with the certificate issued for it; one query."""
    query = (
        sa.select(ModuleProgress, Certificate)
        .outerjoin(
            Certificate,
            sa.and_(
                Certificate.module_progress_id == ModuleProgress.id, Certificate.kind == MODULE
            ),
        )
        .where(ModuleProgress.user_id == user.id, ModuleProgress.completed_at.is_not(None))
        .order_by(ModuleProgress.completed_at.desc(), ModuleProgress.id.desc())
    )
    return [
        Completion(
            module=progress.version.title(str(get_locale())),
            version=progress.version.number,
            completed_on=local_date(progress.completed_at),
            hours=round(progress.version.estimated_minutes / 60, 2),
            expires_on=progress.expires_on,
            certificate=certificate,
            valid=progress.expires_on is None or progress.expires_on > today,
        )
        for progress, certificate in db.session.execute(query).all()
    ]


def _status(row: Completion) -> str:
    if row.certificate is not None and row.certificate.revoked_at is not None:
        return _("Certificate revoked")
    return _("Valid") if row.valid else _("Expired")


def table_columns() -> list[Column]:
    return [
        Column(_("Module"), 40),
        Column(_("Version"), 8),
        Column(_("Completed on"), 12, is_date=True),
        Column(_("Hours"), 8),
        Column(_("Valid until"), 12, is_date=True),
        Column(_("Certificate"), 16),
        Column(_("Status"), 14),
    ]


def table_rows(user: User, today: date) -> list[tuple]:
    """The transcript as rows of ``table_columns``, translated (so read in the request)."""
    return [
        (
            row.module,
            row.version,
            row.completed_on,
            row.hours,
            row.expires_on,
            row.certificate.serial if row.certificate else "",
            _status(row),
        )
        for row in rows_of(user, today)
    ]


def transcript_sheet(user: User, today: date) -> TranscriptSheet:
    locale = str(get_locale())
    return TranscriptSheet(
        holder_name=user.full_name,
        username=user.username,
        positions=[
            f"{held.position.name(locale)} — {held.unit.name(locale)}"
            for held in current_assignments(user, on=today)
        ],
        rows=[
            TranscriptRow(
                module=row.module,
                version=row.version,
                completed_on=row.completed_on,
                hours=row.hours,
                expires_on=row.expires_on,
                certificate_serial=row.certificate.serial if row.certificate else None,
                status=_status(row),
            )
            for row in rows_of(user, today)
        ],
        generated_on=today,
        issuer=current_app.config["LMS_CERTIFICATE_ISSUER"],
        letterhead=letterhead.for_locale(locale),
    )


def sheet_of(certificate: Certificate, verify_url: str, today: date) -> CertificateSheet:
    return CertificateSheet(
        kind=certificate.kind,
        holder_name=certificate.holder_name,
        achievement=_in_locale(certificate.achievement),
        position=_in_locale(certificate.position_name) or None,
        unit=_in_locale(certificate.unit_name) or None,
        modules=[(_in_locale(entry["title"]), entry["version"]) for entry in certificate.modules],
        hours=certificate.hours,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        serial=certificate.serial,
        verify_url=verify_url,
        issuer=current_app.config["LMS_CERTIFICATE_ISSUER"],
        revoked=certificate.status_on(today) == REVOKED,
        code=certificate.code,
        letterhead=letterhead.for_locale(),
    )
