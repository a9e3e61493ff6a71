"""Node types are found through entry points, built-in ones exactly like third-party ones; a
broken or clashing plugin is reported and skipped, and the platform runs on."""

from __future__ import annotations

from importlib.metadata import EntryPoint

from plugins.contract import NodeType
from plugins.registry import GROUP, NodeTypeRegistry, node_types


class Sms(NodeType):
    name = "sms"
    label = "SMS notice"


class BadSchema(NodeType):
    name = "bad_schema"
    label = "Bad schema"
    config_schema = {"type": "no-such-type"}


class Approval(NodeType):
    name = "approval"
    label = "Another approval"


def point(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=GROUP)


def test_built_in_node_types_are_registered_through_entry_points():
    registry = node_types()
    assert registry.problems == []
    assert set(registry) >= {
        "start", "end", "approval", "form_review", "collaboration", "notify",
        "condition", "parallel_split", "parallel_join",
    }  # fmt: skip
    assert registry.installed["approval"].source.startswith("oa-platform ")


def test_a_plugin_that_fails_to_import_is_reported_and_skipped():
    registry = NodeTypeRegistry.from_entry_points(
        [point("sms", f"{__name__}:Sms"), point("ghost", "no_such_package.nodes:Ghost")]
    )
    assert list(registry) == ["sms"]
    [problem] = registry.problems
    assert problem.entry_point == "ghost"
    assert problem.message.startswith("failed to import: ModuleNotFoundError")
    assert "Traceback" in problem.detail


def test_invalid_config_schema_and_wrong_classes_are_refused():
    registry = NodeTypeRegistry.from_entry_points(
        [
            point("bad_schema", f"{__name__}:BadSchema"),
            point("not_a_type", f"{__name__}:point"),
            point("texting", f"{__name__}:Sms"),
        ]
    )
    assert len(registry) == 0
    messages = [p.message for p in registry.problems]
    assert "config_schema of 'bad_schema' is not a valid JSON Schema" in messages[0]
    assert messages[1] == f"{__name__}:point is not a NodeType subclass"
    assert messages[2] == "entry point 'texting' must have the type's name 'sms'"


def test_two_plugins_claiming_one_name_are_both_refused_naming_both_sources():
    registry = NodeTypeRegistry.from_entry_points(
        [
            point("approval", "plugins.node_types.approval:Approval"),
            point("approval", f"{__name__}:Approval"),
        ]
    )
    assert "approval" not in registry
    assert len(registry.problems) == 2
    message = registry.problems[0].message
    assert message.startswith("node type 'approval' is claimed twice, by ")
    assert "plugins.node_types.approval:Approval" in message and f"{__name__}:Approval" in message
