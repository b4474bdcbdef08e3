"""The base form, and the one way a view runs a form through a service."""

from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm

# Exported by wtforms since 3.2, missing from its type information.
from wtforms.fields.choices import SelectChoice  # pyright: ignore[reportAttributeAccessIssue]

from lms.core.edge import Outcome, commit

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


def submit(form: Form, action: Callable[[], object]) -> Outcome:
    """Validate ``form``, then run ``action`` and commit (``lms.core.edge.commit``): the
    outcome is true on success and holds what ``action`` returned.

    A rule's refusal (``Invalid``) rolls back and lands on the form as a form-level error, so
    the page shows it next to what the user typed and nothing half-done is saved.
    """
    if not form.validate_on_submit():
        return Outcome(False)
    return commit(action, form=form)
