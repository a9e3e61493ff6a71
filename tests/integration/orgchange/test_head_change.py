"""A department head changes (regulations §2.1.2, §8.4; issue 23).

HR files the change, the head of HR's side confirms it, IT sees its impact (the definitions
that name the old head or the department, the open tasks the old head holds), applies it from
the request's own data in one transaction, and moves the old head's open tasks to the new
head in one audited bulk reassignment. Afterwards no open task has an inactive or wrong
handler.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oa_platform.accounts.commands import deactivate_user
from oa_platform.extensions import db
from oa_platform.org.models import Department
from oa_platform.orgchange import commands, impact
from oa_platform.orgchange.changes import read_change
from oa_platform.orgchange.models import AppliedChange, BulkReassignment
from oa_platform.runtime.states import InstanceStatus
from tests.conftest import user
from tests.orgchange_helpers import confirmed, file_change, newcomer
from tests.runtime_helpers import chain, event_names, live, node, publish, refresh, start, verified

BOTH_DATABASES = True


def sales_head() -> str:
    sales = db.session.scalar(select(Department).where(Department.code == "SALES"))
    return sales.head.username


def test_a_head_change_is_seen_applied_and_the_old_heads_tasks_move_to_the_new_head(demo):
    publish(chain("sales_purchase", node("check", "approval", ["head"])))
    managers = node("managers", "approval")
    managers["assignee"] = {"rule": "position", "position": "Clerk", "department": "SLS/SALES"}
    publish(chain("sales_stationery", managers))
    leave = start("staff", "leave_request")
    [held] = live(leave)
    assert held.assignee.username == "head"
    newcomer("wei")

    request = confirmed(
        file_change(change_kind="head_change", department="SLS/SALES", person="wei")
    )
    change = read_change(request.values)
    subject = impact.subject_of(db.session, change)
    assert subject.holders == {"head"}

    before = impact.analyse(db.session, subject, change)
    named = {hit.key: hit.reasons for hit in before.definitions}
    assert named["sales_purchase"] == ["node:check"]  # names the old head
    assert "sales_stationery" in named  # names the department
    assert held.id in {hit.task_id for hit in before.tasks}
    assert sales_head() == "head", "the preview changed nothing"

    record = commands.apply_change(db.session, user("admin"), request.id)
    assert sales_head() == "wei"
    assert record.changes == [
        {"what": "department.head", "unit": "SLS/SALES", "from": "head", "to": "wei"}
    ]
    assert record.due_at is not None and record.confirmed_at is not None
    request = refresh(request)
    assert "org_change_applied" in event_names(request)
    assert not live(request, "apply_authority"), "IT's step is done with the change"
    assert request.status in (InstanceStatus.RUNNING, InstanceStatus.COMPLETED)

    after = impact.analyse(db.session, subject)
    wrong = [hit for hit in after.tasks if hit.problem == "wrong_handler"]
    assert [hit.task_id for hit in wrong] == [held.id]

    batch = commands.bulk_reassign(
        db.session,
        user("admin"),
        [hit.task_id for hit in wrong],
        "wei",
        "Henry Ho no longer heads Sales.",
    )
    assert [m["from"] for m in batch.moved] == ["head"]
    [moved] = live(refresh(leave))
    assert moved.assignee.username == "wei"
    assert "bulk_reassigned" in event_names(leave)
    assert verified()

    final = impact.analyse(db.session, subject)
    assert not [hit for hit in final.tasks if hit.problem]
    assert db.session.scalar(select(BulkReassignment.id)) == batch.id


def test_a_request_is_carried_out_once(demo):
    newcomer("wei")
    request = confirmed(
        file_change(change_kind="head_change", department="SLS/SALES", person="wei")
    )
    commands.apply_change(db.session, user("admin"), request.id)
    with pytest.raises(commands.OrgChangeCommandError, match="carried out already"):
        commands.apply_change(db.session, user("admin"), request.id)
    assert len(db.session.scalars(select(AppliedChange)).all()) == 1


def test_a_request_not_yet_confirmed_is_not_carried_out(demo):
    newcomer("wei")
    request = file_change(change_kind="head_change", department="SLS/SALES", person="wei")
    with pytest.raises(commands.OrgChangeCommandError, match="not confirmed"):
        commands.apply_change(db.session, user("admin"), request.id)
    assert sales_head() == "head"


def test_a_refused_change_changes_nothing(demo):
    newcomer("wei")
    request = confirmed(
        file_change(change_kind="head_change", department="SLS/SALES", person="wei")
    )
    deactivate_user(user("hr"), user("wei"))  # left before IT got to it
    with pytest.raises(commands.OrgChangeCommandError, match="Person: wei is not an active"):
        commands.apply_change(db.session, user("admin"), request.id)
    assert sales_head() == "head"
    assert live(refresh(request), "apply_authority"), "IT's step stays open"
    assert db.session.scalar(select(AppliedChange.id)) is None


def test_a_leaver_is_deactivated_and_no_open_task_keeps_an_inactive_handler(demo):
    leave = start("staff", "leave_request")
    request = confirmed(file_change(change_kind="person_leave", person="head", successor="leader"))
    subject = impact.subject_of(db.session, read_change(request.values))
    preview = impact.analyse(db.session, subject, read_change(request.values))
    assert [hit.task_id for hit in preview.tasks] == [live(leave)[0].id]
    assert user("head").active, "the preview changed nothing"

    commands.apply_change(db.session, user("admin"), request.id)
    assert not user("head").active
    [task] = live(refresh(leave))
    assert task.assignee.username == "leader"
    everyone = impact.analyse(db.session, impact.Subject())
    assert not [hit for hit in everyone.tasks if hit.problem == "inactive"]


def test_a_person_leaving_who_a_definition_names_strands_its_running_instances(demo):
    publish(
        chain(
            "finance_check",
            node("first", "approval", ["head"]),
            node("then", "approval", ["finance"]),
        )
    )
    running = start("staff", "finance_check")
    request = confirmed(file_change(change_kind="person_leave", person="finance"))
    change = read_change(request.values)
    found = impact.analyse(db.session, impact.subject_of(db.session, change), change)
    assert [(hit.instance_id, hit.node_id) for hit in found.stranded] == [(running.id, "then")]
    [definition] = [hit for hit in found.definitions if hit.key == "finance_check"]
    assert "then" in definition.unresolvable
    assert user("finance").active
