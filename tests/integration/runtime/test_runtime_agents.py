"""Regulations §3.4: a handler away names an agent; new tasks go to the agent, who acts on
behalf of the principal, and the principal still sees them."""

from __future__ import annotations

from oa_platform.extensions import db
from oa_platform.runtime.visibility import visible_instance
from tests.conftest import user
from tests.runtime_helpers import act, away, events, live, refresh, start


def test_a_new_task_goes_to_the_agent_on_behalf_of_the_principal(demo):
    away("head", "finance")
    instance = start("staff", "leave_request")
    [task] = live(refresh(instance))
    assert (task.assignee.username, task.principal.username) == ("finance", "head")
    used = [e for e in events(instance) if e.event == "agent_used"]
    assert used[0].detail["principal"] == "head" and used[0].detail["agent"] == "finance"
    assert visible_instance(db.session, user("head"), instance.id) is not None

    act("finance", task, "agree")
    action = [
        e for e in events(refresh(instance)) if e.event == "action" and e.node_id == task.node_id
    ]
    assert action[-1].actor.username == "finance"
    assert action[-1].on_behalf_of.username == "head"


def test_a_chain_of_agents_ends_with_the_last_and_other_categories_are_untouched(demo):
    away("head", "finance", categories=["Human resources"])
    away("finance", "hr")
    instance = start("staff", "leave_request")
    [task] = live(refresh(instance))
    assert (task.assignee.username, task.principal.username) == ("hr", "head")
    claim = start("staff", "expense_claim")
    assert [t.assignee.username for t in live(refresh(claim))] == ["head"]  # Finance category
