"""A draft's problems: messages in the reader's language, and no publishing while any
remains (the button is disabled and says why; the server refuses too)."""

import shutil
from pathlib import Path

import sqlalchemy as sa
from authoring_helpers import post, text_of
from flask_babel import force_locale, gettext
from flask_babel.speaklater import LazyString

from lms.accounts.models import User
from lms.authoring import packages
from lms.catalogue.models import Module, ModuleVersion
from lms.extensions import db
from lms.plugins import registry
from lms.plugins.manifest import load_course

QUIZ_COURSE = Path(__file__).parents[1] / "data" / "courses" / "quiz-course"


def _new_module(client, slug: str) -> str:
    response = post(
        client,
        "/authoring/modules/new",
        {
            "slug": slug,
            "languages": ["vi"],
            "title_vi": "Học phần chưa có hoạt động",
            "summary_vi": "Chưa có gì.",
            "estimated_minutes": "20",
            "completion_rule": "all-required",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return f"/authoring/modules/{slug}"


def test_a_draft_with_problems_cannot_be_published(app, client, people, login_as):
    with app.app_context():
        db.session.get(User, people.trainer.id).locale = "en"
        db.session.commit()
    login_as(client, people.trainer)
    base = _new_module(client, "chua-co-gi")
    page = client.get(base).get_data(as_text=True)
    assert "<code>manifest.toml</code>: activities: add at least one activity" in page
    assert 'disabled aria-describedby="publish-blocked"' in page
    assert "Publishing is possible once the problem listed above is fixed." in text_of(
        client.get(base)
    )
    refused = post(client, f"{base}/publish")
    assert refused.status_code == 422
    assert "add at least one activity" in refused.get_data(as_text=True)
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.slug == "chua-co-gi"))
        versions = sa.select(sa.func.count()).where(ModuleVersion.module_id == module.id)
        assert db.session.scalar(versions) == 0
    # With an activity the problem is gone and the button works.
    post(client, f"{base}/activities", {"type_id": "lesson", "key": "bai-1", "title_vi": "Bài 1"})
    page = client.get(base).get_data(as_text=True)
    assert "add at least one activity" not in page and "publish-blocked" in page  # no text yet


def test_the_problems_page_speaks_the_readers_language(app, client, people, login_as):
    login_as(client, people.trainer)  # reads Vietnamese
    base = _new_module(client, "tieng-viet")
    with app.test_request_context(), force_locale("vi"):
        expected = gettext("add at least one activity")
    assert f"activities: {expected}" in client.get(base).get_data(as_text=True)


def test_every_problem_of_a_course_is_a_message_to_translate(app, tmp_path):
    root = shutil.copytree(QUIZ_COURSE, tmp_path / "quiz-course")
    manifest = root / "manifest.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        .replace("schema = 1", "schema = 2")
        .replace('version = "1.0.0"', "version = 1")
        .replace("estimated_minutes = 15", "estimated_minutes = 0")
        .replace("review_required = true", 'review_required = "yes"\nreview_by = "soon"')
        .replace('rule = "all-required"', 'rule = "every-tuesday"')
        .replace('file = "01-reading.md"', 'file = "02-missing.md"')
        .replace("pass_mark = 70", "pass_mark = 170")
        .replace('grading = "highest"', 'grading = "average"')
        .replace("shuffle_options = true", 'shuffle_options = "yes"')
        .replace('[activities.title]\nvi = "Bài kiểm tra"', '[activities.title]\nvi = ""')
        + '\n[[activities]]\nkey = "check"\ntype = "video"\n'
        + '\n[[activities]]\nkey = "lop"\ntype = "session"\ntag = "Lop Hoc"\n',
        encoding="utf-8",
    )
    (root / "media").mkdir(exist_ok=True)
    (root / "media" / "fake.png").write_text("<script>alert(1)</script>")
    (root / "media" / "notes.txt").write_text("x")
    (root / "helper.py").write_text("import os\n")
    with app.app_context():
        _, problems = load_course(root, registry())
    problems += packages.unzip(b"not a zip", tmp_path / "unzipped")
    assert len(problems) >= 15
    raw = [str(problem) for problem in problems if not isinstance(problem.message, LazyString)]
    assert raw == []
