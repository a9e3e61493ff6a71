"""What changed between two versions of a definition, for the Management Center's review.

Fields are matched by key, nodes by id, edges by (from, to); for a changed element the diff
names each member that changed with its old and new value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

METADATA = ("name", "category", "department", "description")


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
    metadata = {
        name: (old.get(name), new.get(name))
        for name in METADATA
        if old and old.get(name) != new.get(name)
    }
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
            changes.append(Change("added", key, {m: (None, v) for m, v in item.items()}))
        elif before[key] != item:
            members = {
                member: (before[key].get(member), item.get(member))
                for member in dict.fromkeys([*before[key], *item])
                if before[key].get(member) != item.get(member)
            }
            changes.append(Change("changed", key, members))
    order = [ident(item) for item in new] + [ident(item) for item in old]
    return sorted(changes, key=lambda change: order.index(change.ident))
