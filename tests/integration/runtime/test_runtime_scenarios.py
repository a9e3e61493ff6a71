"""Regulations §3.3 to §3.6, §6.1: the example definitions walked through every action a handler
or an initiator can take, and the rules each action keeps (opinions, offered actions,
visibility, the audit trail).

Every test ends with the whole audit trail verified (the autouse fixture ``sound_trail``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from form_builder import localized
from oa_platform.extensions import db
from oa_platform.runtime import policy
from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.exceptions import (
    ActionNotOfferedError,
    InstanceNotFoundError,
    NotAllowedError,
    OpinionRequiredError,
    TaskAlreadyHandledError,
)
from oa_platform.runtime.models import Question
from oa_platform.runtime.states import InstanceStatus, TaskStatus
from tests.conftest import user
from tests.runtime_helpers import (
    act,
    act_at,
    actions,
    agree_through,
    chain,
    describe,
    event_names,
    events,
    form,
    live,
    node,
    publish,
    refresh,
    rt,
    start,
    state,
    task_of,
    tasks,
    verified,
)

BOTH_DATABASES = True
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "definitions"
OPEN, WAITING, HELD = "open", "waiting", "held"


def example(key: str) -> dict:
    return json.loads((EXAMPLES / f"{key}.json").read_text())


def node_name(key: str, node_id: str) -> str:
    """The node's name as the suite (English) reads it."""
    name = next(n["name"] for n in example(key)["nodes"] if n["id"] == node_id)
    return localized.text(name, "en")


def opinion_message(action_label: str, node: str) -> str:
    return f"An opinion is required to {action_label} at '{node}' (regulations §3.5)."


@pytest.fixture(autouse=True)
def sound_trail(demo):
    """After every scenario the audit chain of every instance verifies (§6.1)."""
    yield
    verified()


def submit_note(key: str, initiator: str = "staff", note: str = "Please sign"):
    return rt().submit(user(initiator), key, MultiDict({"note": note}))


def publish_chain(key: str, *nodes: dict) -> None:
    publish(chain(key, *nodes))


# Walking the examples -----------------------------------------------------------------------

WALKS = {
    # key: (initiator, the nodes people handle when everyone agrees)
    "leave_request": ("staff", ["department_head", "leader_in_charge", "hr_record"]),
    "expense_claim": ("staff", ["manager", "finance"]),
    "oa_process_form_application": ("staff", ["department_head", "management_center", "it_setup"]),
    "user_offboarding": (
        "staff",
        ["work_handover", "computer_handover", "close_account"],
    ),
    "user_onboarding": ("hr", ["group_hr", "it_register"]),
}


@pytest.mark.parametrize("key", sorted(WALKS))
def test_agreeing_at_every_node_completes_each_example(key):
    initiator, handled = WALKS[key]
    instance = start(initiator, key)
    assert instance.status is InstanceStatus.RUNNING
    instance = agree_through(instance)

    assert instance.status is InstanceStatus.COMPLETED
    assert instance.finished_at is not None
    assert live(instance) == []
    assert sorted({n for n, _, a in actions(instance) if a == "agree"}) == sorted(handled)
    names = event_names(instance)
    assert names[0] == "created"
    assert names[-1] == "status" and events(instance)[-1].detail["to"] == "completed"
    assert {"node_entered", "assigned", "action", "node_left"} <= set(names)


def test_a_short_leave_skips_the_leader_in_charge():
    instance = start("staff", "leave_request", end_date=form("leave_request")["start_date"])
    instance = agree_through(instance)
    assert instance.status is InstanceStatus.COMPLETED
    assert [n for n, _, _ in actions(instance)] == ["start", "department_head", "hr_record"]


def test_read_counts_as_agree_and_needs_an_opinion_on_approval_nodes():
    instance = start("staff", "leave_request")
    with pytest.raises(OpinionRequiredError) as refused:
        act_at(instance, "head", "read")
    assert refused.value.message == opinion_message(
        "mark as read", node_name("leave_request", "department_head")
    )
    instance = act_at(instance, "head", "read", opinion="Read, fine by me")
    assert state(instance) == {("leader_in_charge", "leader", OPEN)}
    done = [t for t in tasks(instance) if t.node_id == "department_head"]
    assert [(t.action, t.opinion) for t in done] == [("read", "Read, fine by me")]
    left = [e.detail for e in events(instance) if e.event == "node_left"]
    assert left[1] == {"outcome": "agree"}  # read counts as agree


def test_read_needs_no_opinion_on_collaboration_nodes():
    instance = start("staff", "expense_claim")
    instance = act_at(instance, "head", "agree")
    assert state(instance) == {("finance", "finance", OPEN)}
    instance = act_at(instance, "finance", "read")
    assert instance.status is InstanceStatus.COMPLETED


def test_disagree_returns_to_the_initiator_by_default():
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "disagree", opinion="Not during the fair")
    assert instance.status is InstanceStatus.RETURNED
    assert state(instance) == {("start", "staff", OPEN)}
    status = [e.detail for e in events(instance) if e.event == "status"]
    assert status[-1] == {"from": "running", "to": "returned", "reason": "disagree"}

    instance = act_at(instance, "staff", "submit", formdata=form("leave_request"))
    assert instance.status is InstanceStatus.RUNNING
    assert state(instance) == {("department_head", "head", OPEN)}
    assert [a for _, _, a in actions(instance)] == ["submit", "disagree", "submit"]


def test_disagree_terminates_when_the_node_is_configured_so():
    publish_chain(
        "strict_approval",
        node("boss", "approval", ["head"], config={"on_disagree": "terminate"}),
    )
    instance = submit_note("strict_approval")
    instance = act_at(instance, "head", "disagree", opinion="No")
    assert instance.status is InstanceStatus.TERMINATED
    assert live(instance) == []


def test_rollback_to_the_previous_node():
    instance = start("staff", "oa_process_form_application")
    instance = act_at(instance, "head", "agree")
    instance = act_at(instance, "mc", "rollback", opinion="Head: check the scope again")
    assert instance.status is InstanceStatus.RUNNING
    assert state(instance) == {("department_head", "head", OPEN)}
    entry = [e for e in events(instance) if e.event == "action"][-1]
    assert entry.detail == {
        "action": "rollback",
        "opinion": "Head: check the scope again",
        "target": "department_head",
    }
    instance = agree_through(instance)
    assert instance.status is InstanceStatus.COMPLETED


def test_rollback_to_any_earlier_node():
    instance = start("staff", "oa_process_form_application", important="y")
    instance = act_at(instance, "head", "agree")
    instance = act_at(instance, "mc", "agree")
    instance = act_at(instance, "leader", "agree")
    task = task_of(instance, "admin", "it_setup")
    runtime = rt()
    engine = runtime.engine(instance, user("admin"))
    assert policy.rollback_targets(db.session, engine, task) == [
        "company_leader",
        "management_center",
        "department_head",
        "start",
    ]
    instance = act(
        "admin",
        task,
        "rollback",
        opinion="The centre must see the new steps",
        target="management_center",
    )
    assert state(instance) == {("management_center", "mc", OPEN)}
    instance = agree_through(instance)
    assert instance.status is InstanceStatus.COMPLETED
    assert [n for n, _, _ in actions(instance)] == [
        "start",
        "department_head",
        "management_center",
        "company_leader",
        "it_setup",
        "management_center",
        "company_leader",
        "it_setup",
    ]


def test_rollback_to_a_node_that_is_not_earlier_is_refused():
    instance = start("staff", "oa_process_form_application")
    instance = act_at(instance, "head", "agree")
    with pytest.raises(ActionNotOfferedError) as refused:
        act_at(instance, "mc", "rollback", opinion="x", target="it_setup")
    assert refused.value.message == (
        "'it_setup' is not an earlier node of this instance; choose one of: department_head, start"
    )
    assert state(instance) == {("management_center", "mc", OPEN)}


def test_rollback_to_the_initiator_then_resubmission_walks_the_chain_again():
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "agree")
    instance = act_at(instance, "leader", "rollback", opinion="Fix the dates", target="initiator")
    assert instance.status is InstanceStatus.RETURNED
    assert instance.resubmit_to is None
    assert state(instance) == {("start", "staff", OPEN)}
    instance = act_at(instance, "staff", "submit", formdata=form("leave_request"))
    assert state(instance) == {("department_head", "head", OPEN)}


def test_rollback_to_the_initiator_comes_straight_back_on_resubmission():
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "agree")
    instance = act_at(
        instance,
        "leader",
        "rollback",
        opinion="Fix the dates, then back to me",
        target="initiator",
        resubmit_to_me=True,
    )
    assert (instance.status, instance.resubmit_to) == (InstanceStatus.RETURNED, "leader_in_charge")
    changed = form("leave_request", reason="Family trip abroad, shorter")
    instance = act_at(instance, "staff", "submit", formdata=changed)
    assert instance.status is InstanceStatus.RUNNING
    assert instance.resubmit_to is None
    assert state(instance) == {("leader_in_charge", "leader", OPEN)}
    changes = [e.detail["changes"] for e in events(instance) if e.event == "fields_changed"]
    assert changes[-1] == {"reason": ["Family trip abroad", "Family trip abroad, shorter"]}
    instance = agree_through(instance)
    assert instance.status is InstanceStatus.COMPLETED


def test_terminate_ends_the_instance():
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "terminate", opinion="Duplicate of an earlier request")
    assert instance.status is InstanceStatus.TERMINATED
    assert live(instance) == []
    assert instance.finished_at is not None
    with pytest.raises(NotAllowedError):
        rt().urge(user("staff"), instance.id)
    status = [e.detail for e in events(instance) if e.event == "status"][-1]
    assert status == {
        "from": "running",
        "to": "terminated",
        "reason": "Duplicate of an earlier request",
    }


# Signers ------------------------------------------------------------------------------------


def test_add_signature_before_the_signer_waits_for_the_added_one():
    instance = start("staff", "leave_request")
    instance = act_at(
        instance, "head", "add_signature", opinion="HR first", users=["hr"], position="before"
    )
    assert state(instance) == {
        ("department_head", "head", WAITING),
        ("department_head", "hr", OPEN),
    }
    with pytest.raises(TaskAlreadyHandledError):
        act_at_any(instance, "head", "agree")
    instance = act_at(instance, "hr", "agree")
    assert state(instance) == {("department_head", "head", OPEN)}
    instance = act_at(instance, "head", "agree")
    assert state(instance) == {("leader_in_charge", "leader", OPEN)}


def act_at_any(instance, username, action, **request):
    """Act on ``username``'s live task whatever its status (to prove waiting ones refuse)."""
    task = next(t for t in live(instance) if t.assignee.username == username)
    return act(username, task, action, **request)


def test_add_signature_before_with_several_signers_waits_for_all_of_them():
    instance = start("staff", "leave_request")
    instance = act_at(
        instance,
        "head",
        "add_signature",
        opinion="HR and finance first",
        users=["hr", "finance"],
        position="before",
    )
    instance = act_at(instance, "hr", "agree")
    assert state(instance) == {
        ("department_head", "head", WAITING),
        ("department_head", "finance", OPEN),
    }
    instance = act_at(instance, "finance", "agree")
    assert state(instance) == {("department_head", "head", OPEN)}


def test_add_signature_after_the_signer_opens_once_the_signer_agreed():
    instance = start("staff", "leave_request")
    instance = act_at(
        instance, "head", "add_signature", opinion="HR to confirm", users=["hr"], position="after"
    )
    assert state(instance) == {
        ("department_head", "head", OPEN),
        ("department_head", "hr", WAITING),
    }
    instance = act_at(instance, "head", "agree")
    assert state(instance) == {("department_head", "hr", OPEN)}
    instance = act_at(instance, "hr", "agree")
    assert state(instance) == {("leader_in_charge", "leader", OPEN)}
    added = [t for t in tasks(instance) if t.node_id == "department_head" and t.role == "after"]
    assert [t.parent_task_id for t in added] == [task_of_done(instance, "head").id]


def task_of_done(instance, username):
    return next(t for t in tasks(instance) if t.assignee.username == username and t.action)


def test_add_signature_in_parallel_needs_both_signers():
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "add_signature", opinion="Finance too", users=["finance"])
    assert state(instance) == {
        ("department_head", "head", OPEN),
        ("department_head", "finance", OPEN),
    }
    instance = act_at(instance, "head", "agree")
    assert state(instance) == {("department_head", "finance", OPEN)}
    instance = act_at(instance, "finance", "agree")
    assert state(instance) == {("leader_in_charge", "leader", OPEN)}
    entry = [e for e in events(instance) if e.event == "action"][1]
    assert entry.detail == {
        "action": "add_signature",
        "opinion": "Finance too",
        "users": ["finance"],
        "position": "parallel",
    }


def test_an_added_signer_who_disagrees_returns_the_instance():
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "add_signature", opinion="HR too", users=["hr"])
    instance = act_at(instance, "hr", "disagree", opinion="No entitlement left")
    assert instance.status is InstanceStatus.RETURNED


def test_adding_someone_who_already_signs_here_is_refused():
    publish_chain(
        "sequential_three",
        node("sign", "collaboration", ["hr", "finance", "mc"], config={"signing": "sequential"}),
    )
    instance = submit_note("sequential_three")
    for name in ("finance", "hr"):  # waiting in line, and the signer themselves
        with pytest.raises(ActionNotOfferedError) as refused:
            act_at(instance, "hr", "add_signature", users=[name])
        assert refused.value.message == f"{name} already signs at this node."
    assert state(instance) == {
        ("sign", "hr", OPEN),
        ("sign", "finance", WAITING),
        ("sign", "mc", WAITING),
    }


def test_reduce_signature_removes_a_signer_who_has_not_acted():
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "add_signature", opinion="HR too", users=["hr"])
    hr_task = task_of(instance, "hr")
    runtime = rt()
    head_task = task_of(instance, "head")
    removable = policy.removable_signers(runtime.engine(instance, user("head")), head_task)
    assert [t.id for t in removable] == [hr_task.id]
    instance = act(
        "head", head_task, "reduce_signature", opinion="Not needed after all", task_ids=[hr_task.id]
    )
    assert state(instance) == {("department_head", "head", OPEN)}
    assert refresh(instance) and str(tasks(instance)[-1].status) == "cancelled"
    with pytest.raises(ActionNotOfferedError) as refused:
        act_at(instance, "head", "reduce_signature", opinion="again", task_ids=[hr_task.id])
    assert refused.value.message == (
        "Only a signer of this node who has not acted yet can be removed: nobody is left."
    )
    instance = act_at(instance, "head", "agree")
    assert state(instance) == {("leader_in_charge", "leader", OPEN)}


# Countersigning (collaboration) -------------------------------------------------------------


def countersign(key: str, **config) -> None:
    publish_chain(key, node("sign", "collaboration", ["hr", "finance", "mc"], config=config))


def test_countersign_all_needs_every_signer():
    countersign("cs_all", mode="all")
    instance = submit_note("cs_all")
    assert state(instance) == {("sign", u, OPEN) for u in ("hr", "finance", "mc")}
    instance = act_at(instance, "hr", "agree")
    instance = act_at(instance, "finance", "read")
    assert state(instance) == {("sign", "mc", OPEN)}
    instance = act_at(instance, "mc", "agree")
    assert instance.status is InstanceStatus.COMPLETED


def test_countersign_all_returns_on_one_refusal():
    countersign("cs_all_refused", mode="all")
    instance = submit_note("cs_all_refused")
    instance = act_at(instance, "hr", "agree")
    instance = act_at(instance, "mc", "disagree", opinion="Budget exhausted")
    assert instance.status is InstanceStatus.RETURNED
    assert state(instance) == {("start", "staff", OPEN)}


def test_countersign_any_needs_one_signer():
    countersign("cs_any", mode="any")
    instance = submit_note("cs_any")
    instance = act_at(instance, "finance", "disagree", opinion="Not mine")
    assert instance.status is InstanceStatus.RUNNING  # the others may still agree
    instance = act_at(instance, "mc", "agree")
    assert instance.status is InstanceStatus.COMPLETED
    cancelled = [t.assignee.username for t in tasks(instance) if t.status is TaskStatus.CANCELLED]
    assert cancelled == ["hr"]


def test_countersign_percentage_needs_that_share_of_the_signers():
    countersign("cs_percent", mode="percentage", percentage=60)  # 2 of 3
    instance = submit_note("cs_percent")
    instance = act_at(instance, "hr", "agree")
    assert instance.status is InstanceStatus.RUNNING
    instance = act_at(instance, "mc", "agree")
    assert instance.status is InstanceStatus.COMPLETED


def test_countersign_percentage_returns_once_the_share_cannot_be_reached():
    countersign("cs_percent_no", mode="percentage", percentage=60)
    instance = submit_note("cs_percent_no")
    instance = act_at(instance, "hr", "disagree", opinion="No")
    assert instance.status is InstanceStatus.RUNNING
    instance = act_at(instance, "mc", "disagree", opinion="No either")
    assert instance.status is InstanceStatus.RETURNED


def test_countersign_sequential_opens_one_signer_after_the_other():
    countersign("cs_sequential", mode="all", signing="sequential")
    instance = submit_note("cs_sequential")
    assert state(instance) == {
        ("sign", "hr", OPEN),
        ("sign", "finance", WAITING),
        ("sign", "mc", WAITING),
    }
    instance = act_at(instance, "hr", "agree")
    assert state(instance) == {("sign", "finance", OPEN), ("sign", "mc", WAITING)}
    instance = act_at(instance, "finance", "transfer", users=["leader"])
    assert state(instance) == {("sign", "leader", OPEN), ("sign", "mc", WAITING)}
    instance = act_at(instance, "leader", "agree")
    assert state(instance) == {("sign", "mc", OPEN)}
    instance = act_at(instance, "mc", "agree")
    assert instance.status is InstanceStatus.COMPLETED


def test_countersign_sequential_any_stops_at_the_first_agreement():
    countersign("cs_sequential_any", mode="any", signing="sequential")
    instance = submit_note("cs_sequential_any")
    instance = act_at(instance, "hr", "agree")
    assert instance.status is InstanceStatus.COMPLETED


def test_reducing_a_countersigner_lowers_the_quorum():
    countersign("cs_reduce", mode="all")
    instance = submit_note("cs_reduce")
    mc = task_of(instance, "mc")
    instance = act_at(instance, "hr", "reduce_signature", opinion="MC is away", task_ids=[mc.id])
    instance = act_at(instance, "hr", "agree")
    instance = act_at(instance, "finance", "agree")
    assert instance.status is InstanceStatus.COMPLETED


# Parallel branches --------------------------------------------------------------------------


def test_parallel_branches_join_before_the_next_node():
    instance = start("staff", "user_offboarding")
    assert state(instance) == {
        ("work_handover", "head", OPEN),
        ("computer_handover", "admin", OPEN),
    }
    instance = act_at(instance, "admin", "agree", formdata=MultiDict({"computer_returned": "y"}))
    assert state(instance) == {("work_handover", "head", OPEN)}
    joins = [e for e in events(instance) if e.node_id == "handovers_done"]
    assert [e.event for e in joins] == ["node_entered"]
    instance = act_at(instance, "head", "agree")
    assert state(instance) == {("close_account", "admin", OPEN)}
    instance = act_at(instance, "admin", "agree")
    assert instance.status is InstanceStatus.COMPLETED
    assert refresh(instance).values["computer_returned"] is True
    notify = [t for t in tasks(instance) if t.node_id == "notify_hr"]
    assert [(t.assignee.username, t.blocking, str(t.status)) for t in notify] == [
        ("hr", False, "open")
    ]


def test_rollback_inside_a_parallel_branch_only_goes_to_its_own_earlier_nodes():
    instance = start("staff", "user_offboarding")
    instance = act_at(instance, "head", "agree")
    task = task_of(instance, "admin", "computer_handover")
    runtime = rt()
    engine = runtime.engine(instance, user("admin"))
    assert policy.rollback_targets(db.session, engine, task) == ["start"]
    instance = act(
        "admin", task, "rollback", opinion="Which computer? Say it in the form", target="previous"
    )
    assert instance.status is InstanceStatus.RETURNED
    assert state(instance) == {("start", "staff", OPEN)}
    instance = act_at(instance, "staff", "submit", formdata=form("user_offboarding"))
    assert state(instance) == {
        ("work_handover", "head", OPEN),
        ("computer_handover", "admin", OPEN),
    }
    instance = agree_through(instance)
    assert instance.status is InstanceStatus.COMPLETED


def test_rollback_from_after_a_join_into_one_branch_reruns_only_that_branch():
    instance = start("staff", "user_offboarding")
    instance = act_at(instance, "head", "agree")
    instance = act_at(instance, "admin", "agree", node_id="computer_handover")
    instance = act_at(
        instance, "admin", "rollback", opinion="Handover not signed", target="work_handover"
    )
    assert state(instance) == {("work_handover", "head", OPEN)}
    instance = act_at(instance, "head", "agree")
    assert state(instance) == {("close_account", "admin", OPEN)}
    instance = agree_through(instance)
    assert instance.status is InstanceStatus.COMPLETED


def test_rollback_within_a_branch_keeps_the_other_branches():
    publish(
        {
            **chain("two_branches"),
            "nodes": [
                {"id": "start", "type": "start", "name": "Applicant"},
                {"id": "split", "type": "parallel_split", "name": "Split"},
                node("a1", "approval", ["head"]),
                node("a2", "approval", ["leader"]),
                node("b1", "approval", ["hr"]),
                {"id": "join", "type": "parallel_join", "name": "Join"},
                node("last", "approval", ["finance"]),
                {"id": "end", "type": "end", "name": "End"},
            ],
            "edges": [
                {"from": "start", "to": "split"},
                {"from": "split", "to": "a1"},
                {"from": "a1", "to": "a2"},
                {"from": "split", "to": "b1"},
                {"from": "a2", "to": "join"},
                {"from": "b1", "to": "join"},
                {"from": "join", "to": "last"},
                {"from": "last", "to": "end"},
            ],
        }
    )
    instance = submit_note("two_branches")
    instance = act_at(instance, "head", "agree")
    instance = act_at(instance, "leader", "rollback", opinion="Head: once more", target="a1")
    assert state(instance) == {("a1", "head", OPEN), ("b1", "hr", OPEN)}
    instance = act_at(instance, "hr", "agree")  # the other branch arrives meanwhile
    instance = act_at(instance, "head", "agree")
    instance = act_at(instance, "leader", "agree")
    assert state(instance) == {("last", "finance", OPEN)}
    instance = act_at(instance, "finance", "agree")
    assert instance.status is InstanceStatus.COMPLETED


def test_coming_straight_back_from_inside_a_parallel_branch_is_refused():
    instance = start("staff", "user_offboarding")
    with pytest.raises(ActionNotOfferedError) as refused:
        act_at(
            instance,
            "admin",
            "rollback",
            opinion="x",
            target="initiator",
            resubmit_to_me=True,
            node_id="computer_handover",
        )
    assert "parallel" in refused.value.message
    assert instance.status is InstanceStatus.RUNNING


# The initiator's actions --------------------------------------------------------------------


def test_revoke_is_allowed_before_the_next_handler_opened_it():
    instance = start("staff", "leave_request")
    rt().view(user("staff"), instance.id)  # the initiator looking does not count
    instance = rt().revoke(user("staff"), instance.id, "Wrong dates")
    assert instance.status is InstanceStatus.DRAFT
    assert live(instance) == []
    entry = [e for e in events(instance) if e.event == "action"][-1]
    assert entry.detail == {"action": "revoke", "opinion": "Wrong dates"}
    # The draft is submitted again as it was.
    instance = rt().submit(
        user("staff"), "leave_request", form("leave_request"), instance_id=instance.id
    )
    assert state(instance) == {("department_head", "head", OPEN)}


def test_revoke_is_refused_after_the_next_handler_opened_it():
    instance = start("staff", "leave_request")
    rt().view(user("head"), instance.id)
    with pytest.raises(NotAllowedError) as refused:
        rt().revoke(user("staff"), instance.id, "Wrong dates")
    assert refused.value.message == "Henry Ho has already opened it; ask them to roll it back."
    assert refresh(instance).status is InstanceStatus.RUNNING
    viewed = [e for e in events(instance) if e.event == "viewed"]
    assert viewed[-1].detail == {"opened_tasks": [task_of(instance, "head").id]}


def test_only_the_initiator_may_revoke():
    instance = start("staff", "leave_request")
    with pytest.raises(NotAllowedError):
        rt().revoke(user("head"), instance.id, "x")


def test_urge_reminds_the_current_handlers():
    instance = start("staff", "user_offboarding")
    assert rt().urge(user("staff"), instance.id, "Last day is close") == ["admin", "head"]
    entry = events(instance)[-1]
    assert (entry.event, entry.detail) == (
        "urged",
        {"handlers": ["admin", "head"], "message": "Last day is close"},
    )
    with pytest.raises(NotAllowedError):
        rt().urge(user("head"), instance.id)


# Holding, drafts, transfer, modifying the text --------------------------------------------


def test_hold_keeps_the_task_held_with_its_opinion_then_agree():
    instance = start("staff", "leave_request")
    with pytest.raises(OpinionRequiredError):
        act_at(instance, "head", "hold")
    instance = act_at(instance, "head", "hold", opinion="Waiting for the roster")
    task = task_of(instance, "head")
    assert (task.status, task.opinion) == (TaskStatus.HELD, "Waiting for the roster")
    assert rt().urge(user("staff"), instance.id) == ["head"]
    with pytest.raises(ActionNotOfferedError):
        act(  # holding a held task again
            "head", task, "hold", opinion="still waiting"
        )
    instance = act(task.assignee.username, task, "agree")
    assert state(instance) == {("leader_in_charge", "leader", OPEN)}
    assert [a for n, _, a in actions(instance) if n == "department_head"] == ["hold", "agree"]


def test_save_as_draft_on_a_task_keeps_the_opinion_and_edits_aside():
    instance = start("staff", "leave_request")
    instance = agree_until(instance, "hr_record")
    before = dict(refresh(instance).values)
    instance = act_at(
        instance,
        "hr",
        "draft",
        opinion="Entitlement to be checked",
        formdata=MultiDict({"hr_remarks": "12 days left"}),
    )
    task = task_of(instance, "hr")
    assert task.status is TaskStatus.OPEN
    assert task.draft == {
        "opinion": "Entitlement to be checked",
        "values": {"hr_remarks": "12 days left"},
    }
    assert refresh(instance).values == before
    assert events(instance)[-1].event == "task_draft_saved"
    instance = act("hr", task, "agree", formdata=MultiDict({"hr_remarks": "12 days left"}))
    assert instance.status is InstanceStatus.COMPLETED
    assert refresh(instance).values["hr_remarks"] == "12 days left"
    assert [t.draft for t in tasks(instance) if t.node_id == "hr_record"] == [None]


def agree_until(instance, node_id):
    for _ in range(10):
        if any(t.node_id == node_id for t in live(instance)):
            return instance
        task = live(instance)[0]
        instance = act(task.assignee.username, task, "agree")
    raise AssertionError(describe(instance))


def test_transfer_hands_the_task_over_and_records_who_transferred_it():
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "transfer", opinion="I am on leave", users=["leader"])
    assert state(instance) == {("department_head", "leader", OPEN)}
    old, new = [t for t in tasks(instance) if t.node_id == "department_head"]
    assert (str(old.status), old.action, old.opinion) == ("cancelled", "transfer", "I am on leave")
    # A transfer, not agency (§3.4): the leader acts for nobody, the task says who gave it.
    assert (new.transferred_from_id, new.principal_id) == (user("head").id, None)
    with pytest.raises(TaskAlreadyHandledError) as refused:
        act("head", old, "agree")
    assert refused.value.message == "This task was transferred by Henry Ho."
    instance = act("leader", new, "agree")
    assert state(instance) == {("leader_in_charge", "leader", OPEN)}
    entry = next(e for e in events(instance) if e.event == "action" and e.task_id == new.id)
    assert entry.on_behalf_of_id is None


def test_transfer_to_someone_who_already_signs_here_is_refused():
    countersign("cs_transfer", mode="all")
    instance = submit_note("cs_transfer")
    with pytest.raises(ActionNotOfferedError) as refused:
        act_at(instance, "hr", "transfer", users=["finance"])
    assert refused.value.message == "finance already signs at this node."
    with pytest.raises(ActionNotOfferedError) as refused:
        act_at(instance, "hr", "transfer", users=["hr"])
    assert refused.value.message == "The task is already yours."


def test_modify_text_records_the_changed_fields_in_the_audit():
    instance = start("staff", "user_offboarding")
    instance = act_at(
        instance,
        "head",
        "modify_text",
        opinion="Handover goes to the head",
        formdata=MultiDict({"handover_to": "head", "handover_done": "y"}),
    )
    assert state(instance) == {
        ("work_handover", "head", OPEN),
        ("computer_handover", "admin", OPEN),
    }
    assert refresh(instance).values["handover_to"] == "head"
    changed = [e for e in events(instance) if e.event == "fields_changed"][-1]
    assert (changed.node_id, changed.actor.username) == ("work_handover", "head")
    assert changed.detail == {
        "changes": {"handover_done": [None, True], "handover_to": ["staff", "head"]}
    }
    assert actions(instance)[-1] == ("work_handover", "head", "modify_text")


def test_fields_a_node_may_not_edit_are_ignored_and_audited():
    instance = start("staff", "leave_request")
    instance = act_at(
        instance, "head", "agree", formdata=MultiDict({"reason": "Changed by the head"})
    )
    assert refresh(instance).values["reason"] == "Family trip abroad"
    ignored = [e for e in events(instance) if e.event == "ignored_field_post"]
    assert [(e.node_id, e.detail) for e in ignored] == [("department_head", {"fields": ["reason"]})]


# Questions (§3.3, §3.6) ---------------------------------------------------------------------


def test_a_handler_asks_the_initiator_who_answers_and_the_handler_goes_on():
    instance = start("staff", "leave_request")
    question = rt().ask(user("head"), instance.id, "staff", "Who covers the fair?")
    assert question.task_id == task_of(instance, "head").id
    with pytest.raises(NotAllowedError):
        rt().answer(user("head"), question.id, "Me")
    answered = rt().answer(user("staff"), question.id, "Chen covers it")
    assert answered.answer == "Chen covers it" and answered.answered_at is not None
    with pytest.raises(TaskAlreadyHandledError):
        rt().answer(user("staff"), question.id, "again")
    instance = act_at(instance, "head", "agree")
    assert state(instance) == {("leader_in_charge", "leader", OPEN)}
    trail = [(e.event, e.detail) for e in events(instance) if e.event in {"question", "answer"}]
    assert trail == [
        ("question", {"question": question.id, "to": "staff", "text": "Who covers the fair?"}),
        ("answer", {"question": question.id, "text": "Chen covers it"}),
    ]


def test_questions_go_only_to_participants():
    instance = start("staff", "leave_request")
    with pytest.raises(NotAllowedError) as refused:
        rt().ask(user("head"), instance.id, "finance", "Budget?")
    assert refused.value.message == "Questions go to the initiator or another participant."


def test_the_initiator_cancels_and_reinitiates_with_the_data_copied():
    instance = start("staff", "leave_request")
    rt().ask(user("head"), instance.id, "staff", "Is this the right leave type?")
    new = rt().reinitiate(user("staff"), instance.id, "Should have been personal leave")
    old = refresh(instance)
    assert old.status is InstanceStatus.CANCELLED
    assert live(old) == []
    assert (new.status, new.reinitiated_from_id) == (InstanceStatus.DRAFT, old.id)
    assert new.values == old.values
    assert [e.event for e in events(new)] == ["created", "reinitiated"]
    status = [e.detail for e in events(old) if e.event == "status"][-1]
    assert status == {
        "from": "running",
        "to": "cancelled",
        "reason": "Should have been personal leave",
    }
    again = rt().submit(
        user("staff"),
        "leave_request",
        form("leave_request", leave_type="personal"),
        instance_id=new.id,
    )
    assert state(again) == {("department_head", "head", OPEN)}
    with pytest.raises(NotAllowedError):
        rt().reinitiate(user("staff"), old.id, "again")


def test_an_instance_in_error_can_be_cancelled_and_reinitiated():
    publish_chain(
        "nobody_here",
        node("nobody", "approval", assignee={"rule": "position", "position": "Chairman"}),
    )
    instance = submit_note("nobody_here")
    assert instance.status is InstanceStatus.ERROR
    assert instance.error_node == "nobody" and "no active user" in instance.error_detail
    new = rt().reinitiate(user("staff"), instance.id, "Nobody can approve this")
    assert refresh(instance).status is InstanceStatus.CANCELLED
    assert new.values == {"note": "Please sign"}


# The rules every action keeps ------------------------------------------------------------

APPROVAL_REQUESTS = {
    # action: (its label in messages, a request that is otherwise valid)
    "read": ("mark as read", {}),
    "disagree": ("disagree", {}),
    "rollback": ("roll back", {}),
    "terminate": ("terminate", {}),
    "add_signature": ("add a signer", {"users": ["hr"]}),
    "reduce_signature": ("remove a signer", {"task_ids": "leader"}),
    "modify_text": ("modify the text", {"formdata": MultiDict({"note": "Edited"})}),
    "hold": ("put on hold", {}),
    "draft": ("save as draft", {"formdata": MultiDict({"note": "Edited"})}),
    "transfer": ("transfer", {"users": ["hr"]}),
    "failed_review": ("fail the review", {}),
}


def two_signers(key: str, kind: str, **members) -> None:
    publish_chain(
        key,
        node(
            "check",
            kind,
            ["head", "leader"],
            name="Check",
            field_access={"note": "edit"},
            **members,
        ),
    )


def request_for(instance, request: dict) -> dict:
    if request.get("task_ids") == "leader":
        return {**request, "task_ids": [task_of(instance, "leader").id]}
    return request


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        (kind, action)
        for kind in ("approval", "form_review")
        for action in sorted(APPROVAL_REQUESTS)
        # Only Form Review offers to fail the review.
        if not (kind == "approval" and action == "failed_review")
    ],
)
def test_non_agree_actions_need_an_opinion_on_approval_nodes(kind, action):
    key = f"opinions_{kind}"
    two_signers(key, kind)
    instance = submit_note(key)
    label, request = APPROVAL_REQUESTS[action]
    request = request_for(instance, request)
    for blank in ("", "   "):
        with pytest.raises(OpinionRequiredError) as refused:
            act_at(instance, "head", action, opinion=blank, **request)
        assert refused.value.message == opinion_message(label, "Check")
    assert [a for _, _, a in actions(instance)] == ["submit"]
    act_at(instance, "head", action, opinion="  Clear reasons.  ", **request)
    recorded = [e for e in events(instance) if e.event == "action"]
    if action == "draft":
        assert task_of(instance, "head").draft["opinion"] == "Clear reasons."
    else:
        assert recorded[-1].detail["opinion"] == "Clear reasons."
        assert recorded[-1].detail["action"] == action


@pytest.mark.parametrize("kind", ["approval", "form_review"])
def test_agree_needs_no_opinion_on_approval_nodes(kind):
    key = f"agree_{kind}"
    two_signers(key, kind)
    instance = submit_note(key)
    instance = act_at(instance, "head", "agree")
    assert instance.status is InstanceStatus.COMPLETED


COLLABORATION_REQUESTS = {
    "agree": False,
    "read": False,
    "add_signature": False,
    "draft": False,
    "transfer": False,
    "disagree": True,
    "rollback": True,
    "terminate": True,
    "reduce_signature": True,
    "hold": True,
}
COLLABORATION_LABELS = {
    "disagree": "disagree",
    "rollback": "roll back",
    "terminate": "terminate",
    "reduce_signature": "remove a signer",
    "hold": "put on hold",
}


@pytest.mark.parametrize("action", sorted(COLLABORATION_REQUESTS))
def test_collaboration_needs_a_reason_to_disagree_roll_back_terminate_reduce_or_hold(action):
    two_signers("reasons", "collaboration")
    instance = submit_note("reasons")
    request = {
        "add_signature": {"users": ["hr"]},
        "transfer": {"users": ["hr"]},
        "reduce_signature": {"task_ids": "leader"},
        "draft": {"formdata": MultiDict({"note": "Later"})},
    }.get(action, {})
    request = request_for(instance, request)
    if COLLABORATION_REQUESTS[action]:
        with pytest.raises(OpinionRequiredError) as refused:
            act_at(instance, "head", action, **request)
        assert refused.value.message == opinion_message(COLLABORATION_LABELS[action], "Check")
        act_at(instance, "head", action, opinion="Because", **request)
    else:
        act_at(instance, "head", action, **request)
    assert len(actions(instance)) == (1 if action == "draft" else 2)


@pytest.mark.parametrize(
    ("key", "node_id", "who", "action", "offers"),
    [
        (
            "leave_request",
            "hr_record",
            "hr",
            "disagree",
            "agree, mark as read, roll back, fail the review, put on hold, save as draft, transfer",
        ),
        (
            "expense_claim",
            "finance",
            "finance",
            "modify_text",
            # Nobody to remove yet: removing a signer is not offered (the page shows the same).
            "agree, mark as read, disagree, roll back, terminate, add a signer, "
            "put on hold, save as draft, transfer",
        ),
        (
            "leave_request",
            "department_head",
            "head",
            "failed_review",
            "agree, mark as read, disagree, roll back, terminate, add a signer, "
            "modify the text, put on hold, save as draft, transfer",
        ),
        ("leave_request", "department_head", "head", "revoke", None),
        ("leave_request", "department_head", "head", "submit", None),
    ],
)
def test_actions_a_node_does_not_offer_are_refused(key, node_id, who, action, offers):
    instance = start("staff", key)
    instance = agree_until(instance, node_id)
    with pytest.raises(ActionNotOfferedError) as refused:
        act_at(instance, who, action, opinion="Some opinion")
    if offers is not None:
        label = {"disagree": "disagree", "modify_text": "modify the text"}.get(
            action, "fail the review"
        )
        assert refused.value.message == (
            f"'{node_name(key, node_id)}' does not offer to {label} (it offers: {offers})."
        )
    assert any(t.node_id == node_id for t in live(instance))


def test_an_unknown_action_is_refused():
    instance = start("staff", "leave_request")
    with pytest.raises(ActionNotOfferedError) as refused:
        act_at(instance, "head", "approve_everything")
    assert refused.value.message == "Unknown action 'approve_everything'."


def test_a_stranger_is_told_the_instance_does_not_exist():
    instance = start("staff", "leave_request")
    task = task_of(instance, "head")
    stranger = user("finance")
    for attempt in (
        lambda: rt().view(stranger, instance.id),
        lambda: rt().act(stranger, task.id, ActionRequest("agree")),
        lambda: rt().ask(stranger, instance.id, "staff", "?"),
        lambda: rt().urge(stranger, instance.id),
        lambda: rt().revoke(stranger, instance.id, ""),
        lambda: rt().reinitiate(stranger, instance.id, "x"),
    ):
        with pytest.raises(InstanceNotFoundError) as refused:
            attempt()
        assert refused.value.message == "No such instance."
    # An auditor sees it, but acts on nobody's task.
    rt().view(user("auditor"), instance.id)
    with pytest.raises(NotAllowedError):
        act("auditor", task, "agree")


def test_a_participant_cannot_act_on_someone_elses_task():
    instance = start("staff", "leave_request")
    with pytest.raises(NotAllowedError) as refused:
        act("staff", task_of(instance, "head"), "agree")
    assert refused.value.message == "This task is someone else's."


def test_a_task_handled_already_names_who_handled_it():
    instance = start("staff", "leave_request")
    task = task_of(instance, "head")
    act("head", task, "agree")
    with pytest.raises(TaskAlreadyHandledError) as refused:
        act("head", task, "agree")
    assert refused.value.message.startswith("This task was already handled by Henry Ho (agree, ")


def test_a_question_is_stored_with_its_instance():
    instance = start("staff", "leave_request")
    rt().ask(user("head"), instance.id, "staff", "Why?")

    assert db.session.query(Question).filter_by(instance_id=instance.id).count() == 1


def parallel_with_nobody(key: str) -> None:
    """start, split: [notify hr, then head] and [nobody (a Chairman)], join, finance, end."""
    publish(
        {
            **chain(key),
            "nodes": [
                {"id": "start", "type": "start", "name": "Applicant"},
                {"id": "split", "type": "parallel_split", "name": "Split"},
                node("tell_hr", "notify", ["hr"]),
                node("head_signs", "approval", ["head"]),
                node(
                    "nobody",
                    "approval",
                    assignee={"rule": "position", "position": "Chairman"},
                ),
                {"id": "join", "type": "parallel_join", "name": "Join"},
                node("last", "approval", ["finance"]),
                {"id": "end", "type": "end", "name": "End"},
            ],
            "edges": [
                {"from": "start", "to": "split"},
                {"from": "split", "to": "tell_hr"},
                {"from": "tell_hr", "to": "head_signs"},
                {"from": "split", "to": "nobody"},
                {"from": "head_signs", "to": "join"},
                {"from": "nobody", "to": "join"},
                {"from": "join", "to": "last"},
                {"from": "last", "to": "end"},
            ],
        }
    )


def test_a_node_in_error_does_not_stop_the_other_parallel_branches():
    parallel_with_nobody("error_in_branch")
    instance = submit_note("error_in_branch")
    assert (instance.status, instance.error_node) == (InstanceStatus.ERROR, "nobody")
    assert state(instance) == {("head_signs", "head", OPEN)}
    with pytest.raises(TaskAlreadyHandledError) as refused:
        act_at(instance, "head", "agree")
    assert refused.value.message == "The instance is error."
    instance = rt().retry_node(user("admin"), instance.id)
    assert (instance.status, instance.error_node) == (InstanceStatus.ERROR, "nobody")
    instance = rt().skip_node(user("admin"), instance.id)
    assert instance.status is InstanceStatus.RUNNING
    instance = act_at(instance, "head", "agree")
    assert state(instance) == {("last", "finance", OPEN)}
    names = [(e.event, e.node_id) for e in events(instance) if e.event.startswith("node_")]
    assert ("node_error", "nobody") in names and ("node_skipped", "nobody") in names
    assert ("node_retried", "nobody") in names


def test_a_retry_or_skip_when_nothing_failed_is_refused():
    instance = start("staff", "leave_request")
    with pytest.raises(NotAllowedError) as refused:
        rt().skip_node(user("admin"), instance.id)
    assert refused.value.message == "The instance is not in error."


def test_a_returned_form_can_be_resubmitted_whatever_the_start_node_offers():
    document = chain("start_narrowed", node("boss", "approval", ["head"]))
    document["nodes"][0]["actions"] = ["urge"]
    publish(document)
    instance = submit_note("start_narrowed")
    instance = act_at(instance, "head", "disagree", opinion="Say more")
    assert instance.status is InstanceStatus.RETURNED
    instance = act_at(instance, "staff", "submit", formdata=MultiDict({"note": "More"}))
    assert state(instance) == {("boss", "head", OPEN)}
