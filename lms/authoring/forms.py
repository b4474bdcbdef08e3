"""Forms of module authoring. Texts per language are one field per language of the site."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import Form as RowForm
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.forms import Form, options
from lms.core.i18n import LOCALE_NAMES
from lms.plugins.activity import AuthoringField

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"
KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ModuleForm(Form):
    slug = StringField(
        _l("Module id (used in addresses and exports)"),
        validators=[
            DataRequired(),
            Regexp(ID_PATTERN, message=_l("Lowercase letters, digits and dashes, 3 to 64.")),
        ],
    )
    languages = CheckboxesField(
        _l("Languages"), choices=options(LOCALE_NAMES.items()), default=["vi"]
    )
    title_vi = StringField(_l("Title in Vietnamese"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])
    summary_vi = TextAreaField(
        _l("Summary in Vietnamese"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )
    summary_en = TextAreaField(
        _l("Summary in English"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}
    )
    estimated_minutes = IntegerField(
        _l("Estimated time (minutes)"), validators=[DataRequired(), NumberRange(1, 10000)]
    )
    # Choices: the installed completion rules (lms.plugins.completion).
    completion_rule = SelectField(_l("Completion rule"), choices=[])

    def texts(self, name: str) -> dict[str, str]:
        return {code: getattr(self, f"{name}_{code}").data or "" for code in LOCALE_NAMES}

    # The competency picker: one level select a competency (``competency_field``), made
    # by ``module_form`` for the framework and any code the manifest holds beside it.
    competency_rows: tuple = ()

    def competency_list(self) -> list[dict]:
        """The competencies given a level, as the manifest's [{code, level}]."""
        items = []
        for row in self.competency_rows:
            level = getattr(self, row.field).data
            if level:
                items.append({"code": row.code, "level": int(level)})
        return items

    def fields(self) -> dict:
        return {
            "languages": self.languages.data or [],
            "title": self.texts("title"),
            "summary": self.texts("summary"),
            "estimated_minutes": self.estimated_minutes.data,
            "competencies": self.competency_list(),
            "completion_rule": self.completion_rule.data,
        }

    def fill(self, manifest: dict) -> None:
        self.slug.data = manifest["id"]
        self.languages.data = manifest["languages"]
        for code in LOCALE_NAMES:
            getattr(self, f"title_{code}").data = manifest["title"].get(code, "")
            getattr(self, f"summary_{code}").data = manifest["summary"].get(code, "")
        self.estimated_minutes.data = manifest["estimated_minutes"]
        for item in manifest.get("competencies", []):
            getattr(self, competency_field(item["code"])).data = item["level"]
        self.completion_rule.data = manifest.get("completion", {}).get("rule", "all-required")


@dataclass(frozen=True)
class CompetencyRow:
    """A row of the competency picker: the framework's competency, or None for a code
    the module names that the framework does not hold (kept, shown by its code)."""

    code: str
    field: str
    competency: object | None


def competency_field(code: str) -> str:
    return "c_" + code.replace(".", "_").replace("-", "_")


def module_form(framework: dict, locale: str, current: dict | None = None, **kwargs) -> ModuleForm:
    """The module form with a level select per competency of ``framework`` (code →
    competency, in the framework's order, area by area), then per code of ``current`` (the
    manifest's code → level) the framework lacks (a module copied from one made with other
    codes); a level the framework does not name is offered too, so saving keeps it."""
    current = current or {}
    rows = [CompetencyRow(code, competency_field(code), item) for code, item in framework.items()]
    rows += [
        CompetencyRow(code, competency_field(code), None)
        for code in current
        if code not in framework
    ]
    attributes: dict = {"competency_rows": tuple(rows)}
    for row in rows:
        if row.competency is None:
            label = row.code
            choices = [(n, str(n)) for n in range(1, 6)]
        else:
            label = f"{row.code} {row.competency.name(locale)}"
            choices = [(level.level, level.label(locale)) for level in row.competency.levels]
            if current.get(row.code) and current[row.code] not in dict(choices):
                choices.append((current[row.code], str(current[row.code])))
        attributes[row.field] = SelectField(
            label,
            choices=options([(0, _l("Not built")), *choices]),
            coerce=int,
            default=0,
            validators=[Optional()],
        )
    return type("ModuleForm", (ModuleForm,), attributes)(**kwargs)


class ActivityForm(Form):
    """A new activity; ``type_id`` offers the installed types written in the browser."""

    type_id = SelectField(_l("Type"), choices=[])
    key = StringField(
        _l("Key (short, unique in the module)"),
        validators=[
            DataRequired(),
            Regexp(KEY_PATTERN, message=_l("Lowercase letters, digits and dashes.")),
        ],
    )
    title_vi = StringField(_l("Title in Vietnamese"), validators=[Optional(), Length(max=200)])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)])

    def titles(self) -> dict[str, str]:
        return {code: getattr(self, f"title_{code}").data or "" for code in LOCALE_NAMES}


class MediaForm(Form):
    file = FileField(_l("Image (PNG, JPEG, GIF) or PDF, at most 5 MiB"), [FileRequired()])


class SlugForm(Form):
    slug = StringField(
        _l("Id of the copy"),
        validators=[
            DataRequired(),
            Regexp(ID_PATTERN, message=_l("Lowercase letters, digits and dashes, 3 to 64.")),
        ],
    )


class CoauthorForm(Form):
    username = StringField(
        _l("Username of the trainer"), validators=[DataRequired(), Length(max=64)]
    )


class ImportForm(Form):
    package = FileField(_l("Module zip (course plugin format, at most 25 MiB)"), [FileRequired()])


class GiftForm(Form):
    gift_file = FileField(_l("GIFT file (UTF-8 text, at most 1 MiB)"), [FileRequired()])
    language = SelectField(_l("Language of the questions"), choices=[])


# Questions --------------------------------------------------------------------------------


class OptionRow(RowForm):
    text = StringField(_l("Answer"), validators=[Optional(), Length(max=1000)])
    # A multiple-choice question's right answers are ticked (a single-choice question's
    # one is ChoiceQuestionForm.right_option); marks are then only for partial credit.
    right = BooleanField(_l("Right answer"))
    mark = DecimalField(
        _l("Mark (%)"), places=None, validators=[Optional(), NumberRange(-100, 100)]
    )
    feedback = StringField(_l("Feedback"), validators=[Optional(), Length(max=1000)])


class NumberRow(RowForm):
    value = DecimalField(_l("Answer"), places=None, validators=[Optional()])
    tolerance = DecimalField(
        _l("Accepted error (±)"), places=None, validators=[Optional(), NumberRange(0)]
    )
    mark = DecimalField(
        _l("Mark (%)"), places=None, validators=[Optional(), NumberRange(-100, 100)]
    )
    feedback = StringField(_l("Feedback"), validators=[Optional(), Length(max=1000)])


class PairRow(RowForm):
    item = StringField(_l("Item"), validators=[Optional(), Length(max=500)])
    match = StringField(_l("Its match"), validators=[Optional(), Length(max=500)])


class QuestionForm(Form):
    name = StringField(
        _l("Short name (optional, for reports)"), validators=[Optional(), Length(max=200)]
    )
    text = TextAreaField(
        _l("Question"), validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 4}
    )
    general_feedback = TextAreaField(
        _l("General feedback (shown after answering, whatever the answer)"),
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 2},
    )


MAX_OPTIONS = 10
RIGHT_OPTION_CHOICES = options((str(n), str(n + 1)) for n in range(MAX_OPTIONS))


class ChoiceQuestionForm(QuestionForm):
    options = FieldList(FormField(OptionRow), min_entries=5, max_entries=MAX_OPTIONS)
    # The right answer of a single-choice question: the index of its row, a radio button
    # in each row. Checked by ``question_from`` (nothing chosen is an error it words).
    right_option = RadioField(
        _l("Right answer"),
        choices=RIGHT_OPTION_CHOICES,
        validate_choice=False,
    )


class TrueFalseQuestionForm(QuestionForm):
    correct = SelectField(
        _l("The statement is"), choices=[("true", _l("True")), ("false", _l("False"))]
    )
    feedback_right = StringField(
        _l("Feedback for a right answer"), validators=[Optional(), Length(max=1000)]
    )
    feedback_wrong = StringField(
        _l("Feedback for a wrong answer"), validators=[Optional(), Length(max=1000)]
    )


class ShortAnswerQuestionForm(QuestionForm):
    options = FieldList(FormField(OptionRow), min_entries=4, max_entries=10)
    ignore_case = BooleanField(_l("Ignore upper and lower case"), default=True)
    ignore_diacritics = BooleanField(_l("Ignore Vietnamese diacritics"))


class NumericQuestionForm(QuestionForm):
    answers = FieldList(FormField(NumberRow), min_entries=3, max_entries=10)
    other_feedback = StringField(
        _l("Feedback for any other number"), validators=[Optional(), Length(max=1000)]
    )


class MatchingQuestionForm(QuestionForm):
    pairs = FieldList(FormField(PairRow), min_entries=5, max_entries=12)


QUESTION_FORMS = {
    "single_choice": ChoiceQuestionForm,
    "multiple_choice": ChoiceQuestionForm,
    "true_false": TrueFalseQuestionForm,
    "short_answer": ShortAnswerQuestionForm,
    "numeric": NumericQuestionForm,
    "matching": MatchingQuestionForm,
}


def gift_language_choices(form: GiftForm, languages: list[str]) -> None:
    form.language.choices = options([(code, LOCALE_NAMES.get(code, code)) for code in languages])


class ReviewForm(Form):
    unit = StringField(
        _l("Reviewing unit"),
        validators=[DataRequired(), Length(max=200)],
        description=_l('Learners read "reviewed by" this unit, e.g. "Sở Tư pháp tỉnh Lạng Sơn".'),
    )


# An activity's editor -----------------------------------------------------------------------

TITLE_LABELS = {"vi": _l("Title in Vietnamese"), "en": _l("Title in English")}
MAX_TEXT = 1000
MAX_MARKDOWN = 200_000


def _editor_field(field: AuthoringField, label):
    presence = InputRequired() if field.required else Optional()
    if field.kind == "markdown":
        return TextAreaField(
            label,
            validators=[Optional(), Length(max=MAX_MARKDOWN)],
            render_kw={"rows": 18, "class": "markdown-editor"},
        )
    if field.kind == "lines":
        return TextAreaField(
            label, validators=[presence, Length(max=MAX_TEXT * 10)], render_kw={"rows": 5}
        )
    if field.kind == "integer":
        return IntegerField(
            label, validators=[presence, NumberRange(field.minimum, field.maximum)], default=0
        )
    if field.kind == "boolean":
        return BooleanField(label)
    if field.kind == "choice":
        return SelectField(label, choices=options(field.choices))
    return StringField(label, validators=[presence, Length(max=MAX_TEXT)])


class EditorForm(Form):
    """Base of the editor a type's ``ActivityAuthoring.fields`` make (``editor_form``)."""

    authoring_fields: tuple[AuthoringField, ...] = ()

    def titles(self) -> dict[str, str]:
        return {code: getattr(self, f"title_{code}").data or "" for code in LOCALE_NAMES}

    def _value(self, field: AuthoringField, name: str):
        data = getattr(self, name).data
        if field.kind == "lines":
            return [line.strip() for line in (data or "").splitlines() if line.strip()]
        return data

    def values(self) -> dict:
        """What was typed, by authoring field: per language, a dict language → value."""
        return {
            field.name: (
                {code: self._value(field, f"{field.name}_{code}") for code in LOCALE_NAMES}
                if field.per_language
                else self._value(field, field.name)
            )
            for field in self.authoring_fields
        }

    def fill(self, title: dict, values: dict) -> None:
        for code in LOCALE_NAMES:
            getattr(self, f"title_{code}").data = title.get(code, "")
        for field in self.authoring_fields:
            value = values.get(field.name)
            if field.per_language:
                for code in LOCALE_NAMES:
                    self._set(field, f"{field.name}_{code}", (value or {}).get(code))
            else:
                self._set(field, field.name, value)

    def _set(self, field: AuthoringField, name: str, value) -> None:
        getattr(self, name).data = "\n".join(value or []) if field.kind == "lines" else value

    def markdown_texts(self) -> dict[str, str]:
        """language → the Markdown typed in the per-language Markdown fields, joined."""
        return {
            code: "\n\n".join(
                getattr(self, f"{field.name}_{code}").data or ""
                for field in self.authoring_fields
                if field.kind == "markdown" and field.per_language
            )
            for code in LOCALE_NAMES
        }


def editor_form(fields, **options) -> EditorForm:
    """The editor of an activity whose type declares ``fields``: a title per language, then
    each field (a per-language field once per language: ``<name>_<language>``)."""
    attributes: dict = {"authoring_fields": tuple(fields)}
    for code, label in TITLE_LABELS.items():
        attributes[f"title_{code}"] = StringField(label, validators=[Optional(), Length(max=200)])
    for field in fields:
        if field.per_language:
            for code, language in LOCALE_NAMES.items():
                label = _l("%(field)s (%(language)s)", field=field.label, language=language)
                attributes[f"{field.name}_{code}"] = _editor_field(field, label)
        else:
            attributes[field.name] = _editor_field(field, field.label)
    return type("ActivityEditorForm", (EditorForm,), attributes)(**options)
