"""A node type's ``next_edges`` is a hook like the others (docs/plugins.md): when it raises,
or chooses no edge, the action that completed the node is kept and the instance stops in
error at that node, where *Administration → Instances in error* can retry the routing or
skip it to a node the administrator chooses (every branch, for a split)."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from oa_platform.extensions import db
from oa_platform.runtime.models import Task
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import InstanceStatus
from plugins.contract import Action, NodeKind, NodeType
from plugins.registry import Installed, node_types
from tests.conftest import login, user
from tests.runtime_helpers import act, actions, chain, events, live, node, publish, refresh

BOTH_DATABASES = True  # a hook's savepoint is rolled back alike on both


class Picky(NodeType):
    """An approval whose routing has a bug until ``fixed``: ``next_edges`` raises."""

    name = "picky"
    label = "Picky"
    kind = NodeKind.TASK
    actions = (Action.AGREE, Action.DISAGREE)
    fixed = False

    def next_edges(self, ctx, edges):
        ctx.audit("about_to_route")
        if not Picky.fixed:
            raise RuntimeError("boom: the routing has a bug")
        return super().next_edges(ctx, edges)


class Choosy(NodeType):
    """An approval whose ``next_edges`` chooses no edge until ``fixed`` (as if no condition
    held and the default edge were ignored)."""

    name = "choosy"
    label = "Choosy"
    kind = NodeKind.TASK
    actions = (Action.AGREE,)
    fixed = False

    def next_edges(self, ctx, edges):
        return super().next_edges(ctx, edges) if Choosy.fixed else []


class BrokenSplit(NodeType):
    """A parallel split whose ``next_edges`` raises."""

    name = "broken_split"
    label = "Broken split"
    kind = NodeKind.SPLIT

    def on_enter(self, ctx):
        ctx.complete("split")

    def next_edges(self, ctx, edges):
        raise RuntimeError("boom: the split cannot count its branches")


@pytest.fixture
def plugins():
    registry = node_types()
    for node_type in (Picky, Choosy, BrokenSplit):
        registry.installed[node_type.name] = Installed(node_type(), "tests", "0")
    Picky.fixed = Choosy.fixed = False
    yield
    for node_type in (Picky, Choosy, BrokenSplit):
        del registry.installed[node_type.name]


def repair(client, instance, what: str, **form) -> str:
    """Post a retry or skip on the admin page; the page it leads back to (with the flash)."""
    login(client, "admin")
    response = client.post(
        f"/admin/instance-errors/{instance.id}/{what}", data=form, follow_redirects=True
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def node_events(instance) -> list[tuple[str, str | None]]:
    return [(e.event, e.node_id) for e in events(instance)]


def test_a_next_edges_that_raises_stops_the_instance_in_error_and_keeps_the_agree(
    demo, plugins, client
):
    publish(chain("picky_note", node("vet", "picky", ["head"]), node("ok", "approval", ["leader"])))
    instance = runtime().submit(user("staff"), "picky_note", MultiDict({"note": "x"}))
    [task] = live(refresh(instance))

    instance = refresh(act("head", task, "agree"))  # the agree is not refused

    assert (instance.status, instance.error_node) == (InstanceStatus.ERROR, "vet")
    assert "RuntimeError: boom: the routing has a bug" in instance.error_detail
    kept = db.session.get(Task, task.id)
    assert (str(kept.status), kept.action) == ("done", "agree")
    assert ("vet", "head", "agree") in actions(instance)
    assert ("node_error", "vet") in node_events(instance)
    assert "about_to_route" not in [e.event for e in events(instance)]  # undone with the hook
    assert ("node_left", "vet") not in node_events(instance)

    page = repair(client, instance, "retry")
    assert "The node failed again" in page
    assert refresh(instance).status is InstanceStatus.ERROR
    Picky.fixed = True
    page = repair(client, instance, "retry")
    instance = refresh(instance)
    assert instance.status is InstanceStatus.RUNNING and instance.error_node is None
    assert [(t.node_id, t.assignee.username) for t in live(instance)] == [("ok", "leader")]
    retried = [e for e in events(instance) if e.event == "node_retried"]
    assert [e.actor.username for e in retried] == ["admin", "admin"]
    assert ("node_left", "vet") in node_events(instance)


def choosy_chain() -> dict:
    """start, vet (choosy, head), then the leader if the note says so, else HR; end."""
    document = chain(
        "choosy_note",
        node("vet", "choosy", ["head"]),
        node("leader_ok", "approval", ["leader"]),
        node("hr_ok", "approval", ["hr"]),
    )
    document["edges"] = [
        {"from": "start", "to": "vet"},
        {"from": "vet", "to": "leader_ok", "condition": "note == 'big'"},
        {"from": "vet", "to": "hr_ok", "default": True},
        {"from": "leader_ok", "to": "end"},
        {"from": "hr_ok", "to": "end"},
    ]
    return document


def stopped_at_vet():
    instance = runtime().submit(user("staff"), "choosy_note", MultiDict({"note": "small"}))
    [task] = live(refresh(instance))
    instance = refresh(act("head", task, "agree"))
    assert (instance.status, instance.error_node) == (InstanceStatus.ERROR, "vet")
    assert "Node 'vet': no outgoing edge applies (the edges' conditions: note == 'big')." in (
        instance.error_detail
    )
    return instance


def test_an_instance_stopped_because_no_edge_applies_can_be_retried_and_skipped_from_instances_in_error(  # noqa: E501
    demo, plugins, client
):
    publish(choosy_chain())
    instance = stopped_at_vet()

    login(client, "admin")
    page = client.get("/admin/instance-errors/").get_data(as_text=True)
    assert f'id="skip-to-{instance.id}"' in page
    assert '<option value="leader_ok">' in page and '<option value="hr_ok">' in page

    page = repair(client, instance, "retry")  # still nothing applies: in error again
    assert "The node failed again: Node &#39;vet&#39;: no outgoing edge applies" in page
    page = repair(client, instance, "skip")  # where to? the administrator must say
    assert "Node &#39;vet&#39; (Vet) is done but no outgoing edge applies" in page
    assert refresh(instance).status is InstanceStatus.ERROR

    repair(client, instance, "skip", to="leader_ok")
    instance = refresh(instance)
    assert instance.status is InstanceStatus.RUNNING
    assert [(t.node_id, t.assignee.username) for t in live(instance)] == [("leader_ok", "leader")]
    [skipped] = [e for e in events(instance) if e.event == "node_skipped"]
    assert (skipped.actor.username, skipped.node_id) == ("admin", "vet")
    assert skipped.detail == {"to": ["leader_ok"]}

    second = stopped_at_vet()
    Choosy.fixed = True  # the plugin is fixed: asked again, it takes the default edge
    repair(client, second, "retry")
    second = refresh(second)
    assert second.status is InstanceStatus.RUNNING
    assert [(t.node_id, t.assignee.username) for t in live(second)] == [("hr_ok", "hr")]


def test_a_split_whose_routing_failed_is_skipped_along_every_branch(demo, plugins):
    publish(
        {
            **chain("broken_fork"),
            "nodes": [
                {"id": "start", "type": "start", "name": "Applicant"},
                {"id": "fork", "type": "broken_split", "name": "Fork"},
                node("left", "approval", ["head"]),
                node("right", "approval", ["leader"]),
                {"id": "join", "type": "parallel_join", "name": "Join"},
                {"id": "end", "type": "end", "name": "End"},
            ],
            "edges": [
                {"from": "start", "to": "fork"},
                {"from": "fork", "to": "left"},
                {"from": "fork", "to": "right"},
                {"from": "left", "to": "join"},
                {"from": "right", "to": "join"},
                {"from": "join", "to": "end"},
            ],
        }
    )
    instance = refresh(runtime().submit(user("staff"), "broken_fork", MultiDict({"note": "x"})))
    assert (instance.status, instance.error_node) == (InstanceStatus.ERROR, "fork")
    assert runtime().skip_targets(instance) == []  # nothing to choose: all branches run

    instance = refresh(runtime().skip_node(user("admin"), instance.id))
    assert instance.status is InstanceStatus.RUNNING
    assert {(t.node_id, t.assignee.username) for t in live(instance)} == {
        ("left", "head"),
        ("right", "leader"),
    }
    [skipped] = [e for e in events(instance) if e.event == "node_skipped"]
    assert skipped.detail == {"to": ["left", "right"]}
