"""Forms of the training-needs pages. The assessment forms have one question per
competency, so they are built for the person they are about."""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core import clock
from lms.core.forms import Form, options
from lms.needs.models import LEVELS

NOT_YET = 0
PREFIX = "c_"


def field_name(code: str) -> str:
    return PREFIX + code.replace(".", "_")


def level_choices(competency, locale: str, *, with_not_yet: bool = True) -> list:
    choices = [(NOT_YET, _l("Not yet: I have not done this"))] if with_not_yet else []
    for level in competency.levels:
        choices.append((level.level, f"{level.level} — {level.description(locale)}"))
    return options(choices)


def assessment_form(competencies, locale: str, *, required: bool, data=None):
    """One radio question per competency (the level descriptions are the answers).
    ``required``: every question must be answered (a self-assessment); else a manager
    may rate only some."""

    class AssessmentForm(Form):
        pass

    for competency in competencies:
        validators = [InputRequired()] if required else [Optional()]
        setattr(
            AssessmentForm,
            field_name(competency.code),
            RadioField(
                competency.name(locale),
                choices=level_choices(competency, locale),
                coerce=int,
                validators=validators,
            ),
        )
    form = AssessmentForm(data=data)
    form.competencies = competencies
    return form


def answers(form, competencies) -> dict[str, int]:
    found = {}
    for competency in competencies:
        value = getattr(form, field_name(competency.code)).data
        if value is not None and value != "":
            found[competency.code] = int(value)
    return found


class AssignForm(Form):
    due_on = DateField(_l("Due on"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.due_on.data is None and not self.is_submitted():
            self.due_on.data = clock.today() + timedelta(days=60)


class FollowUpForm(Form):
    module_id = IntegerField(validators=[DataRequired()])
    rating = RadioField(
        _l("Applies it in daily work"),
        choices=options(
            [
                (1, _l("1 — not yet")),
                (2, _l("2 — sometimes, with help")),
                (3, _l("3 — usually, on their own")),
                (4, _l("4 — always, and helps others")),
            ]
        ),
        coerce=int,
        validators=[InputRequired()],
    )


@dataclass(frozen=True)
class PickerRow:
    """A row of the competency picker (``templates/_macros/competencies.html``)."""

    code: str
    field: str
    competency: object


def standards_form(competencies, locale: str, data=None):
    """A level select per competency, its options the framework's level names."""

    class StandardsForm(Form):
        auto_assign = BooleanField(_l("Assign the recommended modules automatically"))
        due_days = IntegerField(
            _l("Due (days after assignment)"),
            default=60,
            validators=[InputRequired(), NumberRange(min=1, max=3650)],
        )

    for competency in competencies:
        levels = {level.level: level.label(locale) for level in competency.levels}
        choices = [(0, _l("Not required"))]
        choices += [(n, levels.get(n) or _l("Level %(n)d", n=n)) for n in LEVELS]
        setattr(
            StandardsForm,
            field_name(competency.code),
            SelectField(
                f"{competency.code} {competency.name(locale)}",
                choices=options(choices),
                coerce=int,
                default=0,
            ),
        )
    form = StandardsForm(data=data)
    form.competency_rows = [
        PickerRow(competency.code, field_name(competency.code), competency)
        for competency in competencies
    ]
    return form


def competency_form(competency, data=None):
    class CompetencyForm(Form):
        name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(), Length(max=300)])
        name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=300)])

    for level in LEVELS:
        setattr(
            CompetencyForm,
            f"level{level}_vi",
            TextAreaField(
                _l("Level %(n)d (Vietnamese)", n=level),
                validators=[DataRequired(), Length(max=2000)],
            ),
        )
        setattr(
            CompetencyForm,
            f"level{level}_en",
            TextAreaField(
                _l("Level %(n)d (English)", n=level),
                validators=[DataRequired(), Length(max=2000)],
            ),
        )
    return CompetencyForm(data=data)
