"""What the designer needs to know about a document: where its problems are, and the palettes
of node types and field types.

Problems go to the page as JSON with their JSON path and the node or field they concern, so
the page shows each on that node or field. Schema problems know only their path; the node is
filled in from it here (``$.nodes[2]…`` or the source node of ``$.edges[4]…``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext

from form_builder.exceptions import Problem
from form_builder.format import FORMAT_VERSION

_NODE_PATH = re.compile(r"^\$\.nodes\[(\d+)\]")
_EDGE_PATH = re.compile(r"^\$\.edges\[(\d+)\]")
_FIELD_PATH = re.compile(r"^\$\.fields\[(\d+)\]")


def problems_json(problems: Iterable[Problem], document: Any) -> list[dict[str, Any]]:
    """Each problem as ``{path, message, node, field}``, located as exactly as the path allows."""
    return [_located(problem, document) for problem in problems]


def _located(problem: Problem, document: Any) -> dict[str, Any]:
    node, field = problem.node, problem.field
    if node is None:
        node = _member(document, "nodes", _NODE_PATH, problem.path, "id")
    if node is None:
        node = _member(document, "edges", _EDGE_PATH, problem.path, "from")
    if field is None:
        field = _member(document, "fields", _FIELD_PATH, problem.path, "key")
    return {"path": problem.path, "message": problem.message, "node": node, "field": field}


def _member(document: Any, items: str, pattern: re.Pattern[str], path: str, name: str):
    match = pattern.match(path)
    if not match or not isinstance(document, Mapping):
        return None
    elements = document.get(items)
    index = int(match[1])
    if not isinstance(elements, list) or index >= len(elements):
        return None
    element = elements[index]
    value = element.get(name) if isinstance(element, Mapping) else None
    return value if isinstance(value, str) else None


def node_type_palette(node_types: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The installed node types as the chain editor offers them, built-in and plugins alike:
    label, icon, kind, whether a node needs an assignee, its actions and config schema."""
    palette = []
    for name, node_type in sorted(node_types.items()):
        offered = (
            node_type.offered_actions()
            if hasattr(node_type, "offered_actions")
            else node_type.actions
        )
        palette.append(
            {
                "name": name,
                "label": gettext(getattr(node_type, "label", name)),
                "icon": getattr(node_type, "icon", "fa-square-o"),
                "kind": str(node_type.kind),
                "needs_assignee": bool(node_type.needs_assignee),
                # §8.6: the node's self_approval applies (its handlers decide).
                "decides": bool(getattr(node_type, "decides", False)),
                "actions": [str(action) for action in node_type.actions],
                "default_actions": [str(action) for action in offered],
                # What a node added in the designer starts with (issue 19): the common ones.
                "new_actions": [
                    str(action) for action in getattr(node_type, "designer_actions", None) or ()
                ],
                "config_schema": readable_config(node_type),
            }
        )
    return palette


def readable_config(node_type: Any) -> dict[str, Any]:
    """The type's config schema with its members' titles and help in the request's language
    and ``labels`` for enumerated values (the type's ``config_labels``), so the designer shows
    "When a handler disagrees: Return it to the initiator", not ``return_to_initiator``."""
    schema = dict(getattr(node_type, "config_schema", {}))
    labels = getattr(node_type, "config_labels", {}) or {}
    properties = {}
    for name, member in (schema.get("properties") or {}).items():
        member = dict(member)
        for word in ("title", "description"):
            if isinstance(member.get(word), str):
                member[word] = gettext(member[word])
        if name in labels:
            member["labels"] = {value: gettext(text) for value, text in labels[name].items()}
        properties[name] = member
    if properties:
        schema["properties"] = properties
    return schema


def field_type_palette(field_types: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The installed field types as the form designer offers them, built-in and plugins
    alike, in palette order: what to show, the members each takes (with their JSON Schemas,
    so the designer can edit a plugin's members it has no editor for), what a new field
    starts with, and how the type behaves in a form."""
    palette = []
    for name, kind in field_types.items():
        palette.append(
            {
                "name": name,
                # The types' words are marked in their modules; the designer reads them in
                # the request's language, as the admin pages do.
                "label": gettext(kind.label),
                "icon": kind.icon,
                "category": gettext(kind.category),
                "column": kind.column,
                "editable": kind.editable,
                "has_value": kind.has_value,
                "container": None if kind.container is None else str(kind.container),
                "members": {member: dict(schema) for member, schema in kind.members.items()},
                "required_members": list(kind.required_members),
                "refused_members": list(kind.refused_members),
                "directory_source": kind.directory_source,
                "expression_type": kind.expression_type,
                "uploads": kind.uploads,
                "default_kinds": sorted(kind.default_kinds),
                "literal_input": kind.literal_input,
                "value_labels": {k: dict(v) for k, v in kind.value_labels.items()},
                "new_field": kind.new_field(),
            }
        )
    return palette


def blank_document() -> dict[str, Any]:
    """Where a new definition starts: no fields, a start node joined to an end node."""
    return {
        "format": FORMAT_VERSION,
        "key": "",
        "name": "",
        "category": "",
        "department": "",
        "fields": [],
        "nodes": [
            {"id": "start", "type": "start", "name": {"zh_CN": "申请人", "en": "Applicant"}},
            {"id": "end", "type": "end", "name": {"zh_CN": "结束", "en": "End"}},
        ],
        "edges": [{"from": "start", "to": "end"}],
    }
