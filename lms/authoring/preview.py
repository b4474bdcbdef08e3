"""A module as learners will see it, from its draft or from any version, recording nothing.

Lessons go through ``lms.core.markdown.render``, the one path every lesson takes when it is
published, so the preview shows what learners get; only the address of draft media differs
(they are served to the module's authors until the draft is published).
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from lms.assessment import gift
from lms.assessment.questions import Question
from lms.assessment.services import bank_path
from lms.authoring.services import LESSON, QUIZ, DraftView, lesson_path
from lms.catalogue.models import Activity, ModuleVersion
from lms.core.markdown import render as render_markdown
from lms.extensions import db
from lms.plugins import markdown_extensions, registry


@dataclass
class PreviewActivity:
    key: str
    type_id: str
    titles: dict
    html: dict = field(default_factory=dict)  # lesson: language → sanitised HTML
    banks: dict = field(default_factory=dict)  # quiz: language → [Question]
    problems: list = field(default_factory=list)

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or next(iter(self.titles.values()), "")


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


def of_draft(slug: str, view: DraftView) -> list[PreviewActivity]:
    activities = []
    for table in view.activities:
        activity = PreviewActivity(table["key"], table["type"], table["title"])
        for language in view.manifest["languages"]:
            if table["type"] == LESSON:
                text = view.files.get(lesson_path(table, language), "")
                activity.html[language] = lesson_html(slug, text, view.media, language)
            elif table["type"] == QUIZ:
                text = view.files.get(bank_path(table["bank"], language), "")
                try:
                    activity.banks[language] = gift.parse(text) if text.strip() else []
                except gift.GiftError as error:
                    activity.problems += error.problems
        activities.append(activity)
    return activities


def of_version(version: ModuleVersion) -> list[PreviewActivity]:
    activities = []
    rows = db.session.scalars(
        sa.select(Activity).where(Activity.version_id == version.id).order_by(Activity.position)
    )
    for row in rows:
        activity = PreviewActivity(row.key, row.type_id, row.titles)
        if row.type_id == LESSON:
            activity.html = dict(row.content.get("html", {}))
        elif row.type_id == QUIZ:
            activity.banks = {
                language: [Question.from_dict(q) for q in questions]
                for language, questions in row.content.get("banks", {}).items()
            }
        activities.append(activity)
    return activities
