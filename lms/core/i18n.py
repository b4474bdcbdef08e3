"""Locale choice and Vietnamese diacritic folding."""

import unicodedata

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user

LOCALE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# đ is a letter of its own, not d with a combining mark, so NFD leaves it alone.
_FOLD_LETTERS = str.maketrans({"đ": "d", "Đ": "d"})


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
