"""What changed between two versions of a definition, for the Management Center's review.

Fields are matched by key, nodes by id, edges by (from, to); for a changed element the diff
names each member that changed with its old and new value. A text given per language
(definition format 2) is compared language by language: ``label (en)`` changed, Chinese not.
A node's settings (``config``) and field access are compared one by one as well
(``config.on_disagree``, ``field_access.hr_remarks``), so the review names the setting, not a
whole object that differs somewhere.

This module only finds the changes; :mod:`form_builder.review` says them as people read them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from form_builder.localized import DOCUMENT_TEXTS, EDGE_TEXTS, FIELD_TEXTS, NODE_TEXTS

TEXTS = frozenset(DOCUMENT_TEXTS + FIELD_TEXTS + NODE_TEXTS + EDGE_TEXTS)
# The document's own members; fields, nodes and edges are compared element by element.
ELEMENTS = ("fields", "nodes", "edges")
# Members compared entry by entry, named ``member.entry``.
NESTED = frozenset({"config", "field_access"})


@dataclass(frozen=True)
class Change:
    """One element added, removed or changed; ``members`` maps member -> (old, new)."""

    kind: str  # "added" | "removed" | "changed"
    ident: str
    members: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class DefinitionDiff:
    metadata: dict[str, tuple[Any, Any]]
    fields: list[Change]
    nodes: list[Change]
    edges: list[Change]

    @property
    def empty(self) -> bool:
        return not (self.metadata or self.fields or self.nodes or self.edges)


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> DefinitionDiff:
    """The changes from ``old`` (None for a first version: everything is added) to ``new``."""
    old = old or {}
    names = [name for name in dict.fromkeys([*old, *new]) if name not in ELEMENTS]
    metadata = _members(old, new, names) if old else {}
    old_order = [f["key"] for f in old.get("fields", [])]
    new_order = [f["key"] for f in new["fields"]]
    common = set(old_order) & set(new_order)
    if [k for k in old_order if k in common] != [k for k in new_order if k in common]:
        metadata["field order"] = (old_order, new_order)
    return DefinitionDiff(
        metadata=metadata,
        fields=_elements(old.get("fields", []), new["fields"], lambda f: f["key"]),
        nodes=_elements(old.get("nodes", []), new["nodes"], lambda n: n["id"]),
        edges=_elements(old.get("edges", []), new["edges"], lambda e: f"{e['from']} -> {e['to']}"),
    )


def _elements(
    old: Sequence[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
    ident: Callable[[Mapping[str, Any]], str],
) -> list[Change]:
    before = {ident(item): item for item in old}
    after = {ident(item): item for item in new}
    changes = [Change("removed", key) for key in before if key not in after]
    for key, item in after.items():
        if key not in before:
            changes.append(Change("added", key, _members({}, item, item)))
        elif before[key] != item:
            names = dict.fromkeys([*before[key], *item])
            changes.append(Change("changed", key, _members(before[key], item, names)))
    order = [ident(item) for item in new] + [ident(item) for item in old]
    return sorted(changes, key=lambda change: order.index(change.ident))


def _members(
    old: Mapping[str, Any], new: Mapping[str, Any], names: Iterable[str]
) -> dict[str, tuple[Any, Any]]:
    """member -> (old, new) for each of ``names`` that changed; a text given per language in
    either version as ``member (language)`` for each language that changed, a nested member
    (:data:`NESTED`) as ``member.entry`` for each entry that changed."""
    changed: dict[str, tuple[Any, Any]] = {}
    for name in names:
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        nested = name in NESTED and all(isinstance(v or {}, Mapping) for v in (before, after))
        if nested:
            before, after = before or {}, after or {}
            for entry in dict.fromkeys([*before, *after]):
                if before.get(entry) != after.get(entry):
                    changed[f"{name}.{entry}"] = (before.get(entry), after.get(entry))
        elif name in TEXTS and (isinstance(before, Mapping) or isinstance(after, Mapping)):
            before, after = _languages(before), _languages(after)
            for language in dict.fromkeys([*before, *after]):
                if before.get(language) != after.get(language):
                    changed[f"{name} ({language})"] = (before.get(language), after.get(language))
        else:
            changed[name] = (before, after)
    return changed


def _languages(value: Any) -> dict[str, Any]:
    # A plain string is the same in every language: shown as the document's text ("*").
    if value is None:
        return {}
    return dict(value) if isinstance(value, Mapping) else {"*": value}
