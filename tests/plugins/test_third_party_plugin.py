"""The plugin contract, tested with a plugin a third party would write: ``lms-practice-scenario``
(tests/plugins/practice_scenario), installed by the test command and written only against
``lms.plugins``. A course that uses it validates, syncs, is completed and certified; with the
plugin taken out the site keeps working and says what is unavailable."""

import ast
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from lms_practice_scenario import TYPE_ID

from lms import create_app
from lms.catalogue.models import Module
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.plugins import registry_of
from lms.testing import plugin as testing
from lms.testing.courses import sync

PLUGIN = Path(__file__).parent / "practice_scenario" / "lms_practice_scenario"
COURSE = Path(__file__).parents[1] / "data" / "courses" / "practice-course"
SLUG = "practice-course"


def test_the_plugin_imports_nothing_of_lms_but_the_plugin_contract():
    imported = set()
    for path in PLUGIN.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    from_lms = {name for name in imported if name == "lms" or name.startswith("lms.")}
    assert from_lms and all(name.startswith("lms.plugins") for name in from_lms), from_lms


def test_everything_the_plugin_adds_is_registered(app):
    registry = registry_of(app)
    assert TYPE_ID in registry.activity_types
    assert registry.question_types.get("scenario-pick") is not None
    assert "minimum-done" in registry.completion_rules
    assert "practice_scenario.about" in app.view_functions
    assert "practice-scenarios" in app.cli.commands


@pytest.fixture
def course(app, tmp_path):
    folder = tmp_path / "courses"
    shutil.copytree(COURSE, folder / SLUG)
    report = sync(app, folder)
    assert report.created == [SLUG], report.failed
    return folder / SLUG


def test_the_course_validates_with_the_plugins_command_and_the_courses_command(app, course):
    runner = app.test_cli_runner()
    validated = runner.invoke(args=["courses", "validate", str(course)])
    assert validated.exit_code == 0, validated.output
    assert "0 problem(s)" in validated.output
    counted = runner.invoke(args=["practice-scenarios", "count", str(course)])
    assert counted.exit_code == 0, counted.output
    assert counted.output.strip() == f"{SLUG}: 1 practice scenario(s)"


def test_an_unknown_completion_rule_setting_is_refused_by_the_plugins_rule(app, course):
    manifest = course / "manifest.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("minimum = 2", "minimum = 0"),
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["courses", "validate", str(course)])
    assert result.exit_code != 0
    assert "manifest.toml: completion.minimum: a whole number from 1" in result.output


def _learner(factory, client, login_as):
    learner = factory.user(username="learner.scenario")
    login_as(client, learner)
    return learner


def test_a_learner_completes_the_module_through_the_scenario_and_is_certified(
    app, client, course, factory, login_as
):
    learner = _learner(factory, client, login_as)
    lesson = client.get(f"/modules/{SLUG}/doc-truoc")
    assert "<mark>đầy đủ</mark>" in lesson.get_data(as_text=True)  # the plugin's Markdown
    client.submit(f"/modules/{SLUG}/doc-truoc", {"action": "done"})
    page = client.get(f"/modules/{SLUG}/tinh-huong").get_data(as_text=True)
    assert "<mark>thiếu giấy tờ</mark>" in page and 'name="pick"' in page
    wrong = client.submit(f"/modules/{SLUG}/tinh-huong", {"action": "check", "pick": "1"})
    assert wrong.status_code == 302
    assert "Not this one" in client.get(wrong.location).get_data(as_text=True)
    with app.app_context():
        assert not _certificates(learner)
    right = client.submit(f"/modules/{SLUG}/tinh-huong", {"action": "check", "pick": "2"})
    assert right.status_code == 302
    overview = client.get(f"/modules/{SLUG}").get_data(as_text=True)
    assert "practice-scenarios" in overview  # the plugin's module-sidebar hook
    with app.app_context():
        assert len(_certificates(learner)) == 1
    assert client.get("/practice-scenarios/").status_code == 200  # the plugin's blueprint


def test_an_answer_no_option_has_is_refused(app, client, course, factory, login_as):
    _learner(factory, client, login_as)
    response = client.submit(f"/modules/{SLUG}/tinh-huong", {"action": "check", "pick": "9"})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "flash-error" in page  # the answer is refused, nothing recorded
    assert "checked>" not in page


def _certificates(user) -> list:
    return db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user.id)).all()


@pytest.fixture
def without_plugin(app, tmp_path):
    """The same site and database, the application built with the plugin taken out (as if
    it were uninstalled): it shares the test's connection, so it sees the same rows."""
    bare = create_app(
        {
            **testing.testing_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance"),
            "LMS_DISABLED_PLUGINS": ["practice_scenario"],
        }
    )
    bare.test_client_class = testing.Client
    with app.app_context():
        connection = db.engines[None]
    with bare.app_context():
        engines = db.engines
        engine = engines[None]
        engines[None] = connection
    try:
        yield bare
    finally:
        with bare.app_context():
            db.session.remove()
            engines[None] = engine
            engine.dispose()


def test_without_the_plugin_the_module_is_marked_unavailable_not_broken(
    app, client, course, factory, login_as, without_plugin
):
    learner = _learner(factory, client, login_as)
    client.submit(f"/modules/{SLUG}/doc-truoc", {"action": "done"})
    assert TYPE_ID not in registry_of(without_plugin).activity_types
    visitor = without_plugin.test_client()
    login_as(visitor, learner)
    overview = visitor.get(f"/modules/{SLUG}")
    assert overview.status_code == 200
    text = overview.get_data(as_text=True)
    assert "module-unavailable" in text and "Tình huống: hồ sơ thiếu giấy tờ" in text
    activity = visitor.get(f"/modules/{SLUG}/tinh-huong")
    assert activity.status_code == 200
    assert visitor.get("/practice-scenarios/").status_code == 404
    assert visitor.get("/").status_code == 200
    with without_plugin.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.slug == SLUG))
        assert module is not None and module.retired_at is None
