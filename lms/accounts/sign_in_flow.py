"""How a sign-in ends once the person is known (password checked, a passkey or an identity
provider's answer verified): the one place that decides whether a second factor is still
due, and that logs the person in.

Between the password and the second factor the session holds only a pending sign-in (who,
until when, where to go after): nobody is logged in, so ``current_user`` stays anonymous
until the factor passes. After sign-in the session says whether the person still has to set
a second factor up; while so, every page but the enrolment ones sends them there.
"""

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from itsdangerous import BadData, URLSafeSerializer

from lms.accounts import bp, second_factor, services, throttle
from lms.accounts.models import User
from lms.core.edge import commit
from lms.core.urls import safe_next
from lms.extensions import db

_PENDING = "second_factor_pending"
# "passed", or "enrol" while a person who must have a second factor has none.
_STATE = "second_factor_state"
# Methods that prove two factors by themselves (a passkey with user verification).
_TWO_FACTOR_METHODS = {"passkey"}
# Where a person who must enrol may still go.
_ENROLMENT_ENDPOINTS = {
    "accounts.logout",
    "accounts.set_language",
    "accounts.security",
    "accounts.totp_setup",
    "accounts.passkey_registration_options",
    "accounts.passkey_register",
}


def _browser() -> dict:
    return {"address": request.remote_addr, "user_agent": request.user_agent.string}


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="second-factor-device")


def _remembered(user: User) -> bool:
    cookie = request.cookies.get(current_app.config["LMS_SECOND_FACTOR_COOKIE_NAME"], "")
    try:
        user_id, token = _device_serializer().loads(cookie)
    except (BadData, ValueError, TypeError):
        return False
    return user_id == user.id and second_factor.is_remembered(user, token)


def _restart_session() -> None:
    """A fresh session at each step of signing in (nothing planted before it survives),
    keeping only the language the visitor chose."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def finish_sign_in(user: User, *, remember: bool, method: str, next_url: str | None = None):
    """The response that ends a sign-in of ``user`` by ``method`` ("password", "passkey",
    an identity provider's name): the second-factor step when the person has a second
    factor and this browser is not remembered, else logged in and sent on to ``next_url``
    (default: the request's ``next``)."""
    target = safe_next(
        next_url if next_url is not None else request.values.get("next"), url_for("learning.home")
    )
    if (
        method not in _TWO_FACTOR_METHODS
        and second_factor.has_second_factor(user)
        and not _remembered(user)
    ):
        _restart_session()
        session[_PENDING] = {
            "user": user.id,
            "version": user.session_version,
            "remember": remember,
            "next": target,
            "method": method,
            "until": time.time() + current_app.config["LMS_SECOND_FACTOR_PENDING_SECONDS"],
        }
        return redirect(url_for("accounts.second_factor_step"))
    return _log_in(user, remember=remember, method=method, target=target)


def _log_in(user: User, *, remember: bool, method: str, target: str, remember_device=False):
    def record():
        services.start_sign_in(user, **_browser())
        return second_factor.remember_device(user) if remember_device else None

    device_token = commit(record).value
    _restart_session()
    login_user(user, remember=remember)
    current_app.logger.info("Signed in %r with %s", user.username, method)
    must_enrol = second_factor.required(user) and not second_factor.has_second_factor(user)
    session[_STATE] = "enrol" if must_enrol else "passed"
    if must_enrol:
        flash(_("Your account needs a second factor. Set one up to continue."), "info")
        target = url_for("accounts.security")
    response = redirect(target)
    throttle.remember_device(response, user)
    if device_token is not None:
        days = current_app.config["LMS_SECOND_FACTOR_REMEMBER_DAYS"]
        response.set_cookie(
            current_app.config["LMS_SECOND_FACTOR_COOKIE_NAME"],
            _device_serializer().dumps([user.id, device_token]),
            max_age=days * 24 * 3600,
            httponly=True,
            samesite="Lax",
        )
    return response


def pending_user() -> User | None:
    """The person between password and second factor in this session, while in time."""
    pending = session.get(_PENDING)
    if not pending or pending["until"] < time.time():
        return None
    user = db.session.get(User, pending["user"])
    if user is None or not user.active or user.session_version != pending["version"]:
        return None
    return user


def pending_account_key() -> str:
    """What the second-factor step's failures are counted under: the pending account."""
    return str((session.get(_PENDING) or {}).get("user", "none"))


def pass_second_factor(user: User, *, remember_device: bool):
    """``user`` passed the second factor: log them in as the pending sign-in asked, and
    remember this browser when they asked for it."""
    pending = session[_PENDING]
    return _log_in(
        user,
        remember=pending["remember"],
        method=pending["method"],
        target=pending["next"],
        remember_device=remember_device,
    )


def second_factor_enrolled() -> None:
    """The signed-in person now has a second factor: let them past the enrolment gate."""
    session[_STATE] = "passed"


@bp.before_app_request
def _send_to_enrolment():
    """A person who must have a second factor and has none sees only the enrolment pages.
    Decided once per session (also one restored from a remember-me cookie); a passed session
    and static files are let through without loading the user."""
    if session.get(_STATE) == "passed" or request.endpoint == "static":
        return None
    if not current_user.is_authenticated:
        return None
    if _STATE not in session:
        user = current_user._get_current_object()
        must_enrol = second_factor.required(user) and not second_factor.has_second_factor(user)
        session[_STATE] = "enrol" if must_enrol else "passed"
    if session[_STATE] == "enrol" and request.endpoint not in _ENROLMENT_ENDPOINTS:
        flash(_("Your account needs a second factor. Set one up to continue."), "info")
        return redirect(url_for("accounts.security"))
    return None
