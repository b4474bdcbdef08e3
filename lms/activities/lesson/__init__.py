"""The ``lesson`` activity type: a Markdown page per language, done when the learner says so.

Opening a page proves nothing, so a lesson counts as done only after an explicit
"mark as done" at its end.
"""

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.cache import immutable
from lms.core.markdown import scrollable_tables
from lms.plugins import hookimpl
from lms.plugins.activity import (
    AuthoringField,
    Capability,
    CourseFiles,
    ParseContext,
    Parsed,
    Problem,
)

LESSON_FOLDER = "lessons"


def lesson_path(file: str, language: str) -> str:
    return f"{LESSON_FOLDER}/{language}/{file}"


class LessonAuthoring:
    """A lesson in the browser: its Markdown text per language, in ``lessons/``."""

    url_segment = "lessons"
    fields = (
        AuthoringField("text", _l("Lesson text (Markdown)"), kind="markdown", per_language=True),
    )

    def new(self, key: str, languages: list[str]) -> tuple[dict, dict[str, str]]:
        file = f"{key}.md"
        return {"file": file}, {lesson_path(file, language): "" for language in languages}

    def to_form(self, table: dict, files, languages: list[str]) -> dict:
        paths = {language: lesson_path(table["file"], language) for language in languages}
        return {"text": {language: files.get(path, "") for language, path in paths.items()}}

    def from_form(
        self, table: dict, values: dict, languages: list[str]
    ) -> tuple[dict, dict[str, str]]:
        texts = values["text"]
        return {}, {
            lesson_path(table["file"], language): (texts.get(language) or "").replace("\r\n", "\n")
            for language in languages
        }

    def files(self, table: dict, languages: list[str]) -> list[str]:
        return [lesson_path(table["file"], language) for language in languages]

    def problems(self, table: dict, files, languages: list[str]) -> list:
        return [
            Problem(path, table["key"], _l("the lesson has no text"))
            for path in self.files(table, languages)
            if not files.get(path, "")
        ]


class LessonActivity:
    type_id = "lesson"
    label = _l("Lesson")
    capabilities = frozenset({Capability.READING, Capability.AUTHORABLE})

    def __init__(self):
        self.authoring = LessonAuthoring()

    def parse(self, table: dict, files: CourseFiles, context: ParseContext) -> Parsed:
        file = table.get("file")
        if not isinstance(file, str) or "/" in file or not file.endswith(".md"):
            return Parsed(problems=[context.problem("file", _l("a .md file name"))])
        parsed = Parsed(content={"file": file, "source": {}, "html": {}})
        for language in context.course.languages:
            path = lesson_path(file, language)
            if not files.exists(path):
                parsed.problems.append(context.problem("file", _l("lesson file not found"), path))
                continue
            text = files.read_text(path)
            parsed.content["source"][language] = text
            parsed.content["html"][language], problems = context.markdown(text, path, language)
            parsed.problems += problems
        return parsed

    def export(self, content: dict) -> tuple[dict, dict[str, str]]:
        files = {
            lesson_path(content["file"], language): text
            for language, text in content["source"].items()
        }
        return {"file": content["file"]}, files

    def render(self, activity, state: dict, runtime) -> str:
        return render_template(
            "lesson/lesson_activity.html",
            # The lesson's content never changes under its hash: its HTML is made ready once,
            # and a view after that loads no content at all.
            html=immutable(
                f"lesson:{activity.content_hash}:{runtime.locale}",
                lambda: self._page_html(activity, runtime.locale),
            ),
            done=self.is_completed(activity, state),
            runtime=runtime,
        )

    def _page_html(self, activity, locale: str) -> str:
        html = activity.content["html"]
        return scrollable_tables(
            html.get(locale) or next(iter(html.values()), ""),
            _("Table (scrolls sideways on small screens)"),
        )

    def handle(self, activity, state: dict, form, runtime) -> dict:
        if form.get("action") == "done":
            return {**state, "done": True}
        if form.get("action") == "undo":
            return {**state, "done": False}
        return state

    def refresh(self, activity, state: dict, runtime) -> dict:
        return state

    def progress(self, activity, state: dict) -> float:
        return 1.0 if self.is_completed(activity, state) else 0.0

    def is_completed(self, activity, state: dict) -> bool:
        return bool(state.get("done"))

    def score(self, activity, state: dict) -> float | None:
        return None


@hookimpl
def lms_activity_types():
    return [LessonActivity()]


@hookimpl
def lms_markdown_extensions():
    # Abbreviations, which administrative Vietnamese is full of: "*[UBND]: Ủy ban nhân dân"
    # below a lesson's text makes each UBND in it an <abbr> that names it in full.
    return ["abbr"]
