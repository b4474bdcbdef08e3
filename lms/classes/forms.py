"""Forms of the training-session pages."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms import Form as RowForm
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


class SlotRow(RowForm):
    """One time slot: a day and the hours, in the site's time zone. A row left empty is
    no slot; a row half filled, or ending before it starts, says so on the row."""

    day = DateField(_l("Day"), validators=[Optional()])
    starts = TimeField(_l("Starts at"), validators=[Optional()])
    ends = TimeField(_l("Ends at"), validators=[Optional()])

    def is_empty(self) -> bool:
        return not any(field.raw_data and field.raw_data[0].strip() for field in self)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.is_empty():
            return True
        missing = [field for field in (self.day, self.starts, self.ends) if field.data is None]
        for field in missing:
            field.errors.append(_l("Give the day and both hours of this slot."))
        if missing:
            return False
        if self.ends.data <= self.starts.data:
            self.ends.errors.append(_l("The slot must end after it starts."))
            return False
        return True

    def slot(self) -> tuple[datetime, datetime]:
        return (
            to_utc(datetime.combine(self.day.data, self.starts.data)),
            to_utc(datetime.combine(self.day.data, self.ends.data)),
        )


def slot_rows(slots) -> list[dict]:
    """A session's slots as the rows of the form, in the site's time zone."""
    rows = []
    for slot in slots:
        start, end = to_local_input(slot.starts_at), to_local_input(slot.ends_at)
        rows.append({"day": start.date(), "starts": start.time(), "ends": end.time()})
    return rows


# Empty rows shown below the slots typed, for more; "Add a slot" adds one more.
SPARE_SLOTS = 2
MAX_SLOTS = 60


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
    slots = FieldList(FormField(SlotRow), min_entries=1, max_entries=MAX_SLOTS)
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
        rows = [entry.form for entry in field.entries if not entry.form.is_empty()]
        self.parsed_slots = [row.slot() for row in rows if not row.errors]
        if not rows:
            raise ValidationError(_l("Add at least one time slot."))

    def show_spare_slots(self, extra: int = SPARE_SLOTS) -> None:
        """Empty rows after the slots, to type more (up to the most a session has)."""
        for _number in range(extra):
            if len(self.slots.entries) >= MAX_SLOTS:
                break
            self.slots.append_entry()


class StaffEnrolForm(Form):
    people = CheckboxesField(_l("People to enrol"), coerce=int, choices=[])


class CancelForm(Form):
    """Cancels the signed-in person's enrolment, or ``user_id``'s for a manager or trainer."""

    user_id = IntegerField(validators=[Optional()])
    next = StringField(validators=[Optional()])


class ActionForm(Form):
    """A button that posts nothing but its CSRF token (and where to go back)."""

    next = StringField(validators=[Optional()])
