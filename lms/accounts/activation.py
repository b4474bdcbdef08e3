"""Accounts made for someone else (an HR roster import): created without a usable password,
kept in step with the roster, and activated by their owner through a signed link.

An activation link is an itsdangerous ``URLSafeTimedSerializer`` token over the user id and a
fingerprint of the user's current password hash, signed with the app's ``SECRET_KEY`` and
this module's salt. It expires after ``LMS_ACTIVATION_DAYS`` (default 7) and works once:
setting the password changes the hash, so every earlier link stops matching.

Every function takes the acting user explicitly (``None`` for the CLI) and flushes; the
caller commits.
"""

import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.accounts.models import User, UserRole
from lms.accounts.services import (
    _check_unique,
    _replace_password,
    _search_text,
    normalise_username,
    search_text,
)
from lms.core import audit, signals
from lms.core.db import insert_rows
from lms.core.errors import Invalid
from lms.core.permissions import Role, ensure_role
from lms.extensions import db

SALT = "lms.accounts.activation"
DEFAULT_DAYS = 7
# Argon2 hashes start with "$argon2"; "!" can never be produced by hashing, so a hash with
# this prefix never verifies (``verify_password`` reports it as a mismatch, not an error).
UNUSABLE_PREFIX = "!"


class ActivationError(Invalid):
    """The link is expired, already used, altered or names an account that cannot sign in."""


def unusable_password_hash() -> str:
    return UNUSABLE_PREFIX + secrets.token_urlsafe(24)


def has_usable_password(user: User) -> bool:
    return not user.password_hash.startswith(UNUSABLE_PREFIX)


def lifetime_seconds() -> int:
    return int(float(current_app.config.get("LMS_ACTIVATION_DAYS", DEFAULT_DAYS)) * 86400)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(password_hash: str) -> str:
    # The token is signed, not encrypted: it carries a digest of the hash, never the hash.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def make_token(user: User) -> str:
    """A signed activation token for ``user``, valid until they set a password or it expires."""
    return _serializer().dumps({"u": user.id, "h": _fingerprint(user.password_hash)})


def user_for_token(token: str) -> User:
    """The account an activation token opens. Raises ``ActivationError`` with a message for the
    visitor when the token is expired, already used, altered, or the account is deactivated."""
    try:
        data = _serializer().loads(token, max_age=lifetime_seconds())
    except SignatureExpired as error:
        raise ActivationError(
            _l("This activation link has expired. Ask your administrator for a new one.")
        ) from error
    except BadSignature as error:
        raise ActivationError(
            _l("This activation link is not valid. Check that you copied all of it.")
        ) from error
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise ActivationError(
            _l("This activation link is not valid. Check that you copied all of it.")
        )
    if data.get("h") != _fingerprint(user.password_hash):
        raise ActivationError(
            _l(
                "This activation link has already been used. Sign in with your password, "
                "or ask your administrator for a new link."
            )
        )
    return user


def activate(user: User, password: str) -> None:
    """The owner of an activation link sets their password (the site's password policy
    applies: ``Invalid`` lists the broken rules). Earlier links and sessions stop working."""
    _replace_password(user, password)
    audit.record(user, "user.password_set_by_link", user)


def create_invited_user(
    actor: User | None,
    *,
    username: str,
    full_name: str,
    email: str | None = None,
    locale: str = "vi",
    roles=(Role.LEARNER,),
    audit_details: dict | None = None,
    checked_unique: bool = False,
) -> User:
    """Create an active user who has no usable password yet; they choose one through an
    activation link (``make_token``). ``actor`` is an admin, or None for the CLI.

    Raises ``PermissionDenied`` for a non-admin actor and ``Invalid`` for a taken username or
    e-mail. A caller that has looked up many usernames at once passes ``checked_unique``
    to skip the per-user look-up; the unique constraints still refuse a clash
    (``IntegrityError``).
    """
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    username = normalise_username(username)
    email = email.strip().lower() if email else None
    if not checked_unique:
        _check_unique(username, email)
    user = _invited(username, full_name, email, locale, roles)
    db.session.add(user)
    db.session.flush()
    signals.user_created.send(user, actor=actor)
    audit.record(
        actor,
        "user.created",
        user,
        username=username,
        roles=sorted(user.role_set),
        **(audit_details or {}),
    )
    return user


def create_invited_users(
    actor: User | None, people: list[dict], *, audit_details: dict | None = None
) -> list[int]:
    """``create_invited_user`` for many people at once (a chunk of a roster import): each
    of ``people`` a dict of ``username``, ``full_name``, ``email`` and ``roles`` (optional:
    learner). The accounts, their roles and their audit entries are each inserted in one
    statement, without ORM objects, and ``users_created`` is sent once with their ids. The
    caller has looked the usernames and e-mail addresses up in batches; the unique
    constraints refuse a clash (``IntegrityError``). Returns the new ids in order."""
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    if not people:
        return []
    accounts, roles = [], {}
    for person in people:
        username = normalise_username(person["username"])
        full_name = person["full_name"].strip()
        email = person["email"].strip().lower() if person.get("email") else None
        accounts.append(
            {
                "username": username,
                "full_name": full_name,
                "email": email,
                "locale": "vi",
                "password_hash": unusable_password_hash(),
                "search_text": search_text(full_name, username, email),
            }
        )
        roles[username] = sorted(
            {Role(role).value for role in person.get("roles") or (Role.LEARNER,)}
        )
    ids = dict(
        (username, user_id)
        for user_id, username in insert_rows(
            db.session, User, accounts, returning=(User.id, User.username)
        )
    )
    insert_rows(
        db.session,
        UserRole,
        [
            {"user_id": ids[username], "role": role}
            for username, granted in roles.items()
            for role in granted
        ],
    )
    created = [ids[account["username"]] for account in accounts]
    signals.users_created.send(created, actor=actor)
    audit.record_many(
        actor,
        "user.created",
        User.__tablename__,
        [
            (ids[username], {"username": username, "roles": granted, **(audit_details or {})})
            for username, granted in roles.items()
        ],
    )
    return created


def _invited(username: str, full_name: str, email: str | None, locale: str, roles) -> User:
    user = _new_user(username, full_name, email, locale)
    user.roles = [UserRole(role=Role(role).value) for role in set(roles)]
    return user


def _new_user(username: str, full_name: str, email: str | None, locale: str) -> User:
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email,
        locale=locale,
        password_hash=unusable_password_hash(),
    )
    user.search_text = _search_text(user)
    return user


def sync_account(
    actor: User | None,
    user: User,
    *,
    full_name: str,
    email: str | None,
    add_roles=(),
    audit_details: dict | None = None,
) -> list[str]:
    """Bring ``user``'s name and e-mail in line with a roster and grant ``add_roles``.

    A missing e-mail keeps the current one and roles are only ever added, never removed (a
    roster says who someone is, not what they may no longer do on this site). Returns the
    names of what changed: ``full_name``, ``email``, ``roles``. ``actor`` is an admin, or
    None for the CLI. Raises ``Invalid`` for an e-mail another account uses.
    """
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    changed = []
    full_name = full_name.strip()
    email = email.strip().lower() if email else None
    if full_name and full_name != user.full_name:
        user.full_name = full_name
        changed.append("full_name")
    if email and email != user.email:
        _check_unique(user.username, email, exclude_id=user.id)
        user.email = email
        changed.append("email")
    missing = {Role(role) for role in add_roles} - user.role_set
    if missing:
        user.roles = [*user.roles, *(UserRole(role=role.value) for role in missing)]
        changed.append("roles")
    if changed:
        user.search_text = _search_text(user)
        db.session.flush()
        audit.record(
            actor,
            "user.updated",
            user,
            changed=changed,
            roles=sorted(user.role_set),
            **(audit_details or {}),
        )
    return changed


def pending_users(user_ids) -> list[User]:
    """Those of ``user_ids`` who are active and have not set a password yet, by name."""
    ids = list(user_ids)
    found: list[User] = []
    for start in range(0, len(ids), 500):
        found.extend(
            db.session.scalars(
                sa.select(User).where(
                    User.id.in_(ids[start : start + 500]),
                    User.active.is_(True),
                    User.password_hash.startswith(UNUSABLE_PREFIX, autoescape=True),
                )
            )
        )
    return sorted(found, key=lambda user: (user.full_name, user.id))


def issue_link(actor: User, user: User) -> str:
    """A fresh activation link for one person who has not set a password yet (the first
    was lost or has expired). Admins only; ``Invalid`` once the person has a password or
    is deactivated. Recorded in the audit log."""
    ensure_role(actor, Role.ADMIN)
    if not user.active:
        raise Invalid(_l("This account is deactivated; reactivate it first."))
    if has_usable_password(user):
        raise Invalid(_l("%(name)s has already set a password.", name=user.full_name))
    audit.record(actor, "user.activation_link", user)
    return url_for("accounts.activate", token=make_token(user), _external=True)


def activation_links(user_ids) -> list[tuple[str, str, str]]:
    """(username, full name, link) for those of ``user_ids`` who still have no password.
    Needs a request context (for the site's address); every call signs fresh links."""
    return [
        (
            user.username,
            user.full_name,
            url_for("accounts.activate", token=make_token(user), _external=True),
        )
        for user in pending_users(user_ids)
    ]
