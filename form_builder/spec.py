"""A published version's process spec: its node chain compiled once, shared by every engine.

As SpiffWorkflow keeps its specs (``WorkflowSpec``, ``TaskSpec``) apart from the running
workflow, what a definition version states is kept apart from the runtime's rows
(instances, activations, tasks): the nodes by id, the edges in and out of each, the start
node, names, deadlines, offered actions, field access and the graph's closures. A published
version never changes, so its spec is compiled once per process and version
(``form_builder.services.process_spec``), not by every engine from the raw document.

A spec is shared between requests and threads, so nothing in it can change: frozen
dataclasses, read-only mappings, tuples, and the document's own parts frozen
(``form_builder.frozen``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from form_builder.chain import node_names, start_node
from form_builder.compiler import field_access
from form_builder.frozen import freeze

# Regulations §3.3: a node's to-do is due this many (business-calendar) hours after it
# arrives, unless the node states its own ``deadline_hours``. The one definition of it.
DEFAULT_DEADLINE_HOURS = 24


class SelfApproval(StrEnum):
    """A node's ``self_approval``: what happens when its assignee rule names the initiator
    (regulations §8.6, level-by-level control). What each does is
    ``oa_platform.runtime.assignees.keep_initiator_off``'s rule."""

    ESCALATE = "escalate"  # the to-do goes up: the next head, else the leader in charge
    SKIP = "skip"  # the initiator is left out; nobody left: the node is skipped (trailed)
    ALLOW = "allow"  # the initiator handles it (the behaviour before issue 17)


# §8.6: nobody decides on their own request unless the node says so.
DEFAULT_SELF_APPROVAL = SelfApproval.ESCALATE

Edge = Mapping[str, Any]


class NodeTypeFacts(Protocol):
    """What a spec needs of a node type (``plugins.contract.NodeType`` provides it)."""

    merges: bool

    def offered_actions(self) -> tuple[Any, ...]: ...


# Specs compare (and hash) by identity: there is one per version, shared.
@dataclass(frozen=True, slots=True, eq=False)
class NodeSpec:
    """One node of a published version, with what the runtime asks of it."""

    id: str
    name: str
    type: str
    document: Mapping[str, Any]  # the node as the definition states it (frozen JSON)
    outgoing: tuple[Edge, ...]  # in document order: next_edges chooses the first that holds
    incoming: tuple[Edge, ...]
    deadline_hours: float  # its own, else the §3.3 default
    self_approval: SelfApproval  # its own, else the §8.6 default (escalate)
    actions: tuple[str, ...]  # offered action names: its own, else its type's default
    field_access: Mapping[str, str]  # field key -> "edit" | "read" | "hidden"
    merges: bool  # its type waits for several branches (a parallel join)
    reachable: frozenset[str]  # itself and every node after it
    ancestors: frozenset[str]  # every node before it (a path leads from it to this one)
    # On one branch of a parallel split, up to its join (the join too: some of its branches
    # come from outside what follows it). Its handler cannot have a form resubmitted to them.
    in_parallel_branch: bool

    def outside_inputs(self, below: Set[str]) -> int:
        """For a join: how many of its branches do not come through the nodes ``below``."""
        return _outside_inputs(self.merges, self.incoming, below)


@dataclass(frozen=True, slots=True, eq=False)
class ProcessSpec:
    """The compiled chain of one published version. ``nodes`` keeps document order."""

    nodes: Mapping[str, NodeSpec]
    start: str
    names: Mapping[str, str]  # node id -> the name people read
    field_keys: frozenset[str]  # the keys of the top-level fields
    # The same facts keyed by node id, as the engine and node-type hooks read them.
    node_documents: Mapping[str, Mapping[str, Any]]
    outgoing: Mapping[str, tuple[Edge, ...]]
    incoming: Mapping[str, tuple[Edge, ...]]


def compile_spec(
    document: Mapping[str, Any], node_types: Mapping[str, NodeTypeFacts]
) -> ProcessSpec:
    """The spec of a published (valid) ``document``, its node types from ``node_types``.

    A node whose type is not installed (its plugin removed) still compiles: it offers only
    its own actions and merges nothing; the engine refuses to run it, as before.
    """
    frozen = freeze(document)
    raw = {node["id"]: node for node in frozen["nodes"]}
    outgoing: dict[str, list[Edge]] = {node_id: [] for node_id in raw}
    incoming: dict[str, list[Edge]] = {node_id: [] for node_id in raw}
    for edge in frozen["edges"]:
        outgoing[edge["from"]].append(edge)
        incoming[edge["to"]].append(edge)
    types = {node_id: node_types.get(node["type"]) for node_id, node in raw.items()}
    merges = {node_id: bool(t is not None and t.merges) for node_id, t in types.items()}
    reachable = {n: _closure(n, lambda at: (e["to"] for e in outgoing[at])) for n in raw}
    before = {n: _closure(n, lambda at: (e["from"] for e in incoming[at])) - {n} for n in raw}
    nodes = {
        node_id: NodeSpec(
            id=node_id,
            name=node["name"],
            type=node["type"],
            document=node,
            outgoing=tuple(outgoing[node_id]),
            incoming=tuple(incoming[node_id]),
            deadline_hours=node.get("deadline_hours", DEFAULT_DEADLINE_HOURS),
            self_approval=SelfApproval(node.get("self_approval", DEFAULT_SELF_APPROVAL)),
            actions=_actions(node, types[node_id]),
            field_access=MappingProxyType(field_access(document, node_id)),
            merges=merges[node_id],
            reachable=reachable[node_id],
            ancestors=before[node_id],
            in_parallel_branch=any(
                _outside_inputs(merges[join], incoming[join], reachable[node_id])
                for join in reachable[node_id]
            ),
        )
        for node_id, node in raw.items()
    }
    return ProcessSpec(
        nodes=MappingProxyType(nodes),
        start=start_node(document),
        names=MappingProxyType(node_names(document)),
        field_keys=frozenset(field["key"] for field in document["fields"]),
        node_documents=MappingProxyType(raw),
        outgoing=MappingProxyType({n: spec.outgoing for n, spec in nodes.items()}),
        incoming=MappingProxyType({n: spec.incoming for n, spec in nodes.items()}),
    )


def _actions(node: Mapping[str, Any], node_type: NodeTypeFacts | None) -> tuple[str, ...]:
    # The node permission narrows its type's actions; none named means the type's default.
    if node.get("actions"):
        return tuple(node["actions"])
    return tuple(str(a) for a in node_type.offered_actions()) if node_type else ()


def _closure(node_id: str, step: Callable[[str], Iterable[str]]) -> frozenset[str]:
    """``node_id`` and every node ``step`` leads to, transitively."""
    seen, stack = set(), [node_id]
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack += step(current)
    return frozenset(seen)


def _outside_inputs(merges: bool, incoming: Iterable[Edge], below: Set[str]) -> int:
    if not merges:
        return 0
    return sum(1 for edge in incoming if edge["from"] not in below)
