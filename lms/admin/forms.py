from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.forms import Form, options
from lms.core.i18n import LOCALE_NAMES
from lms.core.permissions import ROLE_LABELS
from lms.org.picker import UnitField

CODE = Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, '.', '_' or '-' only."))
USERNAME = Regexp(
    r"^[A-Za-z0-9_.@-]+$", message=_l("Use letters without accents, digits, '.', '_', '@' or '-'.")
)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def role_choices():
    return options((role.value, label) for role, label in ROLE_LABELS.items())


class SearchForm(Form):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=[], validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=options(
            [("", _l("All")), ("active", _l("Active")), ("inactive", _l("Deactivated"))]
        ),
        validators=[Optional()],
    )


class UserProfileForm(Form):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Email(), Length(max=254)])
    locale = SelectField(_l("Language"), choices=options(LOCALE_NAMES.items()))


class UserCreateForm(UserProfileForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64), USERNAME])
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    roles = CheckboxesField(_l("Roles"), choices=role_choices, default=["learner"])


class RolesForm(Form):
    roles = CheckboxesField(_l("Roles"), choices=role_choices)


class ManagedUnitsForm(Form):
    units = UnitField(_l("Units managed"), validators=[Length(max=2000)], multiple=True)


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )


class ConfirmForm(Form):
    """A button that changes state: only the CSRF token is needed."""


class AssignPositionForm(Form):
    position = SelectField(_l("Position"), coerce=int, choices=[])
    unit = UnitField(_l("Org unit"), validators=[DataRequired(), Length(max=200)])
    starts_on = DateField(_l("Start date"), validators=[DataRequired()])


class EndAssignmentForm(Form):
    ends_on = DateField(_l("End date"), validators=[DataRequired()])


class UnitForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    kind = SelectField(_l("Kind"), choices=[])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    effective_on = DateField(_l("Effective from"), validators=[DataRequired()])


class UnitCreateForm(UnitForm):
    parent = UnitField(_l("Parent unit"), validators=[Optional(), Length(max=200)])


class MoveUnitForm(Form):
    parent = UnitField(_l("New parent unit"), validators=[DataRequired(), Length(max=200)])
    effective_on = DateField(_l("Effective from"), validators=[DataRequired()])


class MergeUnitForm(Form):
    target = UnitField(_l("Merge into unit"), validators=[DataRequired(), Length(max=200)])
    effective_on = DateField(_l("Effective from"), validators=[DataRequired()])


class PositionForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=200)])
    description_vi = TextAreaField(
        _l("Description (Vietnamese)"), validators=[Optional(), Length(max=4000)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Optional(), Length(max=4000)]
    )
    active = BooleanField(_l("In use (new assignments allowed)"), default=True)


def due_basis_choices():
    return options(
        [
            ("position_start", _l("days after the person starts in the position")),
            ("assignment", _l("days after the module is assigned to them")),
            ("fixed_date", _l("on a fixed date")),
        ]
    )


class CurriculumItemForm(Form):
    module = SelectField(_l("Module"), choices=[], coerce=int, validators=[DataRequired()])
    due_basis = SelectField(_l("Due"), choices=[], validators=[DataRequired()])
    due_days = IntegerField(
        _l("Number of days"), validators=[Optional(), NumberRange(min=0, max=3650)]
    )
    due_on = DateField(_l("Fixed due date"), validators=[Optional()])
    validity_months = IntegerField(
        _l("Completion valid for (months)"),
        validators=[Optional(), NumberRange(min=1, max=240)],
        description=_l("Leave empty when a completion stays valid for good."),
    )


class RevokeCertificateForm(Form):
    reason = TextAreaField(_l("Reason for revoking"), validators=[DataRequired(), Length(max=500)])


class AnonymiseForm(Form):
    """Anonymising cannot be undone: the admin types the username to confirm."""

    username = StringField(
        _l("Type the username to confirm"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )


class ApiClientForm(Form):
    name = StringField(_l("Name (who calls)"), validators=[DataRequired(), Length(max=200)])
    scopes = CheckboxesField(
        _l("Scopes"), choices=[], validators=[DataRequired(_l("Choose at least one scope."))]
    )
    units = UnitField(
        _l("Units it reaches (empty: the whole tree)"),
        validators=[Length(max=2000)],
        multiple=True,
    )
