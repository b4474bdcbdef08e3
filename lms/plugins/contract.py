"""Checking plugins against the contracts while they load, so a wrong one stops start-up
with a message naming the plugin, its file and the member, instead of failing on a
learner's page later.

A member's signature must be the contract's: the same parameters, in the same order, of
the same kind; a parameter of its own is allowed only with a default (the core never
passes it).
"""

import inspect
from typing import Any

import pluggy

from lms.plugins.activity import FIELD_KINDS, ActivityAuthoring, ActivityType, Capability


class PluginError(RuntimeError):
    """A plugin cannot be loaded; the message names the plugin and what is wrong."""


def _where(plugin_name: str, member_of: Any) -> str:
    cls = member_of if isinstance(member_of, type) else type(member_of)
    try:
        file = inspect.getfile(cls)
    except TypeError:  # a class made at run time has no file
        file = "(unknown file)"
    return f"plugin {plugin_name!r} ({cls.__module__}, {file}): {cls.__name__}"


def _contract_members(protocol: type) -> tuple[list[str], dict[str, inspect.Signature]]:
    attributes = [name for name in getattr(protocol, "__annotations__", {})]
    methods = {
        name: inspect.signature(value)
        for name, value in vars(protocol).items()
        if inspect.isfunction(value) and not name.startswith("_")
    }
    return attributes, methods


def _signature_problem(expected: inspect.Signature, actual: inspect.Signature) -> str | None:
    wanted = list(expected.parameters.values())[1:]  # without self
    given = list(actual.parameters.values())
    for index, parameter in enumerate(wanted):
        if index >= len(given):
            return f"is missing the parameter {parameter.name!r}"
        found = given[index]
        if found.name != parameter.name or found.kind != parameter.kind:
            return f"has {found} where the contract has {parameter}"
    for extra in given[len(wanted) :]:
        if extra.kind in (extra.VAR_POSITIONAL, extra.VAR_KEYWORD):
            continue
        if extra.default is extra.empty:
            return f"takes the parameter {extra.name!r}, which the core never passes"
    return None


def check_member(plugin_name: str, obj: Any, protocol: type) -> None:
    """Raise ``PluginError`` unless ``obj`` has every attribute of ``protocol`` and each of
    its methods with the contract's signature."""
    attributes, methods = _contract_members(protocol)
    for name in attributes:
        if not hasattr(obj, name):
            raise PluginError(
                f"{_where(plugin_name, obj)}.{name}: missing; the {protocol.__name__} "
                f"contract (lms.plugins) requires it"
            )
    for name, expected in methods.items():
        method = getattr(obj, name, None)
        if not callable(method):
            raise PluginError(
                f"{_where(plugin_name, obj)}.{name}: missing; the contract is "
                f"{name}{_without_self(expected)}"
            )
        problem = _signature_problem(expected, inspect.signature(method))
        if problem is not None:
            raise PluginError(
                f"{_where(plugin_name, obj)}.{name}: {problem}; the contract is "
                f"{name}{_without_self(expected)}"
            )


def _without_self(signature: inspect.Signature) -> str:
    parameters = list(signature.parameters.values())[1:]
    return str(signature.replace(parameters=parameters))


def check_activity_type(plugin_name: str, activity_type: Any) -> None:
    check_member(plugin_name, activity_type, ActivityType)
    capabilities = activity_type.capabilities
    if not all(isinstance(capability, Capability) for capability in capabilities):
        raise PluginError(
            f"{_where(plugin_name, activity_type)}.capabilities: "
            f"only lms.plugins.activity.Capability members"
        )
    authoring = activity_type.authoring
    if (Capability.AUTHORABLE in capabilities) != (authoring is not None):
        raise PluginError(
            f"{_where(plugin_name, activity_type)}.authoring: required with "
            f"Capability.AUTHORABLE, and None without it"
        )
    if authoring is not None:
        check_member(plugin_name, authoring, ActivityAuthoring)
        for field in authoring.fields:
            if field.kind not in FIELD_KINDS:
                raise PluginError(
                    f"{_where(plugin_name, authoring)}.fields: {field.name!r} has the kind "
                    f"{field.kind!r}, not one of {', '.join(FIELD_KINDS)}"
                )


def check_hooks(manager: pluggy.PluginManager) -> None:
    """Refuse an implementation of a hook that is not declared (a misspelt or removed
    hook would otherwise never be called)."""
    for name, caller in vars(manager.hook).items():
        if not caller.has_spec():
            plugin_name = caller.get_hookimpls()[0].plugin_name
            raise PluginError(
                f"plugin {plugin_name!r}: {name}: no such hook (lms/plugins/spec.py lists them)"
            )
