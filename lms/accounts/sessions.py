"""Sessions a person controls: their sign-ins listed (device, address, started, last use),
ended one by one or all but the current one, and old ones purged.

A sign-in's last use is written by the user loader at most once per ``LAST_USE_PRECISION``,
committed at once in a short transaction of its own, so ordinary pages normally do not
write. The loader is the one place outside a view's edge that commits, and says so.
"""

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts import queries
from lms.accounts.models import SignIn, User, token_hash
from lms.accounts.services import _end_sign_ins
from lms.core import audit, clock
from lms.core.errors import NotFound
from lms.extensions import db

LAST_USE_PRECISION = timedelta(minutes=5)


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's user loader: ``queries.session_user``, and the sign-in's last use
    recorded when the one on record is older than ``LAST_USE_PRECISION``."""
    found = queries.session_user(session_id)
    if found is None:
        return None
    user, sign_in_id, last_used_at = found
    now = clock.now()
    if last_used_at is None or now - last_used_at >= LAST_USE_PRECISION:
        db.session.execute(
            sa.update(SignIn).where(SignIn.id == sign_in_id).values(last_used_at=now)
        )
        # Before the view runs, with nothing else in the session: this transaction holds
        # only the one update.
        db.session.commit()
    return user


def active_sign_ins(user: User) -> list[SignIn]:
    """``user``'s sign-ins that have not ended, most recently used first."""
    last_use = sa.func.coalesce(SignIn.last_used_at, SignIn.started_at)
    return list(
        db.session.scalars(
            sa.select(SignIn)
            .where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
            .order_by(last_use.desc(), SignIn.id.desc())
        )
    )


def is_current(user: User, sign_in: SignIn) -> bool:
    """Whether ``sign_in`` is the one ``user`` was loaded through (this browser)."""
    return user.sign_in_token is not None and sign_in.token_hash == token_hash(user.sign_in_token)


def end_sign_in(user: User, sign_in_id: int) -> None:
    """End one of ``user``'s own sign-ins: that browser is signed out at its next request.
    ``NotFound`` when it is not theirs or has already ended."""
    ended = db.session.execute(
        sa.update(SignIn)
        .where(SignIn.id == sign_in_id, SignIn.user_id == user.id, SignIn.ended_at.is_(None))
        .values(ended_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if not ended.rowcount:
        raise NotFound(_l("This session does not exist or has already ended."))
    audit.record(user, "user.sign_in_ended", user, sign_in=sign_in_id)


def end_other_sign_ins(user: User) -> None:
    """End every sign-in of ``user`` but the one they were loaded through."""
    if user.sign_in_token is None:
        raise RuntimeError("only a signed-in user can keep their own sign-in")
    _end_sign_ins(user, SignIn.token_hash != token_hash(user.sign_in_token))
    audit.record(user, "user.other_sign_ins_ended", user)


def purge_old_sign_ins() -> int:
    """Delete the sign-ins that ended, or were last used, more than
    ``LMS_SIGN_IN_RETENTION_DAYS`` ago (an unused one then opens no session any more).
    Returns how many."""
    before = clock.now() - timedelta(days=current_app.config["LMS_SIGN_IN_RETENTION_DAYS"])
    last_activity = sa.func.coalesce(SignIn.ended_at, SignIn.last_used_at, SignIn.started_at)
    purged = db.session.execute(
        sa.delete(SignIn).where(last_activity < before).execution_options(synchronize_session=False)
    )
    return purged.rowcount


# (pattern, name) in order: the first that matches names the browser; Edge, Opera and
# Cốc Cốc (much used in Viet Nam) also say "Chrome", and Chrome also says "Safari".
_BROWSERS = [
    (re.compile(r"\bcoc_coc_browser/"), "Cốc Cốc"),
    (re.compile(r"\bEdg(e|A|iOS)?/"), "Edge"),
    (re.compile(r"\b(OPR|Opera)/"), "Opera"),
    (re.compile(r"\bSamsungBrowser/"), "Samsung Internet"),
    (re.compile(r"\b(Firefox|FxiOS)/"), "Firefox"),
    (re.compile(r"\b(Chrome|CriOS|Chromium)/"), "Chrome"),
    (re.compile(r"\bSafari/"), "Safari"),
]
_SYSTEMS = [
    (re.compile(r"\b(iPhone|iPad|iPod)\b"), "iOS"),
    (re.compile(r"\bAndroid\b"), "Android"),
    (re.compile(r"\bWindows\b"), "Windows"),
    (re.compile(r"\b(Macintosh|Mac OS X)\b"), "macOS"),
    (re.compile(r"\bCrOS\b"), "ChromeOS"),
    (re.compile(r"\bLinux\b"), "Linux"),
]


def _first(patterns, text: str) -> str | None:
    return next((name for pattern, name in patterns if pattern.search(text)), None)


def device(user_agent: str | None) -> str:
    """What a person recognises a browser by, from its user agent: "Chrome on Windows"."""
    text = user_agent or ""
    browser, system = _first(_BROWSERS, text), _first(_SYSTEMS, text)
    if browser and system:
        return str(_l("%(browser)s on %(system)s", browser=browser, system=system))
    return browser or system or str(_l("Unknown device"))


def last_use(sign_in: SignIn) -> datetime:
    return sign_in.last_used_at or sign_in.started_at
