from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from lms.core.forms import Form


class PeopleFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField(_l("Name or username"), validators=[Optional(), Length(max=100)])
    unit = SelectField(_l("Unit"), coerce=int, choices=[], validators=[Optional()])
