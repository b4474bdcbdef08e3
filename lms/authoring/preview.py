"""A module as learners will see it, from its draft or from any version, recording nothing.

What an activity shows depends on what its type can do: a text to read
(``Capability.READING``) goes through ``lms.core.markdown.render``, the one path every
lesson takes when it is published, so the preview shows what learners get (only the address
of draft media differs: they are served to the module's authors until the draft is
published); a question bank (``Capability.GRADED``) is shown as questions graded on the
page; any other type renders itself with a preview runtime, in which nothing is recorded.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from lms.assessment import gift
from lms.assessment.questions import Question
from lms.assessment.services import bank_path
from lms.authoring.services import DraftView, authoring_of, check
from lms.catalogue.models import Activity, ModuleVersion
from lms.core.markdown import render as render_markdown
from lms.extensions import db
from lms.plugins import Registry, markdown_extensions, registry
from lms.plugins.activity import Capability

READING, GRADED, RENDERED, MISSING = "reading", "graded", "rendered", "missing"


@dataclass
class PreviewActivity:
    key: str
    type_id: str
    titles: dict
    kind: str = MISSING
    html: dict = field(default_factory=dict)  # reading: language → sanitised HTML
    banks: dict = field(default_factory=dict)  # graded: language → [Question]
    content: dict | None = None  # rendered: what the type stores (None: it does not parse)
    problems: list = field(default_factory=list)
    id: int = 0  # nothing is recorded against a previewed activity

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or next(iter(self.titles.values()), "")


def _kind(registry: Registry, type_id: str) -> str:
    if registry.can(type_id, Capability.READING):
        return READING
    if registry.can(type_id, Capability.GRADED):
        return GRADED
    return RENDERED if registry.activity_type(type_id) is not None else MISSING


def draft_media_url(slug: str, media: dict[str, str]):
    def media_url(path: str) -> str | None:
        digest = media.get(path)
        if digest is None:
            return None
        return f"/authoring/modules/{slug}/media/{digest[:16]}/{path}"

    return media_url


def lesson_html(slug: str, text: str, media: dict[str, str], language: str) -> str:
    return render_markdown(
        text,
        media_url=draft_media_url(slug, media),
        extensions=markdown_extensions(registry().manager),
        language=language,
    )


def _markdown_texts(table: dict, view: DraftView) -> dict[str, str]:
    """language → the draft's Markdown of the activity (its per-language Markdown fields)."""
    authoring = authoring_of(table["type"])
    if authoring is None:
        return {}
    languages = view.manifest["languages"]
    values = authoring.to_form(table, view.files, languages)
    markdown = [f.name for f in authoring.fields if f.kind == "markdown" and f.per_language]
    return {
        language: "\n\n".join(values[name].get(language, "") for name in markdown)
        for language in languages
    }


def of_draft(slug: str, view: DraftView, registry: Registry) -> list[PreviewActivity]:
    activities = []
    for table in view.activities:
        activity = PreviewActivity(table["key"], table["type"], table["title"])
        activity.kind = _kind(registry, table["type"])
        if activity.kind == READING:
            for language, text in _markdown_texts(table, view).items():
                activity.html[language] = lesson_html(slug, text, view.media, language)
        elif activity.kind == GRADED:
            for language in view.manifest["languages"]:
                text = view.files.get(bank_path(table["bank"], language), "")
                try:
                    activity.banks[language] = gift.parse(text) if text.strip() else []
                except gift.GiftError as error:
                    activity.problems += error.problems
        activities.append(activity)
    return activities


def draft_content(view: DraftView, key: str, registry: Registry) -> dict | None:
    """The content the draft's activity ``key`` would be published with; None while the
    draft does not pass the checks publishing runs."""
    course, problems = check(view, registry)
    if course is None or problems:
        return None
    return next((spec.content for spec in course.activities if spec.key == key), None)


def of_version(version: ModuleVersion, registry: Registry) -> list[PreviewActivity]:
    activities = []
    rows = db.session.scalars(
        sa.select(Activity).where(Activity.version_id == version.id).order_by(Activity.position)
    )
    for row in rows:
        activity = PreviewActivity(row.key, row.type_id, row.titles, id=row.id)
        activity.kind = _kind(registry, row.type_id)
        if activity.kind == READING:
            activity.html = dict(row.content.get("html", {}))
        elif activity.kind == GRADED:
            activity.banks = {
                language: [Question.from_dict(q) for q in questions]
                for language, questions in row.content.get("banks", {}).items()
            }
        else:
            activity.content = row.content
        activities.append(activity)
    return activities
