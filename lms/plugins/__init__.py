"""The plugin manager: one pluggy ``PluginManager("lms")`` per application.

Built-in activity types, and every domain's commands of the ``lms`` command, are
registered through the ``lms.plugins`` entry-point group, exactly like a third party's (see
setup.cfg), so the core uses its own plugin API.
"""

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING

import click
import pluggy
from flask import Flask, current_app

from lms.plugins import spec

if TYPE_CHECKING:
    from lms.assessment.questions import QuestionTypes

hookimpl = pluggy.HookimplMarker("lms")
ENTRY_POINT_GROUP = "lms.plugins"


class PluginError(RuntimeError):
    """A plugin cannot be loaded; the message names the plugin and what is wrong."""


@dataclass
class Registry:
    manager: pluggy.PluginManager
    activity_types: dict
    question_types: "QuestionTypes"

    def activity_type(self, type_id: str):
        """The installed type, or None: content of an uninstalled type degrades gently."""
        return self.activity_types.get(type_id)


def new_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("lms")
    manager.add_hookspecs(spec)
    return manager


def _collect_activity_types(manager: pluggy.PluginManager) -> dict:
    types: dict = {}
    for plugin_types in manager.hook.lms_activity_types():
        for activity_type in plugin_types:
            if activity_type.type_id in types:
                raise PluginError(
                    f"two activity types have the id {activity_type.type_id!r}: "
                    f"{type(types[activity_type.type_id]).__module__} and "
                    f"{type(activity_type).__module__}"
                )
            types[activity_type.type_id] = activity_type
    return types


def init_app(app: Flask) -> None:
    manager = new_manager()
    try:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    except Exception as error:
        raise PluginError(f"loading a plugin of group {ENTRY_POINT_GROUP}: {error}") from error
    # Imported here: lms.assessment's services import the catalogue, which imports this
    # package, so a top-level import would be a cycle.
    from lms.assessment.questions import QuestionTypes

    try:
        question_types = QuestionTypes(manager.hook.lms_question_types())
    except ValueError as error:
        raise PluginError(str(error)) from error
    app.extensions["lms.plugins"] = Registry(
        manager, _collect_activity_types(manager), question_types
    )
    for blueprints in manager.hook.lms_blueprints():
        for blueprint in blueprints:
            app.register_blueprint(blueprint)
    _add_commands(app.cli, chain.from_iterable(manager.hook.lms_cli()), "lms")


def _add_commands(parent: click.Group, commands: Iterable[click.Command], path: str) -> None:
    """Put plugins' commands under ``parent``: groups of one name become one group holding
    the commands of each (``spec.lms_cli``); two commands of one name stop the application."""
    for command in commands:
        held = parent.commands.get(command.name)
        if held is None:
            parent.add_command(_own_copy(command, f"{path} {command.name}"))
        elif isinstance(held, click.Group) and isinstance(command, click.Group):
            held.help = held.help or command.help
            _add_commands(held, command.commands.values(), f"{path} {command.name}")
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


def registry_of(app: Flask) -> Registry:
    return app.extensions["lms.plugins"]


def registry() -> Registry:
    return registry_of(current_app)
