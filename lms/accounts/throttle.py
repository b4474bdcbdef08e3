"""The sign-in lockout policy: slow a password guesser down without locking the owner out.

It follows OWASP's device cookies
(https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies).
Only failed sign-ins are counted, in the limiter's storage (Redis when ``LMS_REDIS_URL`` is
set, so every app server sees the same counts):

- per account and address together (``LMS_LOGIN_LIMIT``): one person's typos never hold up
  a colleague behind the same address;
- per address (``LMS_LOGIN_ADDRESS_LIMIT``), a ceiling high enough for a commune office
  whose staff all share one NAT address;
- per account, from untrusted clients (``LMS_LOGIN_ACCOUNT_LIMIT``): past it, nobody without
  a device cookie for the account may try it until the window ends;
- per device cookie (``LMS_LOGIN_LIMIT``): a successful sign-in leaves a signed cookie naming
  the account; an attempt carrying a valid one for the account it types is counted only
  here, so the owner still signs in during an attack on the account or from the address,
  and a stolen cookie still guesses slowly.

Every key holds the username as typed (normalised), whether or not the account exists, so a
refusal says nothing about which accounts exist.
"""

import secrets
import time

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from itsdangerous import BadData, URLSafeTimedSerializer

from lms.accounts import services
from lms.core import metrics, outages
from lms.core.errors import render_error
from lms.extensions import limiter


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sign-in-device")


def _typed_account() -> str:
    return services.normalise_username(request.form.get("username", ""))


def _address() -> str:
    return request.remote_addr or "unknown"


def _device() -> str | None:
    """The id of the valid device cookie issued for the account being typed, if sent."""
    if "sign_in_device" not in g:
        g.sign_in_device = None
        config = current_app.config
        token = request.cookies.get(config["LMS_DEVICE_COOKIE_NAME"], "")
        try:
            username, device = _serializer().loads(
                token, max_age=config["LMS_DEVICE_COOKIE_DURATION"]
            )
        except BadData:
            pass
        else:
            if username == _typed_account():
                g.sign_in_device = device
    return g.sign_in_device


def _trusted() -> bool:
    return _device() is not None


def _untrusted() -> bool:
    return _device() is None


def _failed(_response) -> bool:
    return g.get("sign_in_failed", False)


def record_failure() -> None:
    """Count this request's sign-in as failed (the counters are charged after the response)."""
    g.sign_in_failed = True
    metrics.SIGN_IN_FAILURES.inc()


def remember_device(response, user) -> None:
    """Give the browser a fresh device cookie for ``user``, who has just signed in."""
    config = current_app.config
    response.set_cookie(
        config["LMS_DEVICE_COOKIE_NAME"],
        _serializer().dumps([user.username, secrets.token_urlsafe(16)]),
        max_age=config["LMS_DEVICE_COOKIE_DURATION"],
        httponly=True,
        samesite="Lax",
    )


def _refuse(limit):
    current_app.logger.warning(
        "Sign-in throttled for %r from %s (%s)",
        request.form.get("username", ""),
        request.remote_addr,
        limit.key,
    )
    # reset_at is whole seconds of the storage's clock: never tell more than the window.
    retry_after = min(limit.limit.get_expiry(), max(1, limit.reset_at - int(time.time())))
    minutes = max(1, round(retry_after / 60))
    body, status = render_error(
        429,
        _("Too many failed sign-ins"),
        ngettext(
            "There have been too many failed sign-ins for this account or from this address. "
            "Try again in %(num)d minute. If you forgot your password, ask your administrator "
            "to reset it.",
            "There have been too many failed sign-ins for this account or from this address. "
            "Try again in %(num)d minutes. If you forgot your password, ask your administrator "
            "to reset it.",
            minutes,
        ),
    )
    return current_app.response_class(
        body, status=status, headers={"Retry-After": str(retry_after)}
    )


def _setting(name: str):
    return lambda: current_app.config[name]


# (limit setting, what is counted, when the counter is skipped)
_COUNTERS = [
    ("LMS_LOGIN_LIMIT", lambda: f"sign-in-pair:{_address()}:{_typed_account()}", _trusted),
    ("LMS_LOGIN_ADDRESS_LIMIT", lambda: f"sign-in-address:{_address()}", _trusted),
    ("LMS_LOGIN_ACCOUNT_LIMIT", lambda: f"sign-in-account:{_typed_account()}", _trusted),
    ("LMS_LOGIN_LIMIT", lambda: f"sign-in-device:{_device()}", _untrusted),
]


# Without its counters the policy cannot slow a guesser down: sign-in waits for them.
_COUNTERS_UNREACHABLE = _l(
    "Signing in is paused for a few minutes: the site cannot count sign-in attempts just "
    "now. Please try again shortly."
)


def limit_sign_in(view):
    """Apply the policy to the sign-in view, which calls ``record_failure`` on a failure."""
    for setting, key, exempt in _COUNTERS:
        view = limiter.limit(
            _setting(setting),
            key_func=key,
            exempt_when=exempt,
            methods=["POST"],
            deduct_when=_failed,
            on_breach=_refuse,
            override_defaults=False,
        )(view)
    return outages.fails_closed(_COUNTERS_UNREACHABLE)(view)


def limit_second_factor(account_key):
    """Apply the policy to a second-factor step, which calls ``record_failure`` on a wrong
    code: failures count per account (``account_key()`` names the one signing in) and per
    address, with the password's limits (a code is six digits: it must guess slowly)."""

    def decorate(view):
        counters = [
            ("LMS_LOGIN_LIMIT", lambda: f"second-factor:{account_key()}"),
            ("LMS_LOGIN_ADDRESS_LIMIT", lambda: f"sign-in-address:{_address()}"),
        ]
        for setting, key in counters:
            view = limiter.limit(
                _setting(setting),
                key_func=key,
                methods=["POST"],
                deduct_when=_failed,
                on_breach=_refuse,
                override_defaults=False,
            )(view)
        return outages.fails_closed(_COUNTERS_UNREACHABLE)(view)

    return decorate
