"""The form a person makes a token of their own with."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from lms.api.services import PERSONAL_SCOPES, SCOPES
from lms.core.forms import Form, options


class PersonalTokenForm(Form):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=100)])
    scopes = SelectMultipleField(
        _l("It may read"),
        choices=options((scope, SCOPES[scope]) for scope in PERSONAL_SCOPES),
        validators=[DataRequired(_l("Choose at least one scope."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    days = IntegerField(
        _l("Valid for (days)"), default=30, validators=[DataRequired(), NumberRange(min=1)]
    )
