"""Escalation of overdue to-dos and deadlines in working time (regulations §3.3, §8.5).

A node may say what happens once its to-do is overdue: the to-do moves to the handler's
head, or the system acts on it (say, agrees) with the opinion the designer wrote. Either is
audited as the system's doing, and the late handler's overtime record says how late they
were. With the business calendar on, a node's 24 hours are working hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from form_builder.clock import utcnow
from form_builder.validator import validate
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.org.directory import OrgDirectory
from oa_platform.runtime.exceptions import TaskAlreadyHandledError
from oa_platform.runtime.models import OvertimeRecord, Timer, TimerState
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import TaskStatus
from plugins.registry import node_types
from tests.conftest import login, user
from tests.runtime_helpers import (
    act,
    chain,
    events,
    fire_due_timers,
    live,
    node,
    publish,
    refresh,
    tasks,
    verified,
)

BOTH_DATABASES = True
AUTO_AGREE = {"action": "agree", "opinion": "Agreed automatically: no answer within 24 hours."}


def escalating(rule: dict, **members) -> dict:
    """Auditor's request, checked by Sam Wu (Sales, whose head is Henry Ho), then Finance."""
    return chain(
        "escalating",
        node("check", "approval", ["staff"], escalation=rule, **members),
        node("finance_ok", "approval", ["finance"]),
    )


def start():
    return runtime().submit(user("auditor"), "escalating", MultiDict({"note": "Printer paper"}))


def later(hours: float):
    return time_machine.travel(utcnow() + timedelta(hours=hours), tick=False)


def test_an_overdue_to_do_moves_to_the_handlers_head(demo):
    publish(escalating({"reassign_to": "head"}))
    instance = start()
    [late] = live(instance)
    with later(25):
        fire_due_timers()
        [moved] = live(refresh(instance))
        assert (moved.node_id, moved.assignee.username) == ("check", "head")
        assert moved.due_at == utcnow() + timedelta(hours=24)  # a full day for the head
    assert db.session.get(type(late), late.id).status is TaskStatus.CANCELLED
    [escalated] = [e for e in events(refresh(instance)) if e.event == "escalated"]
    assert escalated.actor_id is None  # the system's doing, not a person's
    assert escalated.detail["from"] == "staff" and escalated.detail["to"] == "head"
    record = db.session.scalar(select(OvertimeRecord).where(OvertimeRecord.task_id == late.id))
    assert record.handler.username == "staff" and record.minutes_late == 60
    told = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == user("staff").id)
    ).all()
    assert "escalated" in told and "overdue" in told
    with pytest.raises(TaskAlreadyHandledError):
        act("staff", late.id, "agree")
    instance = act("head", moved, "agree")
    assert [t.assignee.username for t in live(instance)] == ["finance"]
    assert verified()


def test_an_automatic_action_is_the_systems_with_the_designers_opinion(demo):
    publish(escalating(AUTO_AGREE))
    instance = start()
    [late] = live(instance)
    with later(25):
        fire_due_timers()
    instance = refresh(instance)
    done = next(t for t in tasks(instance) if t.id == late.id)
    assert (done.status, done.action, done.completed_by_id) == (TaskStatus.DONE, "agree", None)
    assert done.opinion == AUTO_AGREE["opinion"]
    [action] = [e for e in events(instance) if e.event == "action" and e.task_id == late.id]
    assert action.actor_id is None and action.detail["opinion"] == AUTO_AGREE["opinion"]
    assert [t.assignee.username for t in live(instance)] == ["finance"]
    with pytest.raises(TaskAlreadyHandledError, match="the system, as it was overdue"):
        act("staff", late.id, "agree")
    record = db.session.scalar(select(OvertimeRecord).where(OvertimeRecord.task_id == late.id))
    assert record.handled_at is not None and record.minutes_late == 60
    # The initiator's page says who acted: the system, not the late handler.
    client = demo.test_client()
    login(client, "auditor")
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "system, as Sam Wu (staff) was overdue" in page  # the trace
    assert "system (the task was overdue)" in page  # the opinions
    assert verified()


def test_escalation_can_wait_some_hours_after_the_deadline(demo):
    publish(escalating({"reassign_to": "head", "after_hours": 4}))
    instance = start()
    with later(25):
        fire_due_timers()
        assert [t.assignee.username for t in live(refresh(instance))] == ["staff"]
    with later(28.5):
        fire_due_timers()
    assert [t.assignee.username for t in live(refresh(instance))] == ["head"]


def test_a_to_do_handled_before_the_escalation_is_left_alone(demo):
    publish(escalating({"reassign_to": "head", "after_hours": 4}))
    instance = start()
    with later(25):
        fire_due_timers()
        act("staff", live(refresh(instance))[0], "agree")
    with later(30):
        fire_due_timers()
    instance = refresh(instance)
    assert [t.assignee.username for t in live(instance)] == ["finance"]
    assert "escalated" not in [e.event for e in events(instance)]
    # Closed with the to-do it was waiting on, never fired.
    escalation = db.session.scalar(select(Timer).where(Timer.kind == "escalation"))
    assert (escalation.state, escalation.fired_at) == (TimerState.DONE, None)


@pytest.mark.parametrize(
    ("rule", "members", "message"),
    [
        (
            {"action": "disagree"},
            {},
            "node 'check': an automatic 'disagree' needs an opinion (regulations §3.5)",
        ),
        (
            {"action": "terminate", "opinion": "Too late."},
            {"actions": ["agree", "disagree"]},
            "node 'check': the escalation's action 'terminate' is not one the node offers "
            "(agree, disagree)",
        ),
        (
            {"reassign_to": "head", "action": "agree"},
            {},
            "node 'check': an escalation either moves the to-do ('reassign_to') or acts on it "
            "('action'): give exactly one",
        ),
        (
            AUTO_AGREE,
            {"field_access": {"note": "edit"}},
            "node 'check': an automatic 'agree' cannot fill the required fields this node "
            "edits (note)",
        ),
    ],
)
def test_publishing_refuses_an_escalation_the_node_cannot_carry_out(demo, rule, members, message):
    document = escalating(rule, **members)
    document["fields"][0]["required"] = True
    problems = validate(document, node_types(), OrgDirectory(db.session))
    assert message in [p.message for p in problems]
    assert all(p.node == "check" for p in problems if p.message == message)


CALENDAR = {
    "OA_BUSINESS_CALENDAR": True,
    "OA_TIMEZONE": "Asia/Shanghai",
    "OA_WORKING_HOURS": "09:00-12:00,13:00-18:00",
    "OA_HOLIDAY_COUNTRY": "CN",
}


def test_with_the_business_calendar_24_hours_are_working_hours(app_factory):
    from oa_platform.demo import load_demo_data

    with app_factory(**CALENDAR).app_context():
        load_demo_data()
        publish(escalating({"reassign_to": "head"}))
        # Friday 27 November 2026, 17:00 in Shanghai.
        with time_machine.travel(datetime(2026, 11, 27, 9, 0), tick=False):
            instance = start()
        [task] = live(instance)
        # 1 h on Friday, 8 h on Monday and Tuesday, 7 h on Wednesday: 17:00 local.
        assert task.due_at == datetime(2026, 12, 2, 9, 0)
        reminder = db.session.scalar(select(Timer).where(Timer.kind == "reminder"))
        # 75 % of 24 working hours is 18: Wednesday 10:00 local.
        assert reminder.due_at == datetime(2026, 12, 2, 2, 0)
        with time_machine.travel(datetime(2026, 11, 30, 9, 0), tick=False):  # a clock day on
            assert fire_due_timers() == 0
            assert [t.assignee.username for t in live(refresh(instance))] == ["staff"]
