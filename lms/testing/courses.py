"""Course plugin folders for tests: written to disk, synced through the real pipeline."""

from pathlib import Path

import tomli_w

from lms.activities.lesson import LessonActivity
from lms.activities.quiz import QuizActivity


def write_course(
    folder: Path,
    course_id: str,
    *,
    lessons: int = 3,
    title_vi: str | None = None,
    lesson_text: str = "Nội dung bài học số {n}.",
    quiz: str | None = None,
) -> Path:
    """A valid course with ``lessons`` lessons in Vietnamese and English under ``folder``;
    with ``quiz`` (a GIFT bank, for both languages), then a quiz ``check`` of those
    questions in bank order, 70% to pass."""
    root = folder / course_id
    for language in ("vi", "en"):
        (root / "lessons" / language).mkdir(parents=True, exist_ok=True)
    activities = []
    for n in range(1, lessons + 1):
        file = f"{n:02d}-lesson-{n}.md"
        (root / "lessons" / "vi" / file).write_text(
            f"## Bài {n}\n\n{lesson_text.format(n=n)}\n", encoding="utf-8"
        )
        (root / "lessons" / "en" / file).write_text(
            f"## Lesson {n}\n\nLesson {n}.\n", encoding="utf-8"
        )
        activities.append(
            {
                "key": f"lesson-{n}",
                "type": LessonActivity.type_id,
                "file": file,
                "title": {"vi": f"Bài {n}", "en": f"Lesson {n}"},
            }
        )
    if quiz is not None:
        (root / "banks").mkdir(exist_ok=True)
        for language in ("vi", "en"):
            (root / "banks" / f"check.{language}.gift").write_text(quiz, encoding="utf-8")
        activities.append(
            {
                "key": "check",
                "type": QuizActivity.type_id,
                "bank": "check",
                "pass_mark": 70,
                "shuffle_questions": False,
                "title": {"vi": "Bài kiểm tra", "en": "Quiz"},
            }
        )
    manifest = {
        "schema": 1,
        "id": course_id,
        "version": "1.0.0",
        "languages": ["vi", "en"],
        "estimated_minutes": 10 * lessons,
        "review_required": False,
        "title": {"vi": title_vi or f"Học phần {course_id}", "en": f"Module {course_id}"},
        "summary": {"vi": "Tóm tắt.", "en": "Summary."},
        "competencies": [{"code": "DG.1", "level": 1}],
        "completion": {"rule": "all-required"},
        "activities": activities,
    }
    (root / "manifest.toml").write_text(tomli_w.dumps(manifest), encoding="utf-8")
    return root


def sync(app, *course_dirs) -> object:
    """Sync the courses under ``course_dirs`` into the test database; returns the report."""
    from lms.catalogue.services import sync_courses
    from lms.extensions import db
    from lms.plugins import registry
    from lms.plugins.courses import discover

    with app.app_context():
        report = sync_courses(*discover([str(d) for d in course_dirs]), registry())
        db.session.commit()
    return report
