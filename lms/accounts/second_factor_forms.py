from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from lms.core.forms import Form


class SecondFactorForm(Form):
    """The second step of a sign-in: a code from the authenticator app or a recovery code."""

    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "none"},
    )
    remember_device = BooleanField(_l("Do not ask again on this device"))


class TotpConfirmForm(Form):
    code = StringField(
        _l("The six-digit code the app shows"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class SecurityActionForm(Form):
    """A button of the account security page (new recovery codes, forget devices): a POST,
    with its CSRF token."""
