"""Practice scenarios: a plugin written only against ``lms.plugins``, the plugin contract.

A scenario is a short text and a checkpoint question with a few options; it is done once the
learner picks the right one. Its manifest table::

    [[activities]]
    key = "counter"
    type = "practice-scenario"
    title = {vi = "...", en = "..."}
    scenario = {vi = "Markdown...", en = "..."}
    question = {vi = "...", en = "..."}
    options = {vi = ["...", "..."], en = ["...", "..."]}
    answer = 2  # the right option, counted from 1
"""

from dataclasses import dataclass
from pathlib import Path

import click
from flask import Blueprint, render_template, url_for
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from markdown.extensions import Extension
from markdown.inlinepatterns import SimpleTagInlineProcessor
from markupsafe import Markup

from lms.plugins import hookimpl, registry
from lms.plugins.activity import (
    AuthoringField,
    Capability,
    CourseFiles,
    ParseContext,
    Parsed,
    Problem,
)
from lms.plugins.manifest import load_course
from lms.plugins.question import Graded, InvalidResponse

TYPE_ID = "practice-scenario"
QUESTION_TYPE = "scenario-pick"
TEXTS = ("scenario", "question")


@dataclass(frozen=True)
class Checkpoint:
    """The scenario's question, as the question-type contract sees a question."""

    text: str
    data: dict
    type_id: str = QUESTION_TYPE
    text_format: str = "plain"
    weight: float = 1.0
    general_feedback: str = ""


class ScenarioPick:
    """One option to pick among a few; right or not."""

    type_id = QUESTION_TYPE
    label = _l("Scenario checkpoint")

    def parse_response(self, question, values: list[str]):
        if not values or not values[0]:
            return None
        if not values[0].isdigit() or not 1 <= int(values[0]) <= len(question.data["options"]):
            raise InvalidResponse(_l("This answer is not one of the question's options."))
        return int(values[0])

    def grade(self, question, response) -> Graded:
        return Graded(1.0 if response == question.data["answer"] else 0.0)

    def public(self, question, rng=None) -> dict:
        return {
            "type": question.type_id,
            "text": question.text,
            "text_format": question.text_format,
            "weight": question.weight,
            "options": list(question.data["options"]),
        }

    def correct_answers(self, question) -> list[str]:
        return [question.data["options"][question.data["answer"] - 1]]


class ScenarioAuthoring:
    url_segment = "scenarios"
    fields = (
        AuthoringField("scenario", _l("Scenario (Markdown)"), kind="markdown", per_language=True),
        AuthoringField("question", _l("Checkpoint question"), per_language=True),
        AuthoringField("options", _l("Options, one a line"), kind="lines", per_language=True),
        AuthoringField(
            "answer",
            _l("The right option (its number)"),
            kind="integer",
            required=True,
            minimum=1,
            maximum=10,
        ),
    )

    def new(self, key: str, languages: list[str]) -> tuple[dict, dict[str, str]]:
        empty = {language: "" for language in languages}
        return {
            "scenario": dict(empty),
            "question": dict(empty),
            "options": {language: [] for language in languages},
            "answer": 1,
        }, {}

    def to_form(self, table: dict, files, languages: list[str]) -> dict:
        return {name: table.get(name) for name in ("scenario", "question", "options", "answer")}

    def from_form(self, table: dict, values: dict, languages: list[str]):
        fields = {
            name: {language: values[name].get(language) or "" for language in languages}
            for name in TEXTS
        }
        fields["options"] = {
            language: values["options"].get(language) or [] for language in languages
        }
        fields["answer"] = values["answer"]
        return fields, {}

    def files(self, table: dict, languages: list[str]) -> list[str]:
        return []

    def problems(self, table: dict, files, languages: list[str]) -> list:
        return [
            Problem("manifest.toml", table["key"], "the scenario has no text")
            for language in languages
            if not str(table.get("scenario", {}).get(language, "")).strip()
        ]


class PracticeScenario:
    type_id = TYPE_ID
    label = _l("Practice scenario")
    capabilities = frozenset({Capability.AUTHORABLE})

    def __init__(self):
        self.authoring = ScenarioAuthoring()

    def parse(self, table: dict, files: CourseFiles, context: ParseContext) -> Parsed:
        parsed = Parsed()
        languages = context.course.languages
        source = {name: table.get(name) for name in (*TEXTS, "options", "answer")}
        for name in TEXTS:
            texts = source[name]
            if not isinstance(texts, dict) or not all(
                isinstance(texts.get(language), str) and texts[language].strip()
                for language in languages
            ):
                parsed.problems.append(context.problem(name, "a text in every language"))
        options = source["options"]
        counts = {
            len(options.get(language) or []) if isinstance(options, dict) else 0
            for language in languages
        }
        if len(counts) != 1 or min(counts) < 2:
            parsed.problems.append(
                context.problem("options", "the same two or more options in every language")
            )
        answer = source["answer"]
        if (
            not isinstance(answer, int)
            or isinstance(answer, bool)
            or not 1 <= answer <= max(counts)
        ):
            parsed.problems.append(context.problem("answer", "the number of an option"))
        if QUESTION_TYPE not in context.question_types:
            parsed.problems.append(
                context.problem("type", f"the question type {QUESTION_TYPE!r} is not installed")
            )
        if parsed.problems:
            return parsed
        html = {}
        for language in languages:
            html[language], problems = context.markdown(
                source["scenario"][language], "manifest.toml"
            )
            parsed.problems += problems
        parsed.content = {"source": source, "html": html}
        return parsed

    def export(self, content: dict) -> tuple[dict, dict[str, str]]:
        return dict(content["source"]), {}

    def _checkpoint(self, activity, locale: str) -> Checkpoint:
        source = activity.content["source"]
        language = locale if locale in source["question"] else next(iter(source["question"]))
        return Checkpoint(
            text=source["question"][language],
            data={"options": source["options"][language], "answer": source["answer"]},
        )

    def render(self, activity, state: dict, runtime) -> str:
        html = activity.content["html"]
        checkpoint = self._checkpoint(activity, runtime.locale)
        return render_template(
            "practice_scenario/scenario.html",
            html=html.get(runtime.locale) or next(iter(html.values())),
            question=registry().question_types.get(QUESTION_TYPE).public(checkpoint),
            picked=state.get("picked"),
            done=self.is_completed(activity, state),
            runtime=runtime,
        )

    def handle(self, activity, state: dict, form, runtime) -> dict:
        question_type = registry().question_types.get(QUESTION_TYPE)
        checkpoint = self._checkpoint(activity, runtime.locale)
        picked = question_type.parse_response(checkpoint, form.getlist("pick"))
        right = question_type.grade(checkpoint, picked).fraction == 1.0
        return {**state, "picked": picked, "done": bool(state.get("done")) or right}

    def refresh(self, activity, state: dict, runtime) -> dict:
        return state

    def progress(self, activity, state: dict) -> float:
        return 1.0 if self.is_completed(activity, state) else 0.0

    def is_completed(self, activity, state: dict) -> bool:
        return bool(state.get("done"))

    def score(self, activity, state: dict) -> float | None:
        return None


class MinimumDone:
    """Complete once ``minimum`` activities are done, whichever they are."""

    name = "minimum-done"
    label = _l("A number of activities done, whichever they are")

    def check(self, table: dict) -> list[Problem]:
        minimum = table.get("minimum")
        if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
            return [Problem("manifest.toml", "completion.minimum", "a whole number from 1")]
        return []

    def holds(self, table: dict, activities, completed) -> bool:
        return len(completed) >= min(table["minimum"], len(activities))


class MarkExtension(Extension):
    """``==words==`` marks words (``<mark>``), as a highlighter on paper."""

    def extendMarkdown(self, md):
        md.inlinePatterns.register(SimpleTagInlineProcessor(r"(==)(.+?)==", "mark"), "mark", 175)


bp = Blueprint(
    "practice_scenario",
    __name__,
    url_prefix="/practice-scenarios",
    template_folder=str(Path(__file__).parent / "templates"),
)


@bp.route("/")
def about():
    return render_template("practice_scenario/about.html")


practice_cli = AppGroup("practice-scenarios", help="Practice scenarios (a plugin).")


@practice_cli.command("count")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def count_command(folder: Path):
    """Check the course in FOLDER and print how many practice scenarios it has."""
    course, problems = load_course(folder, registry())
    if course is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1)
    scenarios = sum(spec.type_id == TYPE_ID for spec in course.activities)
    click.echo(f"{course.id}: {scenarios} practice scenario(s)")


@hookimpl
def lms_activity_types():
    return [PracticeScenario()]


@hookimpl
def lms_question_types():
    return [ScenarioPick()]


@hookimpl
def lms_completion_rules():
    return [MinimumDone()]


@hookimpl
def lms_markdown_extensions():
    return [MarkExtension()]


@hookimpl
def lms_template_hook(name, context):
    if name == "module-sidebar":
        return Markup('<p class="practice-scenarios"><a href="{}">{}</a></p>').format(
            url_for("practice_scenario.about"), _l("How practice scenarios work")
        )
    return None


@hookimpl
def lms_blueprints():
    return [bp]


@hookimpl
def lms_cli():
    return [practice_cli]
