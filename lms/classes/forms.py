"""Forms of the training-session pages."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms.classes.models import IN_PERSON, ONLINE
from lms.core import clock
from lms.core.forms import Form, options
from lms.org.picker import UnitField

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def to_utc(local: datetime) -> datetime:
    """A time typed in the site's time zone, as an aware datetime."""
    return local.replace(tzinfo=clock.zone())


def to_local_input(moment: datetime) -> datetime:
    """An aware time as the naive local time a ``datetime-local`` input shows."""
    return moment.astimezone(clock.zone()).replace(tzinfo=None)


def parse_slots(text: str) -> list[tuple[datetime, datetime]]:
    """One slot per line, in the site's time zone: ``2026-12-10 08:00-11:30``."""
    slots = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        try:
            day, hours = line.split(maxsplit=1)
            start_text, end_text = (part.strip() for part in hours.split("-", 1))
            start = datetime.strptime(f"{day} {start_text}", "%Y-%m-%d %H:%M")
            end = datetime.strptime(f"{day} {end_text}", "%Y-%m-%d %H:%M")
        except ValueError as error:
            raise ValidationError(
                _l(
                    "Line %(number)d: write a day and hours as 2026-12-10 08:00-11:30.",
                    number=number,
                )
            ) from error
        slots.append((to_utc(start), to_utc(end)))
    return slots


def format_slots(slots) -> str:
    lines = []
    for slot in slots:
        start, end = to_local_input(slot.starts_at), to_local_input(slot.ends_at)
        lines.append(f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}")
    return "\n".join(lines)


class SessionForm(Form):
    title_vi = StringField(_l("Title in Vietnamese"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    activity = SelectField(_l("Module activity"), choices=[], validators=[Optional()])
    mode = RadioField(
        _l("Held"),
        choices=options([(IN_PERSON, _l("In person")), (ONLINE, _l("Online"))]),
        default=IN_PERSON,
        validators=[DataRequired()],
    )
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    meeting_url = StringField(
        _l("Meeting link"),
        validators=[Optional(), URL(message=_l("Enter a full web address.")), Length(max=500)],
    )
    capacity = IntegerField(_l("Places"), validators=[DataRequired(), NumberRange(1, 10000)])
    slots = TextAreaField(_l("Time slots"), validators=[DataRequired()], render_kw={"rows": 3})
    enrol_opens_at = DateTimeLocalField(
        _l("Enrolment opens"), format=LOCAL_FORMAT, validators=[DataRequired()]
    )
    enrol_closes_at = DateTimeLocalField(
        _l("Enrolment closes"), format=LOCAL_FORMAT, validators=[DataRequired()]
    )
    cancel_until = DateTimeLocalField(
        _l("Cancellation possible until"), format=LOCAL_FORMAT, validators=[DataRequired()]
    )
    trainers = CheckboxesField(_l("Trainers"), coerce=int, choices=[])
    positions = CheckboxesField(_l("Audience: positions"), coerce=int, choices=[])
    units = UnitField(
        _l("Audience: units (and the units below them)"),
        validators=[Optional(), Length(max=2000)],
        multiple=True,
        whole_tree=True,
    )

    def validate_slots(self, field):
        self.parsed_slots = parse_slots(field.data or "")
        if not self.parsed_slots:
            raise ValidationError(_l("Add at least one time slot."))


class StaffEnrolForm(Form):
    people = CheckboxesField(_l("People to enrol"), coerce=int, choices=[])


class CancelForm(Form):
    """Cancels the signed-in person's enrolment, or ``user_id``'s for a manager or trainer."""

    user_id = IntegerField(validators=[Optional()])
    next = StringField(validators=[Optional()])


class ActionForm(Form):
    """A button that posts nothing but its CSRF token (and where to go back)."""

    next = StringField(validators=[Optional()])
