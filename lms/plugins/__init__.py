"""The plugin manager: one pluggy ``PluginManager("lms")`` per application.

Built-in activity types, and every domain's commands of the ``lms`` command, are
registered through the ``lms.plugins`` entry-point group, exactly like a third party's (see
setup.cfg); the application factory hands in the other built-ins (the domains' blueprints,
the default completion rule). Loading checks every plugin against the contracts
(``lms.plugins.contract``) and fails at start-up with a ``PluginError`` naming the plugin,
its file and what is wrong.
"""

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from types import ModuleType
from typing import Any

import click
import pluggy
from flask import Flask, current_app

from lms.plugins import spec
from lms.plugins.activity import ActivityType, Capability
from lms.plugins.completion import CompletionRule
from lms.plugins.contract import PluginError, check_activity_type, check_hooks, check_member
from lms.plugins.question import QuestionType, QuestionTypes

hookimpl = pluggy.HookimplMarker("lms")
ENTRY_POINT_GROUP = "lms.plugins"

__all__ = ["ENTRY_POINT_GROUP", "PluginError", "Registry", "hookimpl", "registry"]


@dataclass
class Registry:
    manager: pluggy.PluginManager
    activity_types: dict[str, ActivityType]
    question_types: QuestionTypes
    completion_rules: dict[str, CompletionRule]

    def activity_type(self, type_id: str) -> ActivityType | None:
        """The installed type, or None: content of an uninstalled type degrades gently."""
        return self.activity_types.get(type_id)

    def can(self, type_id: str, capability: Capability) -> bool:
        """Whether the installed type ``type_id`` has ``capability`` (False when the type
        is not installed)."""
        activity_type = self.activity_types.get(type_id)
        return activity_type is not None and capability in activity_type.capabilities

    def type_ids(self, capability: Capability) -> list[str]:
        """The ids of the installed types that have ``capability``, in registration order."""
        return [type_id for type_id in self.activity_types if self.can(type_id, capability)]

    def types_with(self, capability: Capability) -> list[ActivityType]:
        return [self.activity_types[type_id] for type_id in self.type_ids(capability)]


def new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("lms")
    manager.add_hookspecs(spec)
    return manager


def _contributions(manager: pluggy.PluginManager, hook: str) -> list[tuple[str, Any]]:
    """(plugin name, item) for every item of every list the hook's implementations return."""
    return [
        (implementation.plugin_name, item)
        for implementation in getattr(manager.hook, hook).get_hookimpls()
        for item in implementation.function() or []
    ]


def _collect_activity_types(manager: pluggy.PluginManager) -> dict[str, ActivityType]:
    types: dict[str, ActivityType] = {}
    for name, activity_type in _contributions(manager, "lms_activity_types"):
        check_activity_type(name, activity_type)
        type_id = activity_type.type_id
        if type_id in types:
            raise PluginError(
                f"two activity types have the id {type_id!r}: "
                f"{type(types[type_id]).__module__} and {type(activity_type).__module__}"
            )
        types[type_id] = activity_type
    return types


def _collect_question_types(manager: pluggy.PluginManager) -> QuestionTypes:
    contributed = _contributions(manager, "lms_question_types")
    for name, question_type in contributed:
        check_member(name, question_type, QuestionType)
    try:
        return QuestionTypes([[question_type for _name, question_type in contributed]])
    except ValueError as error:
        raise PluginError(str(error)) from error


def _collect_completion_rules(manager: pluggy.PluginManager) -> dict[str, CompletionRule]:
    rules: dict[str, CompletionRule] = {}
    for name, rule in _contributions(manager, "lms_completion_rules"):
        check_member(name, rule, CompletionRule)
        if rule.name in rules:
            raise PluginError(
                f"two completion rules have the name {rule.name!r}: "
                f"{type(rules[rule.name]).__module__} and {type(rule).__module__}"
            )
        rules[rule.name] = rule
    return rules


def load(builtins: Iterable[ModuleType] = (), disabled: Iterable[str] = ()) -> Registry:
    """Register ``builtins`` and every installed plugin but the ``disabled`` entry points,
    check them against the contracts, and collect what they provide."""
    manager = new_manager()
    for module in builtins:
        manager.register(module, name=module.__name__)
    for name in disabled:
        manager.set_blocked(name)
    try:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    except Exception as error:
        raise PluginError(f"loading a plugin of group {ENTRY_POINT_GROUP}: {error}") from error
    check_hooks(manager)
    return Registry(
        manager,
        _collect_activity_types(manager),
        _collect_question_types(manager),
        _collect_completion_rules(manager),
    )


def init_app(app: Flask, builtins: Iterable[ModuleType] = ()) -> None:
    """Load the plugins (minus those ``LMS_DISABLED_PLUGINS`` names) and register their
    blueprints and commands on ``app``."""
    registry = load(builtins, app.config.get("LMS_DISABLED_PLUGINS", ()))
    app.extensions["lms.plugins"] = registry
    for blueprints in registry.manager.hook.lms_blueprints():
        for blueprint in blueprints:
            app.register_blueprint(blueprint)
    _add_commands(app.cli, chain.from_iterable(registry.manager.hook.lms_cli()), "lms")


def _add_commands(parent: click.Group, commands: Iterable[click.Command], path: str) -> None:
    """Put plugins' commands under ``parent``: groups of one name become one group holding
    the commands of each (``spec.lms_cli``); two commands of one name stop the application."""
    for command in commands:
        held = parent.commands.get(command.name or "")
        if held is None:
            parent.add_command(_own_copy(command, f"{path} {command.name}"))
        elif isinstance(held, click.Group) and isinstance(command, click.Group):
            # Into a copy: the group held may be a library's, shared by every application
            # of the process (Flask-Migrate's ``db``, which ``lms db backup`` joins).
            merged = _own_copy(held, f"{path} {command.name}")
            assert isinstance(merged, click.Group)
            merged.help = held.help or command.help
            _add_commands(merged, command.commands.values(), f"{path} {command.name}")
            parent.add_command(merged, command.name)
        else:
            raise PluginError(f"two plugins give the command `{path} {command.name}`")


def _own_copy(command: click.Command, path: str) -> click.Command:
    """A group of this application's own to merge into: the plugin's group object is shared
    by every application the process builds (tests build several), so it is left as it is."""
    if not isinstance(command, click.Group):
        return command
    group = copy.copy(command)
    group.commands = {}
    _add_commands(group, command.commands.values(), path)
    return group


def markdown_extensions(*managers) -> list:
    """The Python-Markdown extensions that the plugins of ``managers`` add
    (``lms_markdown_extensions``); a None manager adds none."""
    return [
        extension
        for manager in managers
        if manager is not None
        for extensions in manager.hook.lms_markdown_extensions()
        for extension in extensions
    ]


def registry_of(app: Flask) -> Registry:
    return app.extensions["lms.plugins"]


def registry() -> Registry:
    return registry_of(current_app)
