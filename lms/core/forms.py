"""The base form, and the one way a view runs a form through a service."""

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm

# Exported by wtforms since 3.2, missing from its type information.
from wtforms.fields.choices import SelectChoice  # pyright: ignore[reportAttributeAccessIssue]

from lms.core.errors import Invalid
from lms.extensions import db

TRANSLATIONS = Path(__file__).parents[1] / "translations"


@cache
def _wtforms_translations(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [locale], domain="wtforms")


class Form(FlaskForm):
    """Every form of the site. WTForms ships no Vietnamese, so its built-in messages
    ("This field is required.") come from our own ``wtforms`` catalogue."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale()))


def options(pairs) -> list[SelectChoice]:
    """Choices for a select field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def submit(form: Form, action: Callable[[], object]) -> bool:
    """Validate ``form``, run ``action`` and commit: True on success.

    A rule's refusal (``Invalid``) rolls back and lands on the form as a form-level error, so
    the page shows it next to what the user typed and nothing half-done is saved.
    """
    if not form.validate_on_submit():
        return False
    try:
        action()
    except Invalid as error:
        db.session.rollback()
        form.form_errors.append(error.message)
        return False
    db.session.commit()
    return True
