"""The proposed mapping of an old version's nodes and fields onto a new version's.

Nodes are matched by id first, then by name (a renamed id keeps its name, a renamed node
keeps its id); fields by key, then by label and type. IT may change any proposal before
the preview; :func:`checked` refuses a mapping that names what the versions do not have.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext


class MappingError(ValueError):
    """A mapping that names nodes or fields the versions do not have; says which."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class NodeMapping:
    """Old node id -> new node id (None: no counterpart), and how each was found."""

    nodes: dict[str, str | None]
    fields: dict[str, str | None]  # old field key -> new field key (None: its data is lost)
    found_by: dict[str, str] = field(default_factory=dict)  # "node:x"/"field:x" -> id|name|...

    def as_json(self) -> dict[str, Any]:
        """What the audit trail and the forms keep of it."""
        return {"nodes": dict(self.nodes), "fields": dict(self.fields)}

    def changed_nodes(self) -> dict[str, str]:
        """The nodes whose id changes (old -> new)."""
        return {old: new for old, new in self.nodes.items() if new is not None and new != old}


def _name(item: Mapping[str, Any], member: str) -> str:
    """The node's name (field's label) as stated, every language's text included."""
    return json.dumps(item.get(member), sort_keys=True, ensure_ascii=False)


def propose(old: Mapping[str, Any], new: Mapping[str, Any]) -> NodeMapping:
    """The mapping from document ``old`` to document ``new``: by id (key), then by name
    (label and type) among the new nodes (fields) nothing matched by id."""
    new_nodes = {node["id"]: node for node in new["nodes"]}
    nodes, found_by = {}, {}
    unclaimed = [n for n in new["nodes"] if n["id"] not in {o["id"] for o in old["nodes"]}]
    for node in old["nodes"]:
        if node["id"] in new_nodes:
            nodes[node["id"]], found_by[f"node:{node['id']}"] = node["id"], "id"
            continue
        match = next((n for n in unclaimed if _name(n, "name") == _name(node, "name")), None)
        if match is not None:
            unclaimed.remove(match)
            nodes[node["id"]], found_by[f"node:{node['id']}"] = match["id"], "name"
        else:
            nodes[node["id"]], found_by[f"node:{node['id']}"] = None, "none"
    new_fields = {f["key"]: f for f in new["fields"]}
    old_keys = {f["key"] for f in old["fields"]}
    free = [f for f in new["fields"] if f["key"] not in old_keys]
    fields = {}
    for spec in old["fields"]:
        key = spec["key"]
        if key in new_fields:
            fields[key], found_by[f"field:{key}"] = key, "id"
            continue
        match = next(
            (
                f
                for f in free
                if f["type"] == spec["type"] and _name(f, "label") == _name(spec, "label")
            ),
            None,
        )
        if match is not None:
            free.remove(match)
            fields[key], found_by[f"field:{key}"] = match["key"], "name"
        else:
            fields[key], found_by[f"field:{key}"] = None, "none"
    return NodeMapping(nodes, fields, found_by)


def checked(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    nodes: Mapping[str, str | None],
    fields: Mapping[str, str | None],
) -> NodeMapping:
    """A mapping IT chose: every old node and field named, onto what ``new`` has, no two
    old fields onto one new field; a :class:`MappingError` naming the first that is not."""
    new_nodes = {n["id"] for n in new["nodes"]}
    new_fields = {f["key"] for f in new["fields"]}
    chosen_nodes: dict[str, str | None] = {}
    for node in old["nodes"]:
        target = nodes.get(node["id"]) or None
        if target is not None and target not in new_nodes:
            raise MappingError(
                gettext(
                    "Node '%(node)s' is mapped to '%(target)s', which the new version does not "
                    "have.",
                    node=node["id"],
                    target=target,
                )
            )
        chosen_nodes[node["id"]] = target
    chosen_fields: dict[str, str | None] = {}
    for spec in old["fields"]:
        target = fields.get(spec["key"]) or None
        if target is not None and target not in new_fields:
            raise MappingError(
                gettext(
                    "Field '%(field)s' is mapped to '%(target)s', which the new version does "
                    "not have.",
                    field=spec["key"],
                    target=target,
                )
            )
        if target is not None and target in chosen_fields.values():
            raise MappingError(
                gettext(
                    "Field '%(field)s' is mapped to '%(target)s', which another field is "
                    "mapped to already.",
                    field=spec["key"],
                    target=target,
                )
            )
        chosen_fields[spec["key"]] = target
    return NodeMapping(chosen_nodes, chosen_fields, {"chosen": "it"})
