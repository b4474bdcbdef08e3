"""User accounts and the roles they hold."""

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import Base, CreatedAt
from lms.core.permissions import Role


class User(UserMixin, CreatedAt, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(8), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on sign-out, password change and deactivation: every session and remember-me
    # cookie carries the value it was issued with, and a stale one no longer loads the user.
    session_version: Mapped[int] = mapped_column(default=1)
    # Name, username and e-mail lower-cased without diacritics, so search runs in SQL.
    search_text: Mapped[str] = mapped_column(sa.String(500))
    last_login_at: Mapped[datetime | None]

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(role.role) for role in self.roles)

    def has_any_role(self, roles) -> bool:
        return not self.role_set.isdisjoint(roles)


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")

    __table_args__ = (
        sa.CheckConstraint(sa.column("role").in_([role.value for role in Role]), name="known_role"),
        sa.Index("ix_user_roles_role", "role"),
    )
