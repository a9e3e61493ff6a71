"""The node chain as a graph: reachability, loops and the pairing of parallel splits and joins.

Pure functions over the document's ``nodes`` and ``edges``; node kinds come from the node-type
registry (``plugins.contract.NodeKind`` values), passed in as a mapping node id -> kind.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from form_builder.localized import text
from form_builder.words import gettext as _


@dataclass
class Chain:
    """Successors and predecessors by node id, in edge order."""

    kinds: dict[str, str]
    successors: dict[str, list[str]] = field(default_factory=dict)
    predecessors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, kinds: Mapping[str, str], edges: Iterable[Mapping[str, Any]]) -> Chain:
        chain = cls(dict(kinds))
        for node_id in kinds:
            chain.successors[node_id] = []
            chain.predecessors[node_id] = []
        for edge in edges:
            source, target = edge.get("from"), edge.get("to")
            if source in kinds and target in kinds:
                chain.successors[source].append(target)
                chain.predecessors[target].append(source)
        return chain

    def reachable(self, roots: Iterable[str], backwards: bool = False) -> set[str]:
        """Node ids reachable from ``roots`` following edges (against them if ``backwards``)."""
        step = self.predecessors if backwards else self.successors
        seen = set(roots)
        queue = deque(seen)
        while queue:
            for nxt in step[queue.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return seen

    def loops(self) -> list[list[str]]:
        """One path per loop found, each closing on its first node (a -> b -> a)."""
        found: list[list[str]] = []
        state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
        for root in self.kinds:
            if root in state:
                continue
            path: list[str] = [root]
            iterators = [iter(self.successors[root])]
            state[root] = 1
            while iterators:
                nxt = next(iterators[-1], None)
                if nxt is None:
                    state[path.pop()] = 2
                    iterators.pop()
                elif state.get(nxt) == 1:
                    found.append([*path[path.index(nxt) :], nxt])
                elif nxt not in state:
                    state[nxt] = 1
                    path.append(nxt)
                    iterators.append(iter(self.successors[nxt]))
        return found

    def pair_splits(self) -> tuple[dict[str, str], list[tuple[str, str]]]:
        """Each parallel split's join, and problems as (node id, message).

        Every branch of a split must meet at one join (nested splits inside a branch are
        skipped through their own join), and that join must wait for exactly the split's
        branches. Call only on a loop-free chain.
        """
        pairs: dict[str, str] = {}
        problems: list[tuple[str, str]] = []
        memo: dict[str, set[str | None]] = {}

        def ends_of_branch(node: str) -> set[str | None]:
            # The joins (None for an end) that the paths from ``node`` reach first.
            if node in memo:
                return memo[node]
            kind = self.kinds[node]
            if kind == "join":
                result: set[str | None] = {node}
            elif kind == "end":
                result = {None}
            elif kind == "split":
                join = match(node)
                result = set()
                for nxt in self.successors[join] if join else ():
                    result |= ends_of_branch(nxt)
            else:
                result = set()
                for nxt in self.successors[node]:
                    result |= ends_of_branch(nxt)
            memo[node] = result
            return result

        def match(split: str) -> str | None:
            if split in pairs:
                return pairs[split]
            branches = self.successors[split]
            reached: set[str | None] = set()
            for branch in branches:
                reached |= ends_of_branch(branch)
            joins = sorted(j for j in reached if j is not None)
            if None in reached:
                problems.append(
                    (
                        split,
                        _(
                            "a branch of parallel split '%(split)s' ends without a join",
                            split=split,
                        ),
                    )
                )
            if len(joins) > 1:
                names = ", ".join(f"'{j}'" for j in joins)
                problems.append(
                    (
                        split,
                        _(
                            "the branches of parallel split '%(split)s' meet at different "
                            "joins (%(joins)s)",
                            split=split,
                            joins=names,
                        ),
                    )
                )
            if len(joins) != 1 or None in reached:
                return None
            join = joins[0]
            waits = len(self.predecessors[join])
            if waits != len(branches):
                problems.append(
                    (
                        join,
                        _(
                            "parallel join '%(join)s' waits for %(waits)s incoming edges but "
                            "parallel split '%(split)s' has %(branches)s branches",
                            join=join,
                            waits=waits,
                            split=split,
                            branches=len(branches),
                        ),
                    )
                )
            pairs[split] = join
            return join

        for node, kind in self.kinds.items():
            if kind == "split":
                match(node)
        owners: dict[str, list[str]] = {}
        for split, join in pairs.items():
            owners.setdefault(join, []).append(split)
        for node, kind in self.kinds.items():
            if kind != "join":
                continue
            splits = owners.get(node, [])
            if not splits:
                problems.append(
                    (node, _("parallel join '%(join)s' has no matching parallel split", join=node))
                )
            elif len(splits) > 1:
                names = ", ".join(f"'{s}'" for s in sorted(splits))
                problems.append(
                    (
                        node,
                        _(
                            "parallel join '%(join)s' closes more than one split (%(splits)s)",
                            join=node,
                            splits=names,
                        ),
                    )
                )
        return pairs, problems


def start_node(document: Mapping[str, Any]) -> str:
    """The id of the start node: the one no edge leads into (publishing guarantees one)."""
    targets = {edge["to"] for edge in document["edges"]}
    return next(node["id"] for node in document["nodes"] if node["id"] not in targets)


def node_names(document: Mapping[str, Any], language: str | None = None) -> dict[str, str]:
    """Node id -> the name people read (inboxes, notices, reports), in ``language`` (default:
    the request's; ``form_builder.localized.text``)."""
    fallback = document.get("language")
    return {node["id"]: text(node["name"], language, fallback) for node in document["nodes"]}


def node_name(document: Mapping[str, Any], node_id: str) -> str:
    """The node's name, or its id if the document has no such node."""
    return node_names(document).get(node_id, node_id)
