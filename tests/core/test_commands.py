"""The ``lms`` command: every domain's commands arrive one way, through the ``lms_cli`` hook,
and together make the tree the README documents."""

import click
import pytest
from click.testing import CliRunner

from lms import create_app, plugins
from lms.accounts.cli import users_cli
from lms.cli import lms_command
from lms.plugins import PluginError, hookimpl
from lms.testing.plugin import testing_config as config_for

# Each command of ``lms``, with its subcommands; None for a group of a library (Flask-Migrate's
# ``db``, Flask-Limiter's ``limiter``), whose subcommands are the library's business, but for
# those of ours that join it (JOINED).
TREE = {
    "api": ["create-client", "revoke-client"],
    "assignments": ["sync"],
    "certificates": ["make-test-key"],
    "classes": ["remind"],
    # check-law comes from the legal register, which joins the catalogue's group.
    "courses": ["check-law", "export", "list", "stats", "sync", "validate"],
    "db": None,
    "demo": [],
    "init": [],
    "limiter": None,
    "needs": ["load-framework", "refresh"],
    "notifications": ["send-email"],
    # flask-smorest's group: print or write the API's OpenAPI document.
    "openapi": None,
    # The third-party test plugin (tests/plugins), installed by the test command.
    "practice-scenarios": ["count"],
    "quizzes": ["close-overdue"],
    "routes": [],
    "run": [],
    "shell": [],
    "static": ["compress"],
    "users": ["create", "import"],
    "worker": [],
    "xapi": ["send", "status"],
}
# Our commands in a library's group: ``lms db backup`` (lms.cli) joins Flask-Migrate's ``db``.
JOINED = {"db": ["backup"]}


def help_of(app, *path: str) -> str:
    result = CliRunner().invoke(lms_command(lambda: app), [*path, "--help"], prog_name="lms")
    assert result.exit_code == 0, result.output
    return result.output


def listed(help_text: str) -> dict[str, str]:
    """The "Commands:" section of a help text: name → short help."""
    if "Commands:" not in help_text:
        return {}
    rows = [line.split(maxsplit=1) for line in help_text.split("Commands:\n")[1].splitlines()]
    return {row[0]: row[1] if len(row) > 1 else "" for row in rows if row}


def test_lms_lists_every_domains_commands(app):
    top = listed(help_of(app))
    assert sorted(top) == sorted(TREE)
    for name, subcommands in TREE.items():
        if subcommands is not None:
            assert sorted(listed(help_of(app, name))) == subcommands, name
    for name, ours in JOINED.items():
        assert set(ours) <= set(listed(help_of(app, name))), name


def test_joining_a_librarys_group_keeps_its_commands_and_leaves_its_object_as_it_was(app):
    from flask_migrate.cli import db as migrate_group

    assert {"backup", "upgrade", "current"} <= set(listed(help_of(app, "db")))
    # Flask-Migrate's group object serves every application the process builds.
    assert "backup" not in migrate_group.commands


def test_a_group_two_plugins_give_is_one_group_with_the_help_its_owner_wrote(app):
    # lms.accounts.cli makes ``users``; lms.org.cli adds ``import`` to it.
    assert listed(help_of(app))["users"] == "Manage user accounts."
    assert "Import people, units and positions" in help_of(app, "users", "import")
    # The plugin's own group is left as it was: every application merges into a copy.
    assert sorted(users_cli.commands) == ["create"]


def test_two_plugins_giving_one_command_stop_the_application(monkeypatch, tmp_path):
    class Clash:
        @hookimpl
        def lms_cli(self):
            return [click.Group("users", commands=[click.Command("create")])]

    plain = plugins.new_manager

    def with_clash():
        manager = plain()
        manager.register(Clash())
        return manager

    monkeypatch.setattr(plugins, "new_manager", with_clash)
    settings = config_for(f"sqlite:///{tmp_path / 'clash.sqlite3'}", tmp_path)
    with pytest.raises(PluginError, match="`lms users create`"):
        create_app(settings)
