"""The definition schema's field-type parts, assembled from the field types.

``form_builder/schema/definition-N.schema.json`` (N the current format) is edited by hand
except for what each field type declares (``plugins/field_types/``), which :func:`assemble` writes:

- ``$defs.typeMembers``: the schema of every member some type takes;
- the ``type`` enums of ``$defs.field`` and ``$defs.column`` (column types only), and their
  ``properties`` that refer to ``typeMembers``;
- ``$defs.fieldRules`` and ``$defs.columnRules``: which type takes, requires and refuses which
  member. The schema's "not required" form of refusing lets ``format._explain`` say
  "'min' not allowed for 'text'".

The platform validates with the file assembled again from the installed types
(:func:`form_builder.format.schema`), so a plugin's type needs no edit of the file. The file
itself holds the built-in types; after changing one, rewrite it::

    .venv/bin/python -m form_builder.field_schema
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from plugins.field_contract import FieldType

MEMBERS = "#/$defs/typeMembers/properties/"


def assemble(base: Mapping[str, Any], types: Sequence[FieldType]) -> dict[str, Any]:
    """``base`` (a definition schema) with its field-type parts made from ``types``."""
    schema = copy.deepcopy(dict(base))
    defs = schema["$defs"]
    columns = [kind for kind in types if kind.column]
    defs["typeMembers"] = {
        "description": "Members only some field types take (form_builder/field_schema.py).",
        "properties": {name: dict(member) for name, member in _members(types).items()},
    }
    for name, kinds, rule_set in (
        ("field", types, rules(types)),
        ("column", columns, rules(types, columns=set(_members(columns)))),
    ):
        element = defs[name]
        own = {
            key: value
            for key, value in element["properties"].items()
            if not value.get("$ref", "").startswith(MEMBERS)
        }
        own["type"] = {"enum": [kind.name for kind in kinds]}
        own.update({member: {"$ref": MEMBERS + member} for member in _members(kinds)})
        element["properties"] = own
        defs[f"{name}Rules"] = {
            "description": f"Which members each {name} type takes, requires and refuses.",
            "allOf": rule_set,
        }
    return schema


def _members(types: Iterable[FieldType]) -> dict[str, Mapping[str, Any]]:
    """Member name -> schema, in the types' order (the registry made sure they agree)."""
    found: dict[str, Mapping[str, Any]] = {}
    for kind in types:
        for name, member in kind.members.items():
            found.setdefault(name, member)
    return found


def rules(types: Sequence[FieldType], columns: set[str] | None = None) -> list[dict[str, Any]]:
    """If/then rules over ``type``: a member is refused by the types that do not take it and
    required by those that require it; refused common members likewise.

    For table columns (``columns``: the members columns take) only those members are ruled
    on, a type's requirements only where columns take them all, and refusals only by column
    types: a column of a type no column may have is refused by the ``type`` enum already.
    """
    takers: dict[str, list[FieldType]] = {}
    for kind in types:
        for member in kind.members:
            if columns is None or member in columns:
                takers.setdefault(member, []).append(kind)
    # Members taken by the same types are ruled on together: one message names them all.
    groups: dict[tuple[FieldType, ...], list[str]] = {}
    for member, kinds in takers.items():
        groups.setdefault(tuple(kinds), []).append(member)
    required = {
        kind.name: [m for m in kind.required_members if columns is None or m in columns]
        for kind in types
        if columns is None or set(kind.required_members) <= columns
    }
    refused = {
        kind.name: list(kind.refused_members) for kind in types if columns is None or kind.column
    }
    found = [
        _group_rule(kinds, members, required, refused, len(types))
        for kinds, members in groups.items()
    ]
    found = [rule for rule in found if len(rule) > 1]
    for name, members in required.items():
        if members:
            found.append({"if": _type_is([name]), "then": {"required": members}})
    for name, members in refused.items():
        if members:
            found.append({"if": _type_is([name]), "then": {"not": _any_required(members)}})
    return found


def _group_rule(
    kinds: Sequence[FieldType],
    members: list[str],
    required: dict[str, list[str]],
    refused: dict[str, list[str]],
    everyone: int,
) -> dict[str, Any]:
    """One rule for members the same types take; what those types require of them, and what
    a single taker refuses, are said in its "then" (and taken out of ``required``, ``refused``).
    """
    names = [kind.name for kind in kinds]
    rule: dict[str, Any] = {"if": _type_is(names)}
    then: dict[str, Any] = {}
    shared = [m for m in members if all(m in required.get(name, ()) for name in names)]
    if shared:
        then["required"] = shared
        for name in names:
            required[name] = [m for m in required[name] if m not in shared]
    if len(names) == 1 and refused.get(names[0]):
        then["not"] = _any_required(refused.pop(names[0]))
    if then:
        rule["then"] = then
    if len(kinds) < everyone:
        rule["else"] = {"not": _any_required(members)}
    return rule


def _type_is(names: Sequence[str]) -> dict[str, Any]:
    test = {"const": names[0]} if len(names) == 1 else {"enum": list(names)}
    return {"properties": {"type": test}}


def _any_required(members: Sequence[str]) -> dict[str, Any]:
    if len(members) == 1:
        return {"required": [members[0]]}
    return {"anyOf": [{"required": [member]} for member in members]}


def schema_path() -> Path:
    """The current format's schema file shipped in the package (older formats' files are
    kept as they were, for the record)."""
    from form_builder.format import FORMAT_VERSION

    name = f"schema/definition-{FORMAT_VERSION}.schema.json"
    return Path(str(resources.files("form_builder").joinpath(name)))


def built_in_types() -> list[FieldType]:
    """The installed types that ship with the platform, in palette order."""
    from plugins.registry import BUILT_IN_FIELD_TYPES, field_types

    registry = field_types()
    return [
        registry[name]
        for name in registry
        if type(registry[name]).__module__.startswith(BUILT_IN_FIELD_TYPES)
    ]


def file_text(schema: Mapping[str, Any]) -> str:
    """The schema as the file keeps it."""
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    """Rewrite the schema file's field-type parts from the built-in types."""
    path = schema_path()
    current = path.read_text(encoding="utf-8")
    text = file_text(assemble(json.loads(current), built_in_types()))
    if text != current:
        path.write_text(text, encoding="utf-8")
        print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
