"""Plugins are checked against the contracts while they load: a wrong one stops start-up
with a message naming the plugin, its file and the member; a course that names what no
plugin provides is refused with ``file: field: message``."""

import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale

from lms import plugins
from lms.plugins import PluginError, hookimpl, load
from lms.plugins.activity import Capability, Parsed
from lms.plugins.manifest import load_course
from lms.testing.courses import write_course


def _english(problem) -> str:
    """A problem as ``file: field: message``, its message in English."""
    with force_locale("en"):
        return str(problem)


class OldStyleActivity:
    """Written to the contract, but with ``parse`` as the core once called it."""

    type_id = "old-style"
    label = "Old style"
    capabilities = frozenset()
    authoring = None

    def parse(self, table, files, course, *, where):
        return Parsed()

    def export(self, content):
        return {}, {}

    def render(self, activity, state, runtime):
        return ""

    def handle(self, activity, state, form, runtime):
        return state

    def refresh(self, activity, state, runtime):
        return state

    def progress(self, activity, state):
        return 0.0

    def is_completed(self, activity, state):
        return False

    def score(self, activity, state):
        return None


class WrongPlugin:
    @hookimpl
    def lms_activity_types(self):
        return [OldStyleActivity()]


class MisspeltHook:
    @hookimpl
    def lms_activity_type(self):
        return []


class AuthorableWithoutAuthoring(OldStyleActivity):
    capabilities = frozenset({Capability.AUTHORABLE})

    def parse(self, table, files, context):
        return Parsed()


class HalfAuthorable:
    @hookimpl
    def lms_activity_types(self):
        return [AuthorableWithoutAuthoring()]


def _loading_with(plugin, monkeypatch):
    """Load the plugins with ``plugin`` registered as an installed one would be."""
    original = plugins.new_manager

    def new_manager():
        manager = original()
        manager.register(plugin, name="test-plugin")
        return manager

    monkeypatch.setattr(plugins, "new_manager", new_manager)
    return load()


def test_an_activity_type_with_a_wrong_signature_is_refused_at_start_up(monkeypatch):
    with pytest.raises(PluginError) as refused:
        _loading_with(WrongPlugin(), monkeypatch)
    message = str(refused.value)
    assert "plugin 'test-plugin'" in message
    assert __file__ in message  # the file of the class
    assert "OldStyleActivity.parse" in message
    assert "parse(table: dict, files: lms.plugins.activity.CourseFiles, context:" in message


def test_an_authorable_type_without_its_authoring_is_refused(monkeypatch):
    with pytest.raises(PluginError, match=r"AuthorableWithoutAuthoring\.authoring: required"):
        _loading_with(HalfAuthorable(), monkeypatch)


def test_an_implementation_of_a_hook_that_does_not_exist_is_refused(monkeypatch):
    with pytest.raises(PluginError, match="lms_activity_type: no such hook"):
        _loading_with(MisspeltHook(), monkeypatch)


def test_the_built_in_types_load_with_the_contract_checks():
    registry = load()
    assert {"lesson", "quiz", "session"} <= set(registry.activity_types)
    assert registry.type_ids(Capability.GRADED) == ["quiz"]


@pytest.fixture
def course(tmp_path) -> Path:
    return write_course(tmp_path / "courses", "contract-course", lessons=1)


def _with_manifest(root: Path, old: str, new: str) -> None:
    manifest = root / "manifest.toml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new), encoding="utf-8")


def test_a_manifest_with_an_unknown_completion_rule_is_refused_naming_file_and_field(
    appctx, course
):
    _with_manifest(course, 'rule = "all-required"', 'rule = "every-other-tuesday"')
    loaded, problems = load_course(course, plugins.registry_of(appctx))
    assert loaded is None
    assert [_english(p) for p in problems] == [
        "manifest.toml: completion.rule: unknown completion rule 'every-other-tuesday' "
        "(all-required, minimum-done)"
    ]


def test_the_courses_command_refuses_an_unknown_completion_rule(app, course, monkeypatch):
    # The command speaks the site's default language: these lines read its English.
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    _with_manifest(course, 'rule = "all-required"', 'rule = "every-other-tuesday"')
    result = app.test_cli_runner().invoke(args=["courses", "validate", str(course)])
    assert result.exit_code != 0
    assert "manifest.toml: completion.rule: unknown completion rule" in result.output


def test_a_course_hook_the_core_never_calls_for_a_course_is_refused(appctx, course):
    (course / "hooks.py").write_text(
        "from lms.plugins import hookimpl\n\n\n@hookimpl\ndef lms_blueprints():\n    return []\n",
        encoding="utf-8",
    )
    loaded, problems = load_course(course, plugins.registry_of(appctx))
    assert loaded is None
    assert [_english(p) for p in problems] == [
        "hooks.py: lms_blueprints: a course's hooks.py may implement only "
        "lms_course_validate, lms_markdown_extensions"
    ]


def test_two_session_activities_with_one_tag_are_refused(appctx, tmp_path):
    root = shutil.copytree(
        Path(__file__).parents[1] / "data" / "courses" / "sample-course", tmp_path / "c"
    )
    with (root / "manifest.toml").open("a", encoding="utf-8") as manifest:
        for key in ("lop-1", "lop-2"):
            manifest.write(
                f'\n[[activities]]\nkey = "{key}"\ntype = "session"\ntag = "lop"\n'
                f'title = {{vi = "Lớp", en = "Class"}}\n'
            )
    loaded, problems = load_course(root, plugins.registry_of(appctx))
    assert loaded is None
    assert [_english(p) for p in problems] == [
        "manifest.toml: activities[4].tag: the tag 'lop' is already used by the activity 'lop-1'"
    ]
