"""People are told when work reaches them, when they are urged, when a deadline passes (the
handler and their department head), and when a question is asked or answered; one notice
per event per person."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.runtime import timers
from oa_platform.runtime.services import runtime
from tests.conftest import user
from tests.runtime_helpers import chain, events, node, publish, refresh, start


def notices(username: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user(username).id)
        .order_by(Notification.id)
    )
    return [(n.kind, n.subject) for n in rows]


def test_a_new_task_an_urge_and_a_passed_deadline_are_notified_once(demo):
    instance = start("staff", "leave_request")
    assert [kind for kind, _ in notices("head")] == ["task"]
    arrived = notices("head")[0][1]
    assert arrived.startswith("To do: Department head approval — Sam Wu: Annual leave")

    runtime().urge(user("staff"), instance.id)
    runtime().urge(user("staff"), instance.id)  # the same hour: no flood
    assert [kind for kind, _ in notices("head")] == ["task", "urged"]


def test_a_passed_deadline_tells_the_handler_and_their_department_head_once(demo):
    publish(chain("staff_check", node("check", "approval", ["staff"])))
    instance = runtime().submit(user("auditor"), "staff_check", MultiDict({"note": "x"}))
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        timers.fire_due(db.session, runtime().timer_fired)
        timers.fire_due(db.session, runtime().timer_fired)
    overdue = [s for kind, s in notices("staff") if kind == "overdue"]
    assert overdue == [f"Overdue: Check — {refresh(instance).title} (Sam Wu)"]
    assert [s for kind, s in notices("head") if kind == "overdue"] == overdue  # Sales' head


def test_questions_and_answers_are_notified(demo):
    instance = start("staff", "leave_request")
    question = runtime().ask(user("head"), instance.id, "staff", "Who covers your customers?")
    assert notices("staff")[-1][0] == "question"
    runtime().answer(user("staff"), question.id, "Henry does.")
    assert notices("head")[-1] == (
        "answer",
        f"Sam Wu answered your question on {refresh(instance).title}",
    )


def test_the_handler_is_reminded_when_three_quarters_of_the_time_have_passed(demo):
    start("staff", "leave_request")
    with time_machine.travel(utcnow() + timedelta(hours=17), tick=False):
        timers.fire_due(db.session, runtime().timer_fired)
    assert [kind for kind, _ in notices("head")] == ["task"]
    with time_machine.travel(utcnow() + timedelta(hours=19), tick=False):
        timers.fire_due(db.session, runtime().timer_fired)
    assert [kind for kind, _ in notices("head")] == ["task", "reminder"]


def test_an_unanswered_question_is_overdue_after_24_hours(demo):
    instance = start("staff", "leave_request")
    question = runtime().ask(user("head"), instance.id, "staff", "Who covers your customers?")
    answered = runtime().ask(user("head"), instance.id, "staff", "And your calls?")
    runtime().answer(user("staff"), answered.id, "The sales desk.")
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        timers.fire_due(db.session, runtime().timer_fired)
    overdue = [s for kind, s in notices("staff") if kind == "overdue"]
    assert overdue == [f"Unanswered question on {refresh(instance).title}"]
    assert [s for kind, s in notices("head") if kind == "overdue" and "question" in s] == overdue
    trail = [e for e in events(refresh(instance)) if e.event == "question_overdue"]
    assert [e.detail["question"] for e in trail] == [question.id]


def test_a_late_task_leaves_an_overtime_record_with_how_late(demo):
    from oa_platform.runtime.commands import ActionRequest
    from oa_platform.runtime.models import OvertimeRecord
    from tests.runtime_helpers import live

    instance = start("staff", "leave_request")
    [task] = live(refresh(instance))
    submitted = utcnow()
    with time_machine.travel(submitted + timedelta(hours=25), tick=False):
        timers.fire_due(db.session, runtime().timer_fired)
    [record] = db.session.scalars(select(OvertimeRecord)).all()
    assert (record.handler.username, record.node_id, record.minutes_late) == (
        "head",
        "department_head",
        None,
    )
    assert record.definition_id == refresh(instance).definition_id
    with time_machine.travel(submitted + timedelta(hours=27), tick=False):
        runtime().act(user("head"), task.id, ActionRequest("agree"))
    db.session.expire_all()
    assert 175 <= db.session.get(OvertimeRecord, record.id).minutes_late <= 181
