"""Modules and their immutable versions, with activities, competencies and media, and the
trainers who author the modules made in the browser."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import Base, CreatedAt, UpdatedAt


class Module(CreatedAt, UpdatedAt, Base):
    """A unit of learning, identified by its plugin id (``slug``) across versions."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Where it comes from: "folder:<path>", "package:<distribution>" or "web".
    source: Mapped[str] = mapped_column(sa.String(500))
    # Retired modules are hidden from new learners; their history stays.
    retired_at: Mapped[datetime | None]

    versions: Mapped[list["ModuleVersion"]] = relationship(
        back_populates="module", order_by="ModuleVersion.number", lazy="raise"
    )


class ModuleAuthor(Base):
    """A trainer who manages a module authored in the browser: its owner, or a co-author
    the owner added (``lms.catalogue.authors`` holds what managing allows)."""

    __tablename__ = "module_authors"

    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    is_owner: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime]


class ModuleVersion(Base):
    """One published state of a module. Never edited: a change makes a new version."""

    __tablename__ = "module_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    manifest: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    estimated_minutes: Mapped[int]
    # Titles and summaries in every language, folded, for diacritic-insensitive search.
    search_text: Mapped[str] = mapped_column(sa.Text)
    # Space-separated and space-padded (" vi en "), so a language filter is a LIKE.
    language_codes: Mapped[str] = mapped_column(sa.String(32))
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    module: Mapped[Module] = relationship(back_populates="versions", lazy="joined")

    __table_args__ = (sa.UniqueConstraint("module_id", "number"),)

    def title(self, locale: str) -> str:
        return localized(self.manifest["title"], locale)

    def summary(self, locale: str) -> str:
        return localized(self.manifest["summary"], locale)

    @property
    def languages(self) -> list[str]:
        return self.manifest["languages"]


def localized(texts: dict[str, str], locale: str) -> str:
    """The text of ``texts`` (by language code) in ``locale``, else the first there is."""
    return texts.get(locale) or next(iter(texts.values()), "")


class Activity(Base):
    """An activity of one module version; ``content`` is whatever its type parsed."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("module_versions.id"))
    position: Mapped[int]
    key: Mapped[str] = mapped_column(sa.String(64))
    type_id: Mapped[str] = mapped_column(sa.String(64))
    titles: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    required: Mapped[bool] = mapped_column(default=True)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # Identifies the activity's content across versions: unchanged lessons keep progress.
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.UniqueConstraint("version_id", "key"),
        sa.UniqueConstraint("version_id", "position"),
    )

    def title(self, locale: str) -> str:
        return localized(self.titles, locale)


class ModuleCompetency(Base):
    __tablename__ = "module_competencies"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("module_versions.id"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    level: Mapped[int]

    __table_args__ = (sa.Index("ix_module_competencies_code", "code"),)


class MediaBlob(Base):
    """Media content, stored once however many versions use it."""

    __tablename__ = "media_blobs"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)


class VersionMedia(Base):
    __tablename__ = "version_media"

    version_id: Mapped[int] = mapped_column(sa.ForeignKey("module_versions.id"), primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.ForeignKey("media_blobs.sha256"), index=True)
