from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
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
