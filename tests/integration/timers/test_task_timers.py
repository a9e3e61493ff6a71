"""A to-do's deadline and reminder timers (regulations §3.3) live as long as the to-do: the
transaction that ends a task or its instance closes them (done, never fired), and a start
task submitted in the transaction that created it was never a to-do: no notice, no timers.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.runtime.models import Instance, Timer, TimerState
from oa_platform.runtime.states import InstanceStatus
from tests.runtime_helpers import act, act_at, agree_through, live, start, tasks

BOTH_DATABASES = True


def timers_of(instance: Instance, task_id: int | None = None) -> list[tuple[str, TimerState]]:
    """(kind, state) of the instance's timers (of one task), oldest first."""
    db.session.expire_all()
    query = select(Timer.kind, Timer.state, Timer.fired_at).where(Timer.instance_id == instance.id)
    if task_id is not None:
        query = query.where(Timer.task_id == task_id)
    rows = db.session.execute(query.order_by(Timer.id)).all()
    assert all(fired_at is None for _, _, fired_at in rows), "closed, never fired"
    return [(kind, state) for kind, state, _ in rows]


def to_do_notices(task_id: int) -> int:
    """The notices that tell a to-do's handler of it: "To do", or "returned" (who, why)."""
    return db.session.scalar(
        select(db.func.count(Notification.id)).where(
            Notification.kind.in_(["task", "returned"]), Notification.key == f"task:{task_id}"
        )
    )


def test_a_submitted_start_task_gets_no_to_do_notice_and_no_timers(demo):
    instance = start("staff", "expense_claim")
    start_task, manager_task = tasks(instance)
    assert timers_of(instance, start_task.id) == []
    assert to_do_notices(start_task.id) == 0
    assert timers_of(instance, manager_task.id) == [
        ("deadline", TimerState.PENDING),
        ("reminder", TimerState.PENDING),
    ]
    assert to_do_notices(manager_task.id) == 1


def test_a_handled_to_do_closes_its_timers_in_the_same_transaction(demo):
    instance = start("staff", "expense_claim")
    manager_task = live(instance)[0]
    act(manager_task.assignee.username, manager_task, "agree")
    assert timers_of(instance, manager_task.id) == [
        ("deadline", TimerState.DONE),
        ("reminder", TimerState.DONE),
    ]
    next_task = live(instance)[0]
    assert {state for _, state in timers_of(instance, next_task.id)} == {TimerState.PENDING}


def test_a_completed_claim_leaves_no_timer_pending(demo):
    instance = agree_through(start("staff", "expense_claim"))
    assert instance.status is InstanceStatus.COMPLETED
    closed = timers_of(instance)
    assert closed and {state for _, state in closed} == {TimerState.DONE}


def test_a_terminated_instance_leaves_no_timer_pending(demo):
    instance = start("staff", "expense_claim")
    task = live(instance)[0]
    instance = act(task.assignee.username, task, "terminate", opinion="Not our cost centre.")
    assert instance.status is InstanceStatus.TERMINATED
    assert {state for _, state in timers_of(instance)} == {TimerState.DONE}


def test_a_form_returned_to_its_initiator_is_a_to_do_with_timers_again(demo):
    instance = start("staff", "expense_claim")
    task = live(instance)[0]
    act_at(
        instance, task.assignee.username, "rollback", opinion="Add the hotel.", target="initiator"
    )
    returned = live(instance)[0]
    assert returned.node_id == "start"
    assert to_do_notices(returned.id) == 1
    assert timers_of(instance, returned.id) == [
        ("deadline", TimerState.PENDING),
        ("reminder", TimerState.PENDING),
    ]
    assert {state for _, state in timers_of(instance, task.id)} == {TimerState.DONE}


def test_closing_a_to_dos_timers_reads_its_own_not_every_pending_timer(demo, database_kind):
    """Every step closes the timers of the to-dos it ends (above). It finds them by the task
    and the instance: with a million pending reminders, SQLite, which has no statistics
    unless ANALYZE ran, read them all through ix_timer_due at each step when the statement
    said `state = 'pending'`."""
    if database_kind != "sqlite":
        pytest.skip("SQLite's planner chose the state's index; PostgreSQL's statistics do not")
    sent: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE process_timer SET state"):
            sent.append((statement, parameters))

    instance = start("staff", "expense_claim")
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        act_at(instance, "head", "agree")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    [(statement, parameters)] = sent
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    plan = " | ".join(str(row[-1]) for row in rows)
    assert "ix_timer_due" not in plan, plan
    assert "ix_process_timer_task_id" in plan and "ix_process_timer_instance_id" in plan, plan
