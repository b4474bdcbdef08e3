import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.catalogue.models import Module, ModuleVersion
from lms.extensions import db
from lms.plugins import registry
from lms.plugins.manifest import load_course
from lms.testing.courses import sync, write_course

SAMPLE = Path(__file__).parents[1] / "data" / "courses" / "sample-course"


@pytest.fixture
def courses(tmp_path):
    folder = tmp_path / "courses"
    shutil.copytree(SAMPLE, folder / "sample-course")
    return folder


def versions(app, slug):
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(ModuleVersion.number)
                .join(Module)
                .where(Module.slug == slug)
                .order_by(ModuleVersion.number)
            )
        )


def test_sync_is_idempotent_by_content_hash(app, courses):
    first = sync(app, courses)
    assert first.created == ["sample-course"] and first.ok
    second = sync(app, courses)
    assert second.unchanged == ["sample-course"] and not second.created and not second.updated
    assert versions(app, "sample-course") == [1]


def test_editing_one_lesson_makes_exactly_one_new_version(app, courses):
    sync(app, courses)
    lesson = courses / "sample-course" / "lessons" / "vi" / "02-signing-a-document.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nBước 4: lưu trữ.\n", encoding="utf-8")
    report = sync(app, courses)
    assert report.updated == ["sample-course"]
    assert versions(app, "sample-course") == [1, 2]
    assert sync(app, courses).unchanged == ["sample-course"]


def test_reformatting_the_manifest_changes_nothing(app, courses):
    sync(app, courses)
    manifest = courses / "sample-course" / "manifest.toml"
    manifest.write_text(
        "# reformatted\n\n" + manifest.read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert sync(app, courses).unchanged == ["sample-course"]


def test_a_course_that_disappears_is_retired_with_its_history(
    app, courses, client, factory, login_as
):
    sync(app, courses)
    learner = factory.user()
    login_as(client, learner)
    client.get("/modules/sample-course/what-is-a-signature")
    shutil.rmtree(courses / "sample-course")
    assert sync(app, courses).retired == ["sample-course"]
    assert "sample-course" not in client.get("/catalogue").get_data(as_text=True)
    assert client.get("/modules/sample-course").status_code == 200, "a started learner keeps it"
    newcomer = app.test_client()
    login_as(newcomer, factory.user())
    assert newcomer.get("/modules/sample-course").status_code == 404
    write_course(courses, "sample-course")
    assert sync(app, courses).updated == ["sample-course"], "it comes back as a new version"


def test_export_reimports_to_the_same_hash(app, courses, tmp_path):
    sync(app, courses)
    with app.app_context():
        from lms.catalogue.services import export_module

        folder = export_module("sample-course", tmp_path / "export", registry())
        original, _ = load_course(courses / "sample-course", registry())
        exported, problems = load_course(folder, registry())
    assert problems == []
    assert exported.content_hash == original.content_hash
    assert not list(folder.rglob("*.py"))


def test_discovery_reports_one_id_claimed_twice(app, courses, tmp_path):
    other = tmp_path / "more"
    shutil.copytree(SAMPLE, other / "copy")
    report = sync(app, courses, other)
    message = str(report.failed["(discovery)"][0])
    assert "courses/sample-course" in message and "more/copy" in message
    assert not report.created


def test_courses_from_installed_distributions_are_discovered(app, monkeypatch, tmp_path):
    import types

    from lms.plugins import courses as discovery

    package = write_course(tmp_path / "site", "packaged-course")
    (package / "__init__.py").write_text("")
    module = types.SimpleNamespace(__file__=str(package / "__init__.py"))
    entry_point = types.SimpleNamespace(
        load=lambda: module,
        dist=types.SimpleNamespace(name="lms-course-packaged"),
        value="packaged_course",
    )
    monkeypatch.setattr(
        discovery, "entry_points", lambda group: [entry_point] if group == "lms.courses" else []
    )
    sources, problems = discovery.discover([])
    assert problems == []
    assert [(s.id, s.origin) for s in sources] == [
        ("packaged-course", "package:lms-course-packaged")
    ]
