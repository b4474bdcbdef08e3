from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.core.forms import Form


class DashboardFilterForm(Form):
    """The filters of a dashboard: a GET form that changes nothing."""

    class Meta:
        csrf = False

    position = SelectField(_l("Position"), coerce=int, choices=[], validators=[Optional()])
    module = SelectField(_l("Module"), coerce=int, choices=[], validators=[Optional()])
    period = SelectField(_l("Completed in"), choices=[], validators=[Optional()])


class PeopleFilterForm(DashboardFilterForm):
    status = SelectField(_l("Status"), choices=[], validators=[Optional()])
    sort = SelectField(_l("Sort by"), choices=[], validators=[Optional()])


class TargetForm(Form):
    """A new target: a share of a unit's people to complete a module (or hold the position
    certificate) by a date. Shown with the prefix ``target`` beside the filters."""

    unit = SelectField(_l("Unit (with every unit below it)"), coerce=int, choices=[])
    position = SelectField(_l("Who"), coerce=int, choices=[])
    module = SelectField(_l("What"), coerce=int, choices=[])
    percent = IntegerField(
        _l("Target (per cent)"),
        validators=[
            InputRequired(),
            NumberRange(1, 100, message=_l("The target must be between 1 and 100 per cent.")),
        ],
    )
    due_on = DateField(_l("Due date"), validators=[InputRequired()])


class DeleteTargetForm(Form):
    """Only the CSRF token: deleting a target is a POST."""


class QualificationForm(Form):
    """The qualification check: a position, a date, and the people, typed or uploaded."""

    position = SelectField(_l("Position"), coerce=int, choices=[])
    on = DateField(_l("Qualified on"), validators=[InputRequired()])
    people = TextAreaField(
        _l("Usernames, one a line"),
        validators=[
            Optional(),
            Length(max=400_000, message=_l("The list is too long to type: upload it as a file.")),
        ],
        render_kw={"rows": 6},
    )
    file = FileField(
        _l("Or a file of usernames (.xlsx or .csv, one column)"),
        render_kw={"accept": ".xlsx,.csv,text/csv"},
    )
