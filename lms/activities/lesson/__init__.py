"""The ``lesson`` activity type: a Markdown page per language, done when the learner says so.

Opening a page proves nothing, so a lesson counts as done only after an explicit
"mark as done" at its end.
"""

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.markdown import is_remote, scrollable_tables
from lms.core.markdown import render as render_markdown
from lms.plugins import hookimpl
from lms.plugins.activity import Parsed, Problem

LESSON_FOLDER = "lessons"


class LessonActivity:
    type_id = "lesson"
    label = _l("Lesson")

    def parse(self, table: dict, files, course, *, where: str, extensions=()) -> Parsed:
        file = table.get("file")
        if not isinstance(file, str) or "/" in file or not file.endswith(".md"):
            return Parsed(problems=[Problem("manifest.toml", f"{where}.file", "a .md file name")])
        parsed = Parsed(content={"file": file, "source": {}, "html": {}})
        for language in course.languages:
            path = f"{LESSON_FOLDER}/{language}/{file}"
            if not files.exists(path):
                parsed.problems.append(Problem(path, f"{where}.file", "lesson file not found"))
                continue
            text = files.read_text(path)
            parsed.content["source"][language] = text
            parsed.content["html"][language] = render_markdown(
                text,
                media_url=self._media_url(course, path, parsed.problems),
                refused_image=self._refused_image(path, parsed.problems),
                extensions=extensions,
                language=language,
            )
        return parsed

    @staticmethod
    def _media_url(course, lesson_path: str, problems: list):
        def media_url(path: str) -> str | None:
            if path not in course.media:
                problems.append(Problem(lesson_path, "(image)", f"media/{path} not found"))
                return None
            return course.media_path(path)

        return media_url

    @staticmethod
    def _refused_image(lesson_path: str, problems: list):
        def refused_image(source: str) -> None:
            message = (
                _l("remote images are not allowed; put the file in media/")
                if is_remote(source)
                else _l("images come from the course's media/ folder, linked relatively")
            )
            problems.append(Problem(lesson_path, "(image)", message))

        return refused_image

    def export(self, content: dict) -> tuple[dict, dict[str, str]]:
        files = {
            f"{LESSON_FOLDER}/{language}/{content['file']}": text
            for language, text in content["source"].items()
        }
        return {"file": content["file"]}, files

    def render(self, activity, state: dict, runtime) -> str:
        html = activity.content["html"]
        return render_template(
            "lesson/lesson_activity.html",
            html=scrollable_tables(
                html.get(runtime.locale) or next(iter(html.values()), ""),
                _("Table (scrolls sideways on small screens)"),
            ),
            done=self.is_completed(activity, state),
            runtime=runtime,
        )

    def handle(self, activity, state: dict, form, runtime) -> dict:
        if form.get("action") == "done":
            return {**state, "done": True}
        if form.get("action") == "undo":
            return {**state, "done": False}
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
