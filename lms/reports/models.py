"""Targets: "X % of the people holding position P (or any position) in unit U complete
module M (or hold the position certificate of P) by date D"."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import Base
from lms.org.models import OrgUnit, Position


class Target(Base):
    """A completion target of a unit's subtree. Without a module it is about the position
    certificate of ``position``, so a position is then required."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    position_id: Mapped[int | None] = mapped_column(sa.ForeignKey("positions.id"))
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id"))
    percent: Mapped[int]
    due_on: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]

    unit: Mapped[OrgUnit] = relationship(lazy="raise")
    position: Mapped[Position | None] = relationship(lazy="raise")

    __table_args__ = (
        sa.CheckConstraint("percent BETWEEN 1 AND 100", name="percent_range"),
        sa.CheckConstraint(
            "module_id IS NOT NULL OR position_id IS NOT NULL", name="certificate_has_position"
        ),
    )
