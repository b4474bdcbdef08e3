"""Certificates: what was achieved, by whom, on what, and whether it still holds."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import Base, UpdatedAt

MODULE = "module"
POSITION = "position"

VALID = "valid"
EXPIRED = "expired"
REVOKED = "revoked"

# Entries per Bitstring Status List: the specification's minimum (16 KiB), so that a list
# hides which of its many certificates a verifier asks about.
STATUS_LIST_SIZE = 131_072


class Certificate(UpdatedAt, Base):
    """A module or position certificate.

    What it names (holder, achievement, position, unit, the module versions it rests on) is
    copied at issue, so a later rename or merge never changes a certificate already given.
    Never deleted: an expired or revoked certificate stays in the holder's history.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    serial: Mapped[str] = mapped_column(sa.String(16), unique=True)
    # The verification code: 100 random bits, base32, without separators.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id"))
    module_progress_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module_progress.id"))
    position_id: Mapped[int | None] = mapped_column(sa.ForeignKey("positions.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    # {"vi": ..., "en": ...}
    achievement: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    position_name: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    unit_name: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    # [{"slug", "title": {"vi", "en"}, "version": n, "progress_id": id}]
    modules: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    hours: Mapped[float]
    issued_on: Mapped[date]
    expires_on: Mapped[date | None]
    issued_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Its entry in the Bitstring Status List of the Open Badges credentials
    # (lms/certificates/credentials.py): list ``index // STATUS_LIST_SIZE + 1``, bit
    # ``index % STATUS_LIST_SIZE``; given once, in order of issue, never reused.
    status_index: Mapped[int] = mapped_column(unique=True)

    __table_args__ = (
        sa.CheckConstraint(f"kind IN ('{MODULE}', '{POSITION}')", name="known_kind"),
        sa.Index("ix_certificates_position_holder", "position_id", "user_id"),
    )

    @property
    def status_list(self) -> int:
        return self.status_index // STATUS_LIST_SIZE + 1

    @property
    def status_bit(self) -> int:
        return self.status_index % STATUS_LIST_SIZE

    def status_on(self, today: date) -> str:
        if self.revoked_at is not None:
            return REVOKED
        if self.expires_on is not None and self.expires_on <= today:
            return EXPIRED
        return VALID


class SerialCounter(Base):
    """The last serial number given in a year: certificates are numbered 2026-000001, ..."""

    __tablename__ = "certificate_serials"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class LetterheadSettings(Base):
    """How certificates and transcripts are laid out as official documents (Decree
    30/2020/NĐ-CP): the national heading and motto, the issuing agency under its governing
    body, the place of the date line, the signer and the seal or signature image. One row,
    edited by admins; each text in Vietnamese and English (empty English falls back to the
    Vietnamese). The image is kept in the database, which every app server shares."""

    __tablename__ = "certificate_letterhead"

    id: Mapped[int] = mapped_column(primary_key=True)
    heading_vi: Mapped[str] = mapped_column(sa.String(200))
    heading_en: Mapped[str] = mapped_column(sa.String(200))
    motto_vi: Mapped[str] = mapped_column(sa.String(200))
    motto_en: Mapped[str] = mapped_column(sa.String(200))
    governing_body_vi: Mapped[str] = mapped_column(sa.String(200))
    governing_body_en: Mapped[str] = mapped_column(sa.String(200))
    agency_vi: Mapped[str] = mapped_column(sa.String(200))
    agency_en: Mapped[str] = mapped_column(sa.String(200))
    place_vi: Mapped[str] = mapped_column(sa.String(100))
    place_en: Mapped[str] = mapped_column(sa.String(100))
    # e.g. "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC": one or two lines
    signer_title_vi: Mapped[str] = mapped_column(sa.String(200))
    signer_title_en: Mapped[str] = mapped_column(sa.String(200))
    signer_name: Mapped[str] = mapped_column(sa.String(200))
    seal_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
