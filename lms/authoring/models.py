"""Drafts of modules authored in the browser."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import Base


class ModuleDraft(Base):
    """The unpublished changes of one module, kept as the plugin folder they would make:
    ``data`` is ``{"manifest": the manifest.toml table, "files": {path: text} (lessons,
    banks, README), "media": {path: sha256 of a MediaBlob}}``. Publishing turns it into a
    new immutable version and deletes it."""

    __tablename__ = "module_drafts"

    module_id: Mapped[int] = mapped_column(
        sa.ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # The version the draft started from; None for a module never published.
    base_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("module_versions.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
