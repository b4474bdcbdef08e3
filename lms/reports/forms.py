from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from lms.core.forms import Form


class DashboardFilterForm(Form):
    """The filters of a dashboard: a GET form that changes nothing."""

    class Meta:
        csrf = False

    position = SelectField(_l("Position"), coerce=int, choices=[], validators=[Optional()])
    module = SelectField(_l("Module"), coerce=int, choices=[], validators=[Optional()])


class PeopleFilterForm(DashboardFilterForm):
    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    sort = SelectField(_l("Sort by"), choices=[], validators=[Optional()])
