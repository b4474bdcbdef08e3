"""Password reset: a person who forgot their password asks for a link by e-mail; an admin
makes one for a person without e-mail.

A reset link is an itsdangerous ``URLSafeTimedSerializer`` token over the user id and a
fingerprint of the password hash the person had when the link was asked for (activation
links use the same fingerprint), signed with ``SECRET_KEY`` and this module's salt. It works
until the password changes, so once, and expires: after ``LMS_PASSWORD_RESET_MINUTES``
(default 60) when e-mailed, after ``LMS_ACTIVATION_DAYS`` when an admin made it to hand over.
Its time is the application's clock (``lms.core.clock``).

Asking gives the same answer whether or not an account matches: the request only puts the
typed identifier on the job queue (``jobs.send_password_reset``); the job looks the account
up and, when one matches and has an address, sends ``password_reset_requested``, on which
notifications write the e-mail. The token is made only when the e-mail is written (from
the fingerprint), so no usable link is stored in the database.
"""

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import lazyload

from lms.accounts.activation import _fingerprint, lifetime_seconds
from lms.accounts.models import User
from lms.accounts.services import _replace_password, normalise_username
from lms.core import audit, clock, signals
from lms.core.errors import Invalid
from lms.core.permissions import Role, ensure_role
from lms.extensions import db

SALT = "lms.accounts.password-reset"
# Who made the link decides how long it lasts: a link e-mailed to its owner is used at once,
# one an admin hands over (in person, by telephone) may take days to reach them.
BY_EMAIL = "e"
BY_ADMIN = "a"


class ResetError(Invalid):
    """The link is expired, already used, altered or names an account that cannot sign in."""


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def email_lifetime_seconds() -> int:
    return int(current_app.config["LMS_PASSWORD_RESET_MINUTES"]) * 60


def _lifetime(made_by: str) -> int:
    return lifetime_seconds() if made_by == BY_ADMIN else email_lifetime_seconds()


def available() -> bool:
    """Whether people can ask for a link themselves: the e-mail must be sendable and must
    carry the site's configured address (never one taken from a request's Host header, which
    a visitor chooses)."""
    config = current_app.config
    return bool(config["LMS_SMTP_HOST"] and config["LMS_BASE_URL"])


def fingerprint(user: User) -> str:
    return _fingerprint(user.password_hash)


def make_token(user_id: int, password_fingerprint: str, made_by: str = BY_EMAIL) -> str:
    """A reset token for the account ``user_id`` while its password hash has
    ``password_fingerprint`` (``fingerprint``)."""
    return _serializer().dumps({"u": user_id, "h": password_fingerprint, "k": made_by})


def email_link_path(user_id: int, password_fingerprint: str) -> str:
    """The path of an e-mailed reset link for the account ``user_id`` while its password
    hash has ``password_fingerprint``; needs no request (a job writes the e-mail)."""
    return f"/account/reset/{make_token(user_id, password_fingerprint, BY_EMAIL)}"


def user_for_token(token: str) -> User:
    """The account a reset token opens. Raises ``ResetError`` with a message for the visitor
    when the token is expired, already used, altered, or the account is deactivated."""
    invalid = _l("This link is not valid. Check that you copied all of it.")
    try:
        # No max_age: how long a link lasts depends on who made it, read from the link.
        data, signed_at = _serializer().loads(token, return_timestamp=True)
    except BadSignature as error:
        raise ResetError(invalid) from error
    if not isinstance(data, dict) or data.get("k") not in (BY_EMAIL, BY_ADMIN):
        raise ResetError(invalid)
    if (clock.now() - signed_at).total_seconds() > _lifetime(data["k"]):
        raise ResetError(_l("This link has expired. Ask for a new one."))
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active:
        raise ResetError(invalid)
    if data.get("h") != fingerprint(user):
        raise ResetError(
            _l(
                "This link has already been used, or the password was changed since it was "
                "made. Sign in with your password, or ask for a new link."
            )
        )
    return user


def request_link(identifier: str) -> bool:
    """Send a reset link to the owner of the active account whose username or e-mail address
    is ``identifier``, if there is one and it has an address. Returns whether one was sent;
    the caller must not tell the visitor (``jobs.send_password_reset`` runs it off the
    request). The e-mail's notification is the record of the request: an audit entry, only
    for accounts that exist, would make the two answers differ in time."""
    wanted = normalise_username(identifier)
    user = db.session.scalar(
        sa.select(User)
        # The roles are not needed: loading them would be a second query, for known accounts only.
        .options(lazyload(User.roles))
        .where(sa.or_(User.username == wanted, User.email == wanted), User.active.is_(True))
    )
    if user is None or not user.email:
        return False
    signals.password_reset_requested.send(
        user, fingerprint=fingerprint(user), minutes=email_lifetime_seconds() // 60
    )
    return True


def issue_link(actor: User, user: User) -> str:
    """A reset link an admin hands to ``user`` (who has no e-mail, or cannot reach it); it
    lasts as long as an activation link. Admins only; ``Invalid`` for a deactivated account.
    Recorded in the audit log."""
    ensure_role(actor, Role.ADMIN)
    if not user.active:
        raise Invalid(_l("This account is deactivated; reactivate it first."))
    audit.record(actor, "user.password_reset_link", user)
    return url_for(
        "accounts.reset_password",
        token=make_token(user.id, fingerprint(user), BY_ADMIN),
        _external=True,
    )


def reset(user: User, password: str) -> None:
    """The owner of a reset link sets a new password (the policy applies: ``Invalid`` lists
    the broken rules). Every session of the person ends, and every earlier link dies."""
    _replace_password(user, password)
    audit.record(user, "user.password_reset_by_link", user)
