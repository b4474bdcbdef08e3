from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import Length, Optional

from lms.core.forms import Form
from lms.org.picker import UnitField


class PeopleFilterForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField(_l("Name or username"), validators=[Optional(), Length(max=100)])
    unit = UnitField(_l("Unit (with the units below it)"), validators=[Optional(), Length(max=200)])
