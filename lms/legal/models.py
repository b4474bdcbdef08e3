"""The register as loaded by ``lms courses sync``, reviews of module versions, and the
modules flagged for citing an instrument that is not in force."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import Base
from lms.legal.register import InForce


class Instrument(InForce, Base):
    """A legal instrument, copied from its register file (the files are the source)."""

    __tablename__ = "legal_instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(64), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    issuer: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    short: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    issued: Mapped[date]
    in_force_from: Mapped[date]
    in_force_until: Mapped[date | None]
    replaced_by: Mapped[list[str]] = mapped_column(sa.JSON)
    amends: Mapped[list[str]] = mapped_column(sa.JSON)
    amended_by: Mapped[list[str]] = mapped_column(sa.JSON)
    source: Mapped[str] = mapped_column(sa.String(500))
    confirmed: Mapped[str] = mapped_column(sa.Text)
    # When a sync last changed what the register says of it: a review recorded before then
    # was made against other facts.
    changed_at: Mapped[datetime]

    def short_in(self, language: str) -> str:
        return self.short.get(language) or self.short["vi"]

    def title_in(self, language: str) -> str:
        return self.title.get(language) or self.title["vi"]

    @property
    def unconfirmed(self) -> bool:
        return self.confirmed.startswith("UNCONFIRMED")


class ModuleReview(Base):
    """A subject-matter trainer's review of one module version against the register."""

    __tablename__ = "module_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("module_versions.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The unit that answers for the review, as learners read it ("Sở Tư pháp tỉnh …").
    unit: Mapped[str] = mapped_column(sa.String(200))
    reviewed_at: Mapped[datetime]
    # The day the register the reviewer checked against was last changed by a sync.
    register_date: Mapped[date | None]


class LawFlag(Base):
    """A module whose latest version cites ``number`` while it is not in force (or not in
    the register), since ``flagged_at``; the daily job adds and removes flags."""

    __tablename__ = "law_flags"

    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    flagged_at: Mapped[datetime]
    # Where the latest version cites it: "lessons/vi/04-x.md:9", "banks/x.vi.gift:12".
    locations: Mapped[list[str]] = mapped_column(sa.JSON)
