"""Nobody decides on their own request (regulations §8.6, level-by-level control; issue 17,
defect 4).

When a deciding node's assignee rule names the initiator, the node's ``self_approval`` says
what happens: ``escalate`` (the default: the next head above, else the leader in charge),
``skip`` (left out; nobody left: the node is skipped) or ``allow`` (as before). The trail
says why, and so does the instance page's trace. In the demo organisation ``head`` heads
Sales, ``finance`` heads Finance, and ``leader`` heads the Group Office and is every
department's leader in charge, with nobody above.
"""

from __future__ import annotations

import copy
import json

import pytest

from form_builder.exceptions import DefinitionFormatError
from form_builder.format import load_document
from form_builder.validator import validate
from oa_platform.runtime.states import InstanceStatus
from plugins.registry import node_types
from tests.conftest import login, user
from tests.runtime_helpers import (
    act_at,
    agree_through,
    chain,
    describe,
    events,
    live,
    node,
    publish,
    refresh,
    rt,
    start,
    state,
)

BOTH_DATABASES = True


def notes(instance) -> list[dict]:
    """The details of the trail's §8.6 entries, with their node."""
    return [{"node": e.node_id, **e.detail} for e in events(instance) if e.event == "self_approval"]


def handlers(instance) -> set[str]:
    """Everyone who had a task at a node other than the start node."""
    return {who for node_id, who, *_ in describe(instance) if node_id != "start"}


def test_a_head_starting_a_leave_request_has_the_head_task_go_to_the_leader_in_charge(demo):
    instance = start("head", "leave_request")  # 7 days: the leader in charge approves too
    assert state(instance) == {("department_head", "leader", "open")}
    [note] = notes(instance)
    assert note["node"] == "department_head"
    assert (note["initiator"], note["mode"], note["outcome"]) == ("head", "escalate", "escalated")
    assert note["to"] == ["leader"]
    assert "§8.6" in note["reason"] and "Laura Lin (leader)" in note["reason"]

    instance = agree_through(instance)
    assert refresh(instance).status is InstanceStatus.COMPLETED
    assert "head" not in handlers(instance)


def test_finance_does_not_approve_its_own_expense_claim(demo):
    instance = start("finance", "expense_claim")
    # Finance heads its department: the manager's approval goes up to the leader in charge.
    assert state(instance) == {("manager", "leader", "open")}
    instance = act_at(instance, "leader", "agree")
    # Finance's own countersign (position Manager in FIN is finance) goes up as well.
    assert state(instance) == {("finance", "leader", "open")}
    instance = agree_through(instance)
    assert refresh(instance).status is InstanceStatus.COMPLETED
    assert "finance" not in handlers(instance)
    assert [(n["node"], n["outcome"], n["to"]) for n in notes(instance)] == [
        ("manager", "escalated", ["leader"]),
        ("finance", "escalated", ["leader"]),
    ]


def test_the_instance_page_trace_says_why_the_task_went_up(client, demo):
    instance = start("head", "leave_request")
    login(client, "head")
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    steps = html[html.index('id="trace-steps"') :]
    assert 'data-oa-step="department_head"' in steps
    assert "may not decide on their own request (regulations §8.6)" in steps
    assert "escalated to Laura Lin (leader)" in steps


def test_the_trail_of_the_api_carries_the_reason(api, demo):
    created = api(
        "POST",
        "head",
        "/instances",
        json={
            "definition": "leave_request",
            "data": {
                "leave_type": "annual",
                "start_date": "2030-05-01",
                "end_date": "2030-05-02",
                "reason": "A day off",
                "handover_to": "staff",
            },
        },
    ).get_json()["result"]
    trail = api("GET", "head", f"/instances/{created['id']}/audit").get_json()["result"]
    [entry] = [e for e in trail if e["event"] == "self_approval"]
    assert entry["detail"]["outcome"] == "escalated"
    assert "§8.6" in entry["detail"]["reason"]


def test_a_node_set_to_skip_is_skipped_with_a_trail_entry_and_the_chain_routes_on(demo):
    publish(
        chain(
            "own_check",
            node("check", "approval", ["staff"], self_approval="skip"),
            node("sign_off", "approval", ["head"]),
        )
    )
    instance = start("staff", "own_check", note="Stationery")
    assert state(instance) == {("sign_off", "head", "open")}
    [note] = notes(instance)
    assert (note["node"], note["mode"], note["outcome"]) == ("check", "skip", "skipped")
    assert "the node is skipped" in note["reason"]
    left = [e.detail for e in events(instance) if e.event == "node_left" and e.node_id == "check"]
    assert left == [{"outcome": "skipped"}]
    assert "staff" not in handlers(instance)


def test_the_initiator_among_several_handlers_is_left_out_and_the_others_decide(demo):
    countersign = {"mode": "all"}
    publish(
        chain(
            "joint_check",
            node("check", "collaboration", ["staff", "head"], config=countersign),
        )
    )
    instance = start("staff", "joint_check", note="Stationery")
    assert state(instance) == {("check", "head", "open")}
    [note] = notes(instance)
    assert (note["outcome"], note["to"]) == ("left_out", ["head"])
    instance = act_at(instance, "head", "agree")
    assert refresh(instance).status is InstanceStatus.COMPLETED


def test_a_node_set_to_allow_keeps_the_initiator_as_handler(demo):
    publish(chain("own_ok", node("check", "approval", ["staff"], self_approval="allow")))
    instance = start("staff", "own_ok", note="Stationery")
    assert state(instance) == {("check", "staff", "open")}
    assert notes(instance) == []
    instance = act_at(instance, "staff", "agree")
    assert refresh(instance).status is InstanceStatus.COMPLETED


def test_the_initiator_rule_names_the_initiator_on_purpose(demo):
    publish(chain("confirm", {**node("receipt", "approval"), "assignee": {"rule": "initiator"}}))
    instance = start("staff", "confirm", note="Laptop")
    assert state(instance) == {("receipt", "staff", "open")}
    assert notes(instance) == []


def test_a_copy_to_the_initiator_is_no_self_approval(demo):
    publish(
        chain(
            "copy_me",
            node("copy", "notify", ["staff"]),
            node("check", "approval", ["head"]),
        )
    )
    instance = start("staff", "copy_me", note="FYI")
    assert {(t[0], t[1]) for t in describe(instance)} >= {("copy", "staff"), ("check", "head")}
    assert notes(instance) == []


def test_with_nobody_above_the_initiator_the_instance_stops_in_error_naming_the_node(client, demo):
    instance = refresh(start("leader", "leave_request"))  # the top leader: nobody above
    assert instance.status is InstanceStatus.ERROR
    assert instance.error_node == "department_head"
    assert "Node 'department_head' (Department head approval)" in instance.error_detail
    assert "§8.6" in instance.error_detail and "Laura Lin (leader)" in instance.error_detail
    assert not live(instance, "department_head")
    # An administrator sees it and decides; a skip is audited as their choice.
    login(client, "admin")
    page = client.get("/admin/instance-errors/").get_data(as_text=True)
    assert "department_head" in page and "regulations §8.6" in page
    client.post("/logout/")
    instance = refresh(rt().skip_node(user("admin"), instance.id))
    # The leader in charge's own node names the leader again: it stops there as well.
    assert (instance.status, instance.error_node) == (InstanceStatus.ERROR, "leader_in_charge")
    instance = refresh(rt().skip_node(user("admin"), instance.id))
    assert state(instance) == {("hr_record", "hr", "open")}


# Publish-time checks ----------------------------------------------------------------------


def _leave_document() -> dict:
    from oa_platform.demo import EXAMPLE_DEFINITIONS

    return json.loads((EXAMPLE_DEFINITIONS / "leave_request.json").read_text(encoding="utf-8"))


def test_self_approval_takes_escalate_skip_or_allow_only(demo):
    document = _leave_document()
    document["nodes"][1]["self_approval"] = "sometimes"
    with pytest.raises(DefinitionFormatError) as raised:
        load_document(document)
    assert "self_approval" in str(raised.value)
    for mode in ("escalate", "skip", "allow"):
        document = _leave_document()
        document["nodes"][1]["self_approval"] = mode
        assert validate(load_document(copy.deepcopy(document)), node_types()) == []


def test_self_approval_on_a_node_that_decides_nothing_is_refused_at_publish(demo):
    document = chain("cc", node("copy", "notify", ["staff"], self_approval="skip"))
    problems = [str(p) for p in validate(load_document(document), node_types())]
    assert any("self_approval" in p and "§8.6" in p for p in problems), problems
