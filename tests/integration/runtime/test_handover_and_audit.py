"""§4.2: a leaving user's open tasks move on in the same transaction as the deactivation.
§6.1: every instance's trail is hash-chained; `flask oa audit verify` names the first broken
entry of a tampered chain."""

from __future__ import annotations

from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from oa_platform.accounts.commands import deactivate_user
from oa_platform.extensions import db
from oa_platform.runtime.models import AuditEntry, Task
from oa_platform.runtime.services import runtime
from tests.conftest import user

BOTH_DATABASES = True
LEAVE = {
    "leave_type": "annual",
    "start_date": "2026-12-01",
    "end_date": "2026-12-02",
    "reason": "Family visit",
    "handover_to": "staff",
}


def start_leave():
    return runtime().submit(user("staff"), "leave_request", MultiDict(LEAVE))


def live_tasks(instance_id: int) -> list[tuple[str, str]]:
    tasks = db.session.scalars(
        select(Task).where(Task.instance_id == instance_id).order_by(Task.id)
    )
    return [(t.assignee.username, str(t.status)) for t in tasks if t.node_id != "start"]


def trail(instance_id: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.instance_id == instance_id).order_by(AuditEntry.seq)
        )
    )


def test_deactivation_moves_open_tasks_to_the_named_successor(demo):
    instance = start_leave()
    deactivate_user(user("hr"), user("head"), successor=user("finance"))
    assert live_tasks(instance.id) == [("head", "cancelled"), ("finance", "open")]
    handed = [e for e in trail(instance.id) if e.event == "handed_over"]
    assert [e.detail["from"] for e in handed] == ["head"]
    assert handed[0].detail["to"] == "finance"


def test_without_a_successor_the_head_above_or_leader_in_charge_takes_over(demo):
    instance = start_leave()
    # The Sales Department has no parent department: its leader in charge takes over.
    deactivate_user(user("hr"), user("head"))
    assert live_tasks(instance.id) == [("head", "cancelled"), ("leader", "open")]


def test_the_successor_can_act_and_the_chain_still_verifies(demo):
    from oa_platform.runtime.audit import verify
    from oa_platform.runtime.commands import ActionRequest

    instance = start_leave()
    deactivate_user(user("hr"), user("head"), successor=user("finance"))
    task = db.session.scalar(
        select(Task).where(Task.instance_id == instance.id, Task.status == "open")
    )
    runtime().act(user("finance"), task.id, ActionRequest("agree"))
    assert verify(db.session) == []


def test_audit_verify_names_the_first_broken_entry(demo):
    instance = start_leave()
    runner = demo.test_cli_runner()
    assert runner.invoke(args=["oa", "audit", "verify"]).exit_code == 0
    entries = trail(instance.id)
    tampered = entries[3]
    db.session.execute(
        update(AuditEntry).where(AuditEntry.id == tampered.id).values(detail={"forged": True})
    )
    db.session.commit()
    result = runner.invoke(args=["oa", "audit", "verify"])
    assert result.exit_code != 0
    assert f"instance {instance.id}, entry {tampered.seq} (id {tampered.id}): its content" in (
        result.output
    )


def test_a_removed_entry_breaks_the_chain(demo):
    from oa_platform.runtime.audit import verify

    instance = start_leave()
    entries = trail(instance.id)
    db.session.delete(entries[2])
    db.session.commit()
    [problem] = verify(db.session, instance.id)
    assert problem.seq == entries[3].seq and problem.reason == f"entry {entries[2].seq} is missing"
