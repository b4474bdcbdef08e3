"""Forms of the register's pages."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import Optional

from lms.core.forms import Form


class RegisterDateForm(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    on = DateField(_l("Status on"), validators=[Optional()])
