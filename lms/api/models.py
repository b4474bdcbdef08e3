"""API clients, their bearer tokens, the idempotency keys of their writes and the log of
every token use."""

import hashlib
import hmac
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.core.db import Base, CreatedAt, utcnow


def secret_hash(secret: str) -> str:
    """What the tables keep of a client secret or a token: SHA-256, so the tables alone open
    nothing (the secrets are long and random, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiClient(CreatedAt, Base):
    """A system (a province's HR system, its reporting) that calls the API with OAuth 2 client
    credentials. It acts through an account of its own, ``actor``: an administrator's for the
    whole tree, or a manager's attached to the client's units, so every query scopes a
    client exactly as it scopes a person with that role (``lms.org.queries.in_scope``)."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(48), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    # Space-separated, as OAuth 2 writes scopes.
    scopes: Mapped[str] = mapped_column(sa.String(500))
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None]

    actor: Mapped[User] = relationship(foreign_keys=[actor_id], lazy="joined")

    # Authlib's ClientMixin: what the token endpoint asks of a client.
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(self.scopes.split())
        if not scope:
            return " ".join(sorted(allowed))
        return " ".join(sorted(set(scope.split()) & allowed))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(secret_hash(client_secret), self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials" and self.revoked_at is None


class ApiToken(CreatedAt, Base):
    """A bearer token: a client's (short-lived, from the token endpoint) or a person's own
    (``user_id``, made on their account page, limited to their own records)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    client_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_clients.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    scopes: Mapped[str] = mapped_column(sa.String(500))
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    client: Mapped[ApiClient | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("(client_id IS NULL) <> (user_id IS NULL)", name="client_or_person"),
    )


class ApiRequest(Base):
    """One use of a token: who called what and how it ended. A row per request rather than
    an audit entry, which is for changes a person makes: a nightly sync reads thousands of
    pages, and the audit log would drown in them."""

    __tablename__ = "api_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(
        sa.ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(sa.String(8))
    path: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[int] = mapped_column(sa.SmallInteger)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(CreatedAt, Base):
    """A write sent with an ``Idempotency-Key``: the same key again replays the stored
    response; the same key with another body is refused."""

    __tablename__ = "api_idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose key: "client:<id>" or "user:<id>", so two callers' keys never meet.
    owner: Mapped[str] = mapped_column(sa.String(32))
    key: Mapped[str] = mapped_column(sa.String(255))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int] = mapped_column(sa.SmallInteger)
    body: Mapped[Any] = mapped_column(sa.JSON)
    location: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (sa.UniqueConstraint("owner", "key"),)
