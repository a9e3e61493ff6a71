"""A transfer (转办) is recorded as a transfer, agency (regulations §3.4) as agency: the task
row, the audit trail, the API's task JSON and the instance page's trail tell them apart."""

from __future__ import annotations

from tests.conftest import login
from tests.runtime_helpers import act, act_at, away, events, live, refresh, start, verified

BOTH_DATABASES = True


def trail_rows(client, username: str, instance_id: int) -> str:
    """The instance page's trail (the steps table under the chain) as ``username`` sees it."""
    login(client, username)
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    return page[page.index('id="trace-steps"') :]


def test_a_transfer_is_recorded_as_transfer_not_agency(client, api):
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "transfer", opinion="I am on leave", users=["leader"])
    [new] = live(instance)
    assert new.assignee.username == "leader"
    assert new.principal_id is None  # the leader is nobody's agent here
    assert new.transferred_from.username == "head"

    assigned = [e for e in events(instance) if e.event == "assigned" and e.task_id == new.id]
    assert assigned[0].detail["transferred_from"] == "head"
    task = api.task_of("leader", instance.id)
    assert (task["on_behalf_of"], task["transferred_from"]) == (None, "head")

    act("leader", new, "agree")
    agreed = [e for e in events(instance) if e.event == "action" and e.task_id == new.id]
    assert agreed[0].actor.username == "leader" and agreed[0].on_behalf_of_id is None
    rows = trail_rows(client, "staff", instance.id)
    assert "Laura Lin (leader) <small" in rows and "(transferred by Henry Ho (head))" in rows
    assert "on behalf of Henry Ho" not in rows
    assert verified()


def test_agency_is_still_recorded_as_agency(client, api):
    away("head", "finance")
    instance = start("staff", "leave_request")
    [task] = live(refresh(instance))
    assert (task.assignee.username, task.principal.username) == ("finance", "head")
    assert task.transferred_from_id is None
    shown = api.task_of("finance", instance.id)
    assert (shown["on_behalf_of"], shown["transferred_from"]) == ("head", None)

    act("finance", task, "agree")
    agreed = [e for e in events(instance) if e.event == "action" and e.task_id == task.id]
    assert agreed[0].on_behalf_of.username == "head"
    rows = trail_rows(client, "staff", instance.id)
    assert "Fiona Zhao (finance) on behalf of Henry Ho (head)" in rows
    assert "transferred by" not in rows


def test_an_agent_who_transfers_the_task_keeps_it_the_principals(api):
    away("head", "finance")
    instance = start("staff", "leave_request")
    instance = act_at(instance, "finance", "transfer", opinion="Not mine", users=["leader"])
    [new] = live(instance)
    assert new.assignee.username == "leader"
    assert (new.principal.username, new.transferred_from.username) == ("head", "finance")
    transfer = [e for e in events(instance) if e.event == "action"][-1]
    assert transfer.detail["action"] == "transfer"
    assert (transfer.actor.username, transfer.on_behalf_of.username) == ("finance", "head")
    shown = api.task_of("leader", instance.id)
    assert (shown["on_behalf_of"], shown["transferred_from"]) == ("head", "finance")


def test_a_task_transferred_to_someone_away_goes_to_their_agent_on_their_behalf(demo):
    away("leader", "hr")
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "transfer", opinion="I am on leave", users=["leader"])
    [new] = live(instance)
    assert new.assignee.username == "hr"
    assert (new.principal.username, new.transferred_from.username) == ("leader", "head")
    used = [e for e in events(instance) if e.event == "agent_used" and e.task_id == new.id]
    assert used[0].detail["principal"] == "leader" and used[0].detail["agent"] == "hr"
