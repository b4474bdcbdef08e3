"""User accounts, the roles they hold and their sign-ins."""

import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import Base, CreatedAt, UpdatedAt, utcnow
from lms.core.permissions import Role


class User(UserMixin, CreatedAt, UpdatedAt, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    # The person's id in the province's HR system, by which its sync finds them again.
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(8), default="vi")
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change and deactivation: every session and remember-me cookie
    # carries the value it was issued with, and a stale one no longer loads the user.
    # (Signing out ends only that browser's sign-in: see SignIn.)
    session_version: Mapped[int] = mapped_column(default=1)
    # Name, username and e-mail lower-cased without diacritics, so search runs in SQL.
    search_text: Mapped[str] = mapped_column(sa.String(500))
    last_login_at: Mapped[datetime | None]

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # The token of the sign-in this object was signed in or loaded through, not a column:
    # set by services.start_sign_in and by the user loader, read by get_id.
    sign_in_token = None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session and remember-me cookies hold: the user, the session version and
        the sign-in, all three checked by queries.session_user on every request."""
        if self.sign_in_token is None:
            raise RuntimeError("login_user needs a sign-in: call services.start_sign_in first")
        return f"{self.id}:{self.session_version}:{self.sign_in_token}"

    def __eq__(self, other):
        # The same person, whichever sign-in each object came through (UserMixin compares
        # get_id, which holds the sign-in).
        if isinstance(other, User):
            return (self.id, self.session_version) == (other.id, other.session_version)
        return NotImplemented

    __hash__ = object.__hash__

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(role.role) for role in self.roles)

    def has_any_role(self, roles) -> bool:
        return not self.role_set.isdisjoint(roles)


def token_hash(token: str) -> str:
    """What the sign_ins table keeps of a sign-in's token."""
    return hashlib.sha256(token.encode()).hexdigest()


class SignIn(Base):
    """One sign-in of a user in one browser. The session and remember-me cookies name it,
    and the user loader accepts them only while it has not ended, on every app server: a
    sign-out ends it for a copy of the cookie too, without signing out the person's other
    browsers. A password change or deactivation ends them all."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the random token the cookies carry, so the table alone opens no session.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # The last request made through it, to within LAST_USE_PRECISION (the user loader
    # writes it at most that often, so ordinary pages do not write).
    last_used_at: Mapped[datetime | None]
    # What a person needs to recognise their own sign-ins in a list of them.
    address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))


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


class OidcLink(CreatedAt, Base):
    """An account's identity at an OpenID Connect provider: the provider's name (a key of
    LMS_OIDC_PROVIDERS) and its ``sub`` for the person, which never changes nor is reused.
    Recorded at the first sign-in through that provider; later sign-ins find the account by it
    alone, whatever the provider's other claims say by then (lms/accounts/oidc.py)."""

    __tablename__ = "oidc_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(32))
    subject: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("provider", "subject", name="uq_oidc_links_provider_subject"),
        # One identity per person at each provider.
        sa.UniqueConstraint("provider", "user_id", name="uq_oidc_links_provider_user_id"),
    )
