"""API clients and bearer tokens: created, checked, used, revoked.

A client acts through an account of its own (``ApiClient.actor``) holding the role a person
with the same reach would hold: administrator for the whole tree, or manager of the client's
units. Every query and service then scopes and checks a client exactly as it does a person
(one rule: ``lms.org.queries.in_scope`` and the services' own checks). That account has no
usable password, so nobody signs in with it.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts import activation
from lms.accounts.models import User
from lms.api.models import ApiClient, ApiRequest, ApiToken, secret_hash
from lms.core import audit, clock
from lms.core.errors import Invalid
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.org import services as org_services
from lms.org.models import OrgUnit, PositionAssignment

# What each scope lets a caller read or write.
SCOPES = {
    "people:read": _l("Read people and their positions"),
    "people:write": _l("Create, update and deactivate people; sync the roster"),
    "org:read": _l("Read units, positions and position assignments"),
    "org:write": _l("Change units and positions"),
    "learning:read": _l("Read the module catalogue, module assignments and completions"),
    "reports:read": _l("Read dashboard figures and qualification checks"),
    "certificates:read": _l("Read certificates"),
}
# A person's own token reads only their own records, so only these make sense for it.
PERSONAL_SCOPES = ("people:read", "learning:read", "certificates:read")


@dataclass(frozen=True)
class Principal:
    """Who a request's bearer token speaks for: the account whose scope every query applies,
    the scopes granted, and whether it reads its holder's own records only (a personal
    token)."""

    token: ApiToken
    actor: User
    scopes: frozenset[str]
    own_only: bool

    @property
    def key(self) -> str:
        """One caller: a client (all its tokens) or a person's own tokens."""
        if self.token.client_id is not None:
            return f"client:{self.token.client_id}"
        return f"user:{self.token.user_id}"


def _check_scopes(scopes, allowed) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [scope for scope in chosen if scope not in allowed]
    if unknown:
        raise Invalid(_l("Unknown scope: %(scopes)s.", scopes=", ".join(unknown)))
    if not chosen:
        raise Invalid(_l("Choose at least one scope."))
    return chosen


def create_client(
    actor: User | None, *, name: str, scopes, units: list[OrgUnit]
) -> tuple[ApiClient, str]:
    """A new client reaching ``units`` and their subtrees (none: the whole tree) with
    ``scopes``; returns it and its secret, shown once. ``actor`` is an admin, or None for
    the CLI. Raises ``PermissionDenied`` and ``Invalid`` (unknown scope, no name)."""
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    name = name.strip()
    if not name:
        raise Invalid(_l("Give the client a name."))
    chosen = _check_scopes(scopes, SCOPES)
    client_id = secrets.token_hex(8)
    account = activation.create_invited_user(
        actor,
        username=f"api-client.{client_id}",
        full_name=f"API: {name}"[:200],
        roles={Role.MANAGER} if units else {Role.ADMIN},
    )
    if units:
        org_services.set_managed_units(actor, account, units)
    secret = secrets.token_urlsafe(32)
    client = ApiClient(
        client_id=client_id,
        secret_hash=secret_hash(secret),
        name=name[:200],
        scopes=" ".join(chosen),
        actor=account,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(client)
    db.session.flush()
    audit.record(actor, "api.client_created", client, scopes=chosen, units=[u.code for u in units])
    return client, secret


def revoke_client(actor: User | None, client: ApiClient) -> None:
    """Revoke ``client`` and every token it holds; its requests stop at once."""
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    if client.revoked_at is not None:
        return
    now = clock.now()
    client.revoked_at = now
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.client_id == client.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    audit.record(actor, "api.client_revoked", client)


def clients() -> list[ApiClient]:
    return list(db.session.scalars(sa.select(ApiClient).order_by(ApiClient.created_at.desc())))


def client_by_id(client_id: int) -> ApiClient | None:
    return db.session.get(ApiClient, client_id)


def client_by_client_id(client_id: str) -> ApiClient | None:
    """The client the token endpoint names, unless revoked (Authlib's ``query_client``)."""
    return db.session.scalar(
        sa.select(ApiClient).where(ApiClient.client_id == client_id, ApiClient.revoked_at.is_(None))
    )


def save_client_token(token: dict, client: ApiClient) -> ApiToken:
    """Keep the hash of a token the token endpoint has just issued to ``client``."""
    row = ApiToken(
        token_hash=secret_hash(token["access_token"]),
        client_id=client.id,
        scopes=token.get("scope", ""),
        expires_at=clock.now() + timedelta(seconds=int(token["expires_in"])),
    )
    db.session.add(row)
    db.session.flush()
    return row


def create_personal_token(user: User, *, name: str, scopes, days: int) -> tuple[ApiToken, str]:
    """A token of ``user``'s own for ``days`` (at most ``LMS_API_PERSONAL_TOKEN_DAYS``) that
    reads their own records only; returns it and its value, shown once. Raises ``Invalid``."""
    chosen = _check_scopes(scopes, PERSONAL_SCOPES)
    longest = current_app.config["LMS_API_PERSONAL_TOKEN_DAYS"]
    if not 1 <= days <= longest:
        raise Invalid(_l("A token lives from 1 to %(days)s days.", days=longest))
    value = secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=secret_hash(value),
        user_id=user.id,
        name=name.strip()[:100],
        scopes=" ".join(chosen),
        expires_at=clock.now() + timedelta(days=days),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(user, "api.token_created", row, scopes=chosen)
    return row, value


def personal_tokens(user: User) -> list[ApiToken]:
    query = (
        sa.select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    )
    return list(db.session.scalars(query))


def own_token(user: User, token_id: int) -> ApiToken | None:
    return db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )


def revoke_token(actor: User, token: ApiToken) -> None:
    """Revoke a token: it is refused from the next request on."""
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        audit.record(actor, "api.token_revoked", token)


def principal_for(value: str) -> Principal | None:
    """Who the bearer token ``value`` speaks for, or None when it is unknown, expired or
    revoked, its client is revoked, or its account is no longer active: one query."""
    token = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == secret_hash(value),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > clock.now(),
        )
    )
    if token is None:
        return None
    if token.client is not None:
        if token.client.revoked_at is not None:
            return None
        actor, own_only = token.client.actor, False
    else:
        actor, own_only = token.user, True
    if actor is None or not actor.active:
        return None
    return Principal(token, actor, frozenset(token.scopes.split()), own_only)


def record_use(token: ApiToken, *, method: str, path: str, status: int) -> None:
    """Log one use of ``token``; a refused path keeps its NUL characters as U+FFFD, which
    PostgreSQL can store."""
    now = clock.now()
    token.last_used_at = now
    logged = path.replace("\x00", "\ufffd")[:500]
    db.session.add(ApiRequest(token_id=token.id, method=method, path=logged, status=status, at=now))


@dataclass
class Upserted:
    user: User
    created: bool
    changed: list[str]


def upsert_person(
    actor: User,
    external_id: str,
    *,
    username: str,
    full_name: str,
    email: str | None,
    unit: OrgUnit,
    positions: list,
    starts_on,
) -> Upserted:
    """Create or bring up to date the person the HR system knows as ``external_id``, by the
    accounts' and org's own services (so the same rules, signals and audit apply): the account
    (found by its external id, else by its username, which is then linked), its name and
    e-mail, and each of ``positions`` in ``unit`` from ``starts_on`` not yet held there.
    Nothing is removed. Raises ``PermissionDenied`` (people are an administrator's to create
    and change) and ``Invalid`` (a username or e-mail another person holds)."""
    ensure_role(actor, Role.ADMIN)
    user = db.session.scalar(sa.select(User).where(User.external_id == external_id))
    if user is None:
        user = db.session.scalar(sa.select(User).where(User.username == username.lower()))
        if user is not None and user.external_id is not None:
            raise Invalid(
                _l(
                    "The username %(name)s belongs to another person of the HR system.",
                    name=username,
                )
            )
    created = user is None
    if user is None:
        user = activation.create_invited_user(
            actor, username=username, full_name=full_name, email=email
        )
        changed = ["created"]
    else:
        changed = activation.sync_account(actor, user, full_name=full_name, email=email)
    if user.external_id != external_id:
        user.external_id = external_id
        changed.append("external_id")
    held = set(
        db.session.scalars(
            sa.select(PositionAssignment.position_id).where(
                PositionAssignment.user_id == user.id,
                PositionAssignment.unit_id == unit.id,
                sa.or_(
                    PositionAssignment.ends_on.is_(None), PositionAssignment.ends_on > starts_on
                ),
            )
        )
    )
    for position in positions:
        if position.id not in held:
            org_services.assign_position(actor, user, position, unit, starts_on=starts_on)
            changed.append(f"position:{position.code}")
    db.session.flush()
    return Upserted(user, created, changed)
