"""Locale choice, numbers in the page's language and Vietnamese diacritic folding."""

import functools
import unicodedata

from babel.numbers import format_decimal as babel_decimal
from babel.numbers import format_percent as babel_percent
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LOCALE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# đ is a letter of its own, not d with a combining mark, so NFD leaves it alone.
_FOLD_LETTERS = str.maketrans({"đ": "d", "Đ": "d"})


def _numbers_locale():
    """The page's language; outside an application (a bare script) English numbers."""
    return get_locale() or "en"


def format_percent(number, decimals: int = 0) -> str:
    """``number`` (a fraction: 0.855) as a percentage the way the page's language writes it,
    with at most ``decimals`` decimals and none that are zero: "85,5%" in Vietnamese,
    "85.5%" in English, "100%" for 1. The ``percentformat`` template filter."""
    return _percent_text(round(float(number), decimals + 2), _numbers_locale())


def format_decimal(number, decimals: int = 1) -> str:
    """``number`` with at most ``decimals`` decimals (none that are zero) and grouped
    thousands, the way the page's language writes it: "1,5" and "12.345" in Vietnamese.
    The ``decimalformat`` template filter."""
    return _decimal_text(round(float(number), decimals), _numbers_locale())


# A dashboard formats a few hundred numbers, most of them the same few: each is written once
# per language (Babel applies its pattern anew on every call).
@functools.lru_cache(maxsize=4096)
def _percent_text(number: float, locale) -> str:
    return babel_percent(number, locale=locale, decimal_quantization=False)


@functools.lru_cache(maxsize=4096)
def _decimal_text(number: float, locale) -> str:
    return babel_decimal(number, locale=locale, decimal_quantization=False)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese diacritics: "Nguyễn Văn Đức" → "nguyen van duc"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_LETTERS))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def select_locale() -> str:
    """The signed-in user's preference, else the visitor's choice, else the site default
    (which is also the language of the CLI); for a request that sets ``g.locale_from_header``,
    the Accept-Language header's."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if g.get("locale_from_header"):
        # A request that may not use the session (the API, with its bearer token).
        best = request.accept_languages.best_match(current_app.config["LMS_LOCALES"])
        return best or current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.locale in current_app.config["LMS_LOCALES"]:
        return current_user.locale
    return visitor_locale()


def visitor_locale() -> str:
    """The language chosen in this browser session, else the site default: all that is
    known without the database (the outage page)."""
    chosen, config = session.get("locale"), current_app.config
    return (
        chosen
        if isinstance(chosen, str) and chosen in config["LMS_LOCALES"]
        else config["BABEL_DEFAULT_LOCALE"]
    )
