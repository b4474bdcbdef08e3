"""Account rules: creating users, roles, passwords, sign-in and ending sessions.

Every function takes the acting user explicitly and flushes; the caller commits.
"""

import logging
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import SignIn, User, UserRole, token_hash
from lms.accounts.passwords import (
    hash_password,
    needs_rehash,
    policy_problems,
    verify_password,
    verify_unknown_user,
)
from lms.core import audit, clock, signals
from lms.core.errors import Invalid
from lms.core.i18n import fold
from lms.core.permissions import Role, ensure_role
from lms.extensions import db

log = logging.getLogger(__name__)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def search_text(full_name: str, username: str, email: str | None) -> str:
    """What the people search matches: name, username and e-mail, folded."""
    return fold(" ".join(filter(None, [full_name, username, email])))


def _search_text(user: User) -> str:
    return search_text(user.full_name, user.username, user.email)


def check_password(password: str, *, username: str) -> None:
    """Raise ``Invalid`` listing every policy rule ``password`` breaks."""
    problems = policy_problems(password, username=username)
    if problems:
        raise Invalid(" ".join(str(problem) for problem in problems))


def _check_unique(username: str, email: str | None, *, exclude_id: int | None = None) -> None:
    clash = (
        sa.or_(User.username == username, User.email == email)
        if email
        else (User.username == username)
    )
    query = sa.select(User.username, User.email).where(clash)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    for taken_username, taken_email in db.session.execute(query):
        if taken_username == username:
            raise Invalid(_l("The username %(name)s is already taken.", name=username))
        if email and taken_email == email:
            raise Invalid(_l("The e-mail address %(email)s is already in use.", email=email))


def create_user(
    actor: User | None,
    *,
    username: str,
    full_name: str,
    password: str,
    email: str | None = None,
    locale: str = "vi",
    roles=(Role.LEARNER,),
) -> User:
    """Create an active user. ``actor`` is an admin, or None for the CLI and seeding.

    Raises ``PermissionDenied`` for a non-admin actor and ``Invalid`` for a taken username
    or e-mail or a password that breaks the policy.
    """
    if actor is not None:
        ensure_role(actor, Role.ADMIN)
    username = normalise_username(username)
    email = email.strip().lower() if email else None
    _check_unique(username, email)
    check_password(password, username=username)
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=email,
        locale=locale,
        password_hash=hash_password(password),
    )
    user.search_text = _search_text(user)
    user.roles = [UserRole(role=Role(role).value) for role in set(roles)]
    db.session.add(user)
    db.session.flush()
    signals.user_created.send(user, actor=actor)
    audit.record(actor, "user.created", user, username=username, roles=sorted(user.role_set))
    return user


def update_profile(actor: User, user: User, *, full_name: str, email: str | None, locale: str):
    """Change a user's name, e-mail and language. Admins edit anyone; users edit themselves."""
    if actor.id != user.id:
        ensure_role(actor, Role.ADMIN)
    email = email.strip().lower() if email else None
    _check_unique(user.username, email, exclude_id=user.id)
    user.full_name = full_name.strip()
    user.email = email
    user.locale = locale
    user.search_text = _search_text(user)
    db.session.flush()
    audit.record(actor, "user.updated", user)


def set_roles(actor: User, user: User, roles) -> None:
    """Replace ``user``'s roles. An admin cannot remove their own admin role."""
    ensure_role(actor, Role.ADMIN)
    wanted = {Role(role) for role in roles}
    if user.id == actor.id and Role.ADMIN not in wanted:
        raise Invalid(_l("You cannot remove your own administrator role."))
    if wanted == user.role_set:
        return
    kept = [role for role in user.roles if Role(role.role) in wanted]
    added = [UserRole(role=role.value) for role in wanted - user.role_set]
    user.roles = kept + added
    db.session.flush()
    audit.record(actor, "user.roles_changed", user, roles=sorted(wanted))


def start_sign_in(user: User, *, address: str | None, user_agent: str | None) -> None:
    """Record a new sign-in of ``user`` in one browser; ``login_user`` then puts its token in
    the cookies (through ``User.get_id``)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(
        SignIn(
            user_id=user.id,
            token_hash=token_hash(token),
            started_at=now,
            last_used_at=now,
            address=address,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    db.session.flush()
    user.sign_in_token = token


def _end_sign_ins(user: User, *conditions) -> None:
    db.session.execute(
        sa.update(SignIn)
        .where(SignIn.user_id == user.id, SignIn.ended_at.is_(None), *conditions)
        .values(ended_at=clock.now())
    )


def end_sessions(user: User, *, keep: str | None = None) -> None:
    """Invalidate every session and remember-me cookie ``user`` has anywhere, except the
    sign-in whose token is ``keep`` (the browser that asked, which signs in again)."""
    user.session_version = User.session_version + 1
    db.session.flush()
    db.session.refresh(user, ["session_version"])
    _end_sign_ins(user, *([SignIn.token_hash != token_hash(keep)] if keep else []))


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Logs failures; upgrades old hashes.
    Raises ``Invalid`` when the user's role may not sign in with a password."""
    user = db.session.scalar(sa.select(User).where(User.username == normalise_username(username)))
    if user is None:
        verify_unknown_user(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    check_password_sign_in_allowed(user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = clock.now()
    db.session.flush()
    return user


def check_password_sign_in_allowed(user: User) -> None:
    """Raise ``Invalid`` pointing to the identity providers' buttons when one of ``user``'s
    roles may sign in only through a provider (LMS_PASSWORD_SIGN_IN_DISABLED_ROLES)."""
    disabled = set(current_app.config["LMS_PASSWORD_SIGN_IN_DISABLED_ROLES"])
    if disabled & {role.value for role in user.role_set}:
        labels = [
            settings["label"] for settings in current_app.config["LMS_OIDC_PROVIDERS"].values()
        ]
        raise Invalid(
            _l(
                "Your account does not sign in with a password. Use the button "
                "“Sign in with %(provider)s” below.",
                provider=" / ".join(labels),
            )
        )


def sign_in(
    username: str, password: str, *, address: str | None, user_agent: str | None
) -> User | None:
    """``authenticate``, and for the user found a new sign-in (``start_sign_in``)."""
    user = authenticate(username, password)
    if user is not None:
        start_sign_in(user, address=address, user_agent=user_agent)
    return user


def sign_out(user: User) -> None:
    """End the sign-in ``user`` was loaded through, on every server and for every copy of its
    cookies; the person's other browsers stay signed in."""
    if user.sign_in_token is not None:
        _end_sign_ins(user, SignIn.token_hash == token_hash(user.sign_in_token))
    audit.record(user, "user.signed_out", user)


def _replace_password(user: User, new: str) -> None:
    check_password(new, username=user.username)
    user.password_hash = hash_password(new)
    # The person changing their own password stays signed in where they did it.
    end_sessions(user, keep=user.sign_in_token)


def change_password(user: User, *, current: str, new: str) -> None:
    """Change one's own password. Raises ``Invalid`` for a wrong current password or a weak
    new one. Every other session of the user ends."""
    if not verify_password(user.password_hash, current):
        raise Invalid(_l("The current password is not correct."))
    _replace_password(user, new)
    audit.record(user, "user.password_changed", user)


def reset_password(actor: User, user: User, new: str) -> None:
    """An admin sets a new password for ``user``; every session of ``user`` ends."""
    ensure_role(actor, Role.ADMIN)
    _replace_password(user, new)
    audit.record(actor, "user.password_reset", user)


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate ``user``. Admins only, never oneself."""
    ensure_role(actor, Role.ADMIN)
    if user.id == actor.id:
        raise Invalid(_l("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        end_sessions(user)
        signals.user_deactivated.send(user, actor=actor)
    audit.record(actor, "user.activated" if active else "user.deactivated", user)


def set_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()
