from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.core.forms import Form, options
from lms.core.i18n import LOCALE_NAMES


class SignInForm(Form):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class ChangePasswordForm(Form):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class LanguageForm(Form):
    locale = RadioField(
        _l("Language"), choices=options(LOCALE_NAMES.items()), validators=[DataRequired()]
    )
    next = HiddenField()


class SignOutForm(Form):
    """Sign-out is a POST so that another site cannot sign a user out with a link."""


class ActivationForm(Form):
    """Choose a password through an activation link."""

    new = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotPasswordForm(Form):
    """Ask for a password-reset link."""

    identifier = StringField(
        _l("Username or e-mail address"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )


class ConfirmForm(Form):
    """A button that changes state or is recorded (ending a sign-in, downloading one's
    data): a POST with only the CSRF token, so another site cannot do it with a link."""
