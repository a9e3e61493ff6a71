"""The trace of an instance's node chain as data for an inline SVG (regulations §6.1).

Nodes are laid out left to right in layers by their longest path from the start node
(``form_builder.chain_drawing``, the geometry the definition review draws with too). Each
node carries what happened there: who, what and when, from its activations and tasks; the
nodes the instance is at now are marked current.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext, lazy_gettext

from form_builder.chain_drawing import NODE_HEIGHT, NODE_WIDTH, layers, layout
from oa_platform.runtime.models import Activation, AuditEntry, Task
from oa_platform.runtime.opinions import label
from oa_platform.runtime.states import ActivationStatus, TaskStatus

__all__ = ["Trace", "TraceEdge", "TraceNode", "build", "layers", "node_state_label"]

# Trail events that explain who handles a node, shown as the system's steps with their
# ``reason``: §8.6 kept the initiator off their own request (``assignees.keep_initiator_off``).
NOTE_EVENTS = frozenset({"self_approval"})


@dataclass(frozen=True)
class Step:
    """One person's part at a node: who (and for whom, §3.4 agency), what, when; a task
    someone transferred (转办) names who transferred it, apart from agency."""

    who: str
    what: str
    when: datetime | None  # when it was done; for a live task, when it is due
    live: bool = False
    transferred_by: str | None = None


@dataclass
class TraceNode:
    """A node of the chain, placed, with its state and steps."""

    id: str
    name: str
    type: str
    state: str  # "current", "done", "cancelled" or "pending" (not reached)
    x: int = 0
    y: int = 0
    steps: list[Step] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """One short line for the box: the last step, or the state."""
        if not self.steps:
            return "" if self.state == "pending" else node_state_label(self.state)
        last = self.steps[-1]
        more = f" +{len(self.steps) - 1}" if len(self.steps) > 1 else ""
        return f"{last.who}: {last.what}{more}"


@dataclass(frozen=True)
class TraceEdge:
    """A connection from the right side of one box to the left side of another, as an SVG
    path; an edge that skips columns arcs over the boxes in between."""

    source: str
    target: str
    path: str
    label: str
    label_x: int
    label_y: int
    taken: bool


@dataclass(frozen=True)
class Trace:
    nodes: list[TraceNode]
    edges: list[TraceEdge]
    width: int
    height: int
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT


def build(
    document: Mapping[str, Any],
    activations: Sequence[Activation],
    tasks: Sequence[Task],
    names: Mapping[int, str],
    notes: Iterable[AuditEntry] = (),
) -> Trace:
    """The placed trace of one instance. ``names`` maps user ids to display names;
    ``notes`` are trail entries that explain a node's handlers (:data:`NOTE_EVENTS`)."""
    # The geometry is the review's too (form_builder/chain_drawing.py): one drawing of a chain.
    placed = layout([node["id"] for node in document["nodes"]], document["edges"])
    specs = {node["id"]: node for node in document["nodes"]}
    nodes = {
        node_id: TraceNode(
            id=node_id,
            name=specs[node_id]["name"],
            type=specs[node_id]["type"],
            state=_state(node_id, activations),
            x=box.x,
            y=box.y,
        )
        for node_id, box in placed.boxes.items()
    }
    for activation in activations:
        nodes[activation.node_id].steps.extend(_activation_steps(activation))
    for task in tasks:
        step = _task_step(task, names)
        if step is not None:
            nodes[task.node_id].steps.append(step)
    for entry in notes:
        if entry.event in NOTE_EVENTS and entry.node_id in nodes and entry.detail:
            what = str(entry.detail.get("reason") or entry.event)
            nodes[entry.node_id].steps.append(Step(gettext("system"), what, entry.at))
    for node in nodes.values():
        node.steps.sort(key=lambda step: (step.when is None, step.when or datetime.min))
    taken = _taken(document["edges"], activations)
    edges = [
        TraceEdge(
            line.source,
            line.target,
            line.path,
            edge.get("label", ""),
            line.label_x,
            line.label_y,
            (edge["from"], edge["to"]) in taken,
        )
        for edge, line in zip(document["edges"], placed.lines, strict=True)
    ]
    return Trace(nodes=list(nodes.values()), edges=edges, width=placed.width, height=placed.height)


def _state(node_id: str, activations: Sequence[Activation]) -> str:
    """The node's state from its latest activation."""
    mine = [a for a in activations if a.node_id == node_id]
    if not mine:
        return "pending"
    latest = max(mine, key=lambda a: a.seq)
    return {
        ActivationStatus.ACTIVE: "current",
        ActivationStatus.COMPLETED: "done",
        ActivationStatus.CANCELLED: "cancelled",
    }[latest.status]


def _activation_steps(activation: Activation) -> list[Step]:
    """Automatic nodes (no tasks) say what they did: routed, split, joined, finished."""
    if activation.outcome in {None, "agree", "submitted"} or activation.left_at is None:
        return []
    if activation.outcome in {"routed", "split", "joined", "notified", "skipped"}:
        return [Step(gettext("system"), _word(activation.outcome), activation.left_at)]
    return []


def _task_step(task: Task, names: Mapping[int, str]) -> Step | None:
    """A task as a step; tasks cancelled because the node moved on are left out."""
    who = names.get(task.completed_by_id or task.assignee_id, "?")
    if task.principal_id and task.principal_id != (task.completed_by_id or task.assignee_id):
        # agency, §3.4
        who = gettext(
            "%(agent)s on behalf of %(principal)s",
            agent=who,
            principal=names.get(task.principal_id, "?"),
        )
    by = names.get(task.transferred_from_id, "?") if task.transferred_from_id else None
    if task.status is TaskStatus.DONE:
        if task.completed_by_id is None:  # the node's escalation acted on an overdue task
            who = gettext("system, as %(who)s was overdue", who=names.get(task.assignee_id, "?"))
        return Step(who, _word(task.action or "done"), task.completed_at, transferred_by=by)
    if task.status is TaskStatus.CANCELLED:
        if task.action and task.completed_by_id:
            return Step(who, _word(task.action), task.completed_at, transferred_by=by)
        if task.action == "reduce_signature":
            return Step(who, _word("removed"), task.completed_at, transferred_by=by)
        return None
    what = {TaskStatus.WAITING: "waiting", TaskStatus.HELD: "on hold"}.get(task.status, "to do")
    return Step(who, _word(what), task.due_at, live=True, transferred_by=by)


# What a step did, as people read it: an action by its name in a sentence, else these.
_WORDS = {
    "done": lazy_gettext("done"),
    "removed": lazy_gettext("removed"),
    "waiting": lazy_gettext("waiting"),
    "on hold": lazy_gettext("on hold"),
    "to do": lazy_gettext("to do"),
    "routed": lazy_gettext("routed"),
    "split": lazy_gettext("split"),
    "joined": lazy_gettext("joined"),
    "notified": lazy_gettext("notified"),
    "skipped": lazy_gettext("skipped"),
    "submitted": lazy_gettext("submitted"),
}
_NODE_STATES = {
    "current": lazy_gettext("in progress"),
    "done": lazy_gettext("done"),
    "cancelled": lazy_gettext("cancelled"),
    "pending": lazy_gettext("not reached"),
}


def _word(what: str) -> str:
    if what in _WORDS:
        return str(_WORDS[what])
    return label(what)


def node_state_label(state: str) -> str:
    """A node's state in the trace as people read it."""
    found = _NODE_STATES.get(state)
    return str(found) if found is not None else state


def _taken(
    edges: Sequence[Mapping[str, Any]], activations: Sequence[Activation]
) -> set[tuple[str, str]]:
    """The edges the instance went along: into each visit of a node, from the latest earlier
    visit of one of its predecessors (from all of them for a join several branches reached).
    """
    sources: dict[str, list[str]] = {}
    for edge in edges:
        sources.setdefault(edge["to"], []).append(edge["from"])
    taken = set()
    for visit in activations:
        earlier = [
            a
            for a in activations
            if a.node_id in sources.get(visit.node_id, ()) and a.seq < visit.seq
        ]
        if not earlier:
            continue
        if visit.arrivals > 1:
            taken.update((a.node_id, visit.node_id) for a in earlier)
        else:
            taken.add((max(earlier, key=lambda a: a.seq).node_id, visit.node_id))
    return taken
