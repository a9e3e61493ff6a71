"""The "My Agents" page and moving open to-dos to an agent (first §3.4, second §4.4)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

import oa_platform.agents.models  # noqa: F401  (registers agent_delegation before tables are built)
from oa_platform.agents.commands import set_delegation, start_due_delegations
from oa_platform.agents.models import AgentDelegation
from oa_platform.extensions import db
from oa_platform.runtime.models import AuditEntry, Task
from oa_platform.runtime.services import runtime
from tests.conftest import login, user

TODAY = date.today()
LEAVE = {
    "leave_type": "annual",
    "start_date": "2026-12-01",
    "end_date": "2026-12-02",
    "reason": "Family visit",
    "handover_to": "staff",
}


def switch(client, username: str) -> None:
    """Log in as ``username``; FAB ignores a log-in while someone is logged in."""
    client.post("/logout/")
    login(client, username)


def post_delegation(client, agent: str, *, principal: str | None = None, **extra):
    data = MultiDict(
        {
            "agent": str(user(agent).id),
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=3)).isoformat(),
            **extra,
        }
    )
    if principal is not None:
        data["principal"] = str(user(principal).id)
    return client.post("/agents/add", data=data)


def delegations() -> list[tuple[str, str, str | None]]:
    rows = db.session.scalars(select(AgentDelegation).order_by(AgentDelegation.id))
    return [(d.principal.username, d.agent.username, d.created_by.username) for d in rows]


def live(instance_id: int) -> list[tuple[str, str, str | None]]:
    tasks = db.session.scalars(
        select(Task).where(Task.instance_id == instance_id).order_by(Task.id)
    )
    return [
        (t.assignee.username, str(t.status), t.principal.username if t.principal else None)
        for t in tasks
        if t.node_id != "start"
    ]


def agent_used(instance_id: int) -> list[dict]:
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.instance_id == instance_id, AuditEntry.event == "agent_used"
        )
    )
    return [e.detail for e in entries]


def test_the_page_needs_a_log_in(client):
    assert client.get("/agents/").status_code == 302


def test_staff_name_their_own_agent_and_both_sides_see_it(client):
    login(client, "head")
    page = client.get("/agents/")
    assert page.status_code == 200
    assert b"My agents" in page.data
    assert b"For (empty: myself)" not in page.data  # only HR and Admin act for others
    assert b"Human resources" in page.data  # categories of published forms
    response = post_delegation(client, "finance", categories="Human resources")
    assert response.status_code == 302
    assert delegations() == [("head", "finance", "head")]
    switch(client, "finance")
    page = client.get("/agents/").data.decode()
    assert "Nobody has named you" not in page
    assert 'data-label="For">Henry Ho (head)</td>' in page


def test_staff_cannot_name_an_agent_for_someone_else(client):
    login(client, "staff")
    response = post_delegation(client, "finance", principal="head")
    assert response.status_code == 400
    assert b"only for yourself" in response.data
    assert delegations() == []


def test_refusals_are_shown_on_the_page(client):
    login(client, "head")
    response = post_delegation(client, "head")
    assert response.status_code == 400
    assert b"their own agent" in response.data
    response = post_delegation(client, "finance", ends_on=(TODAY - timedelta(days=1)).isoformat())
    assert response.status_code == 400
    assert delegations() == []


def test_hr_names_an_agent_for_anyone(client):
    login(client, "hr")
    assert b"For (empty: myself)" in client.get("/agents/").data
    assert post_delegation(client, "finance", principal="head").status_code == 302
    assert delegations() == [("head", "finance", "hr")]
    assert b"Everyone's current and upcoming" in client.get("/agents/").data


def test_only_the_principal_or_hr_revokes(client):
    login(client, "head")
    post_delegation(client, "finance")
    pk = db.session.scalar(select(AgentDelegation.id))
    switch(client, "staff")
    assert client.post(f"/agents/{pk}/revoke").status_code == 403
    switch(client, "head")
    assert client.post(f"/agents/{pk}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(AgentDelegation, pk).revoked_at is not None
    assert client.post("/agents/999/revoke").status_code == 404


def test_open_tasks_move_to_the_agent_when_asked(client):
    instance = runtime().submit(user("staff"), "leave_request", MultiDict(LEAVE))
    assert live(instance.id) == [("head", "open", None)]
    login(client, "head")
    post_delegation(client, "finance", include_open="y")
    db.session.expire_all()
    assert live(instance.id) == [("head", "cancelled", None), ("finance", "open", "head")]
    assert agent_used(instance.id)[0]["agent"] == "finance"
    assert db.session.scalar(select(AgentDelegation.tasks_moved_at)) is not None


def test_open_tasks_stay_without_include_open_or_for_other_forms(client):
    instance = runtime().submit(user("staff"), "leave_request", MultiDict(LEAVE))
    login(client, "head")
    post_delegation(client, "finance")
    post_delegation(
        client,
        "leader",
        categories="Finance",
        include_open="y",
        starts_on=(TODAY + timedelta(days=4)).isoformat(),
        ends_on=(TODAY + timedelta(days=5)).isoformat(),
    )
    db.session.expire_all()
    assert len(delegations()) == 2
    assert live(instance.id) == [("head", "open", None)]


def test_a_later_start_moves_open_tasks_on_the_day_once_following_chains(demo):
    instance = runtime().submit(user("staff"), "leave_request", MultiDict(LEAVE))
    start = TODAY + timedelta(days=2)
    head, finance, leader = user("head"), user("finance"), user("leader")
    set_delegation(
        db.session,
        head,
        principal=head,
        agent=finance,
        starts_on=start,
        ends_on=start,
        include_open=True,
    )
    set_delegation(
        db.session, finance, principal=finance, agent=leader, starts_on=start, ends_on=start
    )
    assert start_due_delegations(db.session, today=TODAY) == []
    moved = start_due_delegations(db.session, today=start)
    assert [(t.assignee.username, t.principal.username) for t in moved] == [("leader", "head")]
    assert start_due_delegations(db.session, today=start) == []
    db.session.commit()
    assert live(instance.id) == [("head", "cancelled", None), ("leader", "open", "head")]
