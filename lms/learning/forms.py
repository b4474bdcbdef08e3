from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.forms import Form


class CatalogueFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField(_l("Title or topic"), validators=[Optional(), Length(max=100)])
    competency = SelectField(_l("Competency"), choices=[], validators=[Optional()])
    language = SelectField(_l("Language"), choices=[], validators=[Optional()])


class ManualAssignmentForm(Form):
    module = SelectField(_l("Module"), choices=[], coerce=int, validators=[DataRequired()])
    due_on = DateField(_l("Due date"), validators=[DataRequired()])


class BulkAssignForm(Form):
    """A module for everyone of a scope: the first step is a GET (nothing changes until the
    preview is confirmed), so it carries no CSRF token."""

    class Meta:
        csrf = False

    module = SelectField(_l("Module"), choices=[], coerce=int, validators=[DataRequired()])
    due_on = DateField(_l("Due date"), validators=[DataRequired()])
    only_missing = BooleanField(_l("Only people who do not have it yet"))


class BulkConfirmForm(BulkAssignForm):
    """The preview's confirmation: the same choices, posted with a CSRF token."""

    class Meta:
        csrf = True
