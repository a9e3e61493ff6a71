"""A version's process spec (form_builder/spec.py) says what its raw document says, once and
read-only: for every example definition, its nodes, edges, start, names, deadlines (§3.3's
24 hours when a node names none), offered actions, field access and closures are the
document's; and nothing in it can be changed, down to a node's config."""

from __future__ import annotations

import copy
import dataclasses
import json
import operator
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from form_builder.chain import node_names, start_node
from form_builder.compiler import field_access
from form_builder.frozen import FrozenDict, FrozenList, freeze
from form_builder.spec import DEFAULT_DEADLINE_HOURS, ProcessSpec, compile_spec
from plugins.registry import node_types

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "definitions").glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def edges_of(document: Mapping[str, Any], node_id: str, end: str) -> list[dict[str, Any]]:
    """The document's edges whose ``end`` ("from" or "to") is ``node_id``, in order."""
    return [edge for edge in document["edges"] if edge[end] == node_id]


def closure(document: Mapping[str, Any], node_id: str, forwards: bool) -> set[str]:
    """The nodes reached from ``node_id`` along (or against) the edges, itself included."""
    near, far = ("from", "to") if forwards else ("to", "from")
    seen, frontier = {node_id}, {node_id}
    while frontier:
        frontier = {e[far] for e in document["edges"] if e[near] in frontier} - seen
        seen |= frontier
    return seen


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_spec_answers_what_the_document_says(path):
    document = load(path)
    types = node_types()
    spec = compile_spec(document, types)

    assert list(spec.nodes) == [node["id"] for node in document["nodes"]]  # document order
    assert spec.start == start_node(document)
    assert spec.names == node_names(document)
    assert spec.field_keys == {field["key"] for field in document["fields"]}
    for node in document["nodes"]:
        node_id = node["id"]
        found = spec.nodes[node_id]
        assert (found.id, found.name, found.type) == (node_id, node["name"], node["type"])
        assert found.document == node and spec.node_documents[node_id] == node
        assert list(found.outgoing) == edges_of(document, node_id, "from")
        assert list(found.incoming) == edges_of(document, node_id, "to")
        assert spec.outgoing[node_id] is found.outgoing
        assert found.deadline_hours == node.get("deadline_hours", 24)
        offered = node.get("actions") or [str(a) for a in types[node["type"]].offered_actions()]
        assert list(found.actions) == offered
        assert found.field_access == field_access(document, node_id)
        assert found.merges is types[node["type"]].merges
        assert found.reachable == closure(document, node_id, forwards=True)
        assert found.ancestors == closure(document, node_id, forwards=False) - {node_id}
        below = closure(document, node_id, forwards=True)
        assert found.in_parallel_branch == any(
            types[spec.nodes[join].type].merges
            and any(e["from"] not in below for e in edges_of(document, join, "to"))
            for join in below
        )


def test_the_default_deadline_is_a_working_day():
    # Regulations §3.3: a node naming no deadline_hours gives its handlers 24 hours.
    document = load(ROOT / "examples" / "definitions" / "leave_request.json")
    without = [n["id"] for n in document["nodes"] if "deadline_hours" not in n]
    assert without, "the example should have nodes without their own deadline"
    spec = compile_spec(document, node_types())
    assert DEFAULT_DEADLINE_HOURS == 24
    assert {spec.nodes[n].deadline_hours for n in without} == {24}


def test_parallel_branches_are_known_to_the_spec():
    # user_offboarding splits into two handovers that meet at a join.
    document = load(ROOT / "examples" / "definitions" / "user_offboarding.json")
    spec = compile_spec(document, node_types())
    branch = {n.id for n in spec.nodes.values() if n.in_parallel_branch}
    # The join too, as the engine always counted it: its branches come from before it.
    assert branch == {"work_handover", "computer_handover", "handovers_done"}
    assert [n.id for n in spec.nodes.values() if n.merges] == ["handovers_done"]


def spec_of_leave_request() -> ProcessSpec:
    return compile_spec(
        load(ROOT / "examples" / "definitions" / "leave_request.json"), node_types()
    )


def test_the_spec_cannot_be_changed():
    spec = spec_of_leave_request()
    node = next(n for n in spec.nodes.values() if n.document.get("assignee"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.start = "elsewhere"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.deadline_hours = 1  # type: ignore[misc]
    changes = [
        lambda: operator.setitem(spec.nodes, "x", node),
        lambda: operator.setitem(spec.names, node.id, "Renamed"),
        lambda: operator.setitem(spec.node_documents, node.id, {}),
        lambda: operator.setitem(node.field_access, "reason", "hidden"),
        lambda: operator.setitem(node.document, "name", "Renamed"),
        lambda: node.document["assignee"].update(rule="initiator"),
        lambda: node.document.pop("assignee"),
        lambda: operator.setitem(spec.nodes[spec.start].outgoing[0], "to", "end"),
        lambda: operator.setitem(node.outgoing, 0, {}),
    ]
    for change in changes:
        with pytest.raises(TypeError):
            change()
    with pytest.raises(AttributeError):
        node.outgoing.append({})  # type: ignore[attr-defined]
    fresh = spec_of_leave_request()  # nothing changed
    assert dict(spec.node_documents) == dict(fresh.node_documents)
    assert dict(spec.names) == dict(fresh.names)


def test_the_spec_owns_its_copy_of_the_document():
    document = load(ROOT / "examples" / "definitions" / "leave_request.json")
    spec = compile_spec(document, node_types())
    document["nodes"][0]["name"] = "Changed afterwards"
    document["edges"].clear()
    assert spec.names[spec.start] != "Changed afterwards"
    assert spec.nodes[spec.start].outgoing


def test_frozen_json_still_reads_as_json():
    # Hooks hand the node's parts to audit details and job payloads: they must serialize,
    # compare equal to plain JSON, and copy into values that may be changed.
    value = {"config": {"url": "https://x", "headers": [{"a": 1}]}, "n": 2}
    frozen = freeze(value)
    assert isinstance(frozen, FrozenDict) and isinstance(frozen["config"]["headers"], FrozenList)
    assert isinstance(frozen, dict) and frozen == value
    assert json.loads(json.dumps(frozen)) == value
    assert pickle.loads(pickle.dumps(frozen)) == value
    copied = copy.deepcopy(frozen)
    copied["config"]["headers"].append({"b": 2})
    assert {**frozen["config"], "url": "y"}["url"] == "y"
    assert frozen == value
