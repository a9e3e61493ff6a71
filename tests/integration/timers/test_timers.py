"""Durable timers (regulations §3.3: 24 hours per node): timers are rows, claimed in batches
and fired once, whatever the workers do; a task's deadline passing is recorded and announced;
node types get ``on_timer`` for their own timers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.runtime import timers
from oa_platform.runtime.models import Timer, TimerState
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import InstanceStatus
from plugins.contract import NodeKind, NodeType
from plugins.events import event_manager, hookimpl
from plugins.registry import Installed, node_types
from tests.conftest import login, user
from tests.runtime_helpers import (
    act,
    chain,
    events,
    live,
    node,
    publish,
    refresh,
    task_of,
    verified,
)
from tests.runtime_helpers import fire_due_timers as fire

BOTH_DATABASES = True
LEAVE = {
    "leave_type": "annual",
    "start_date": "2026-12-01",
    "end_date": "2026-12-02",
    "reason": "Family visit",
    "handover_to": "staff",
}


class CoolingOff(NodeType):
    """Waits a day, then routes on: a node type that uses its own timer."""

    name = "cooling_off"
    label = "Cooling-off period"
    kind = NodeKind.SERVICE

    def on_enter(self, ctx):
        ctx.set_timer(24, "cooled", reason="statutory wait")

    def on_timer(self, ctx, name, data):
        ctx.audit("cooled_off", name=name, reason=data["reason"])
        ctx.complete("cooled")


@pytest.fixture
def cooling_off():
    registry = node_types()
    registry.installed["cooling_off"] = Installed(CoolingOff(), "tests: CoolingOff", "0")
    yield
    del registry.installed["cooling_off"]


def test_a_node_timer_calls_on_timer_once_when_due(demo, cooling_off):
    publish(chain("cooling", node("wait", "cooling_off"), node("head_ok", "approval", ["head"])))
    instance = runtime().submit(user("staff"), "cooling", MultiDict({"note": "x"}))
    assert fire() == 0  # not due yet
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        assert fire() >= 1
        assert fire() == 0  # fired once, never again
    instance = refresh(instance)
    assert [t.assignee.username for t in live(instance)] == ["head"]
    cooled = [e for e in events(instance) if e.event == "cooled_off"]
    assert len(cooled) == 1 and cooled[0].detail == {"name": "cooled", "reason": "statutory wait"}


def test_a_passed_deadline_is_recorded_and_announced_once(demo):
    heard = []

    class Listener:
        @hookimpl
        def deadline_passed(self, node_id, assignee):
            heard.append((node_id, assignee))

    listener = Listener()
    event_manager().register(listener)
    try:
        instance = runtime().submit(user("staff"), "leave_request", MultiDict(LEAVE))
        with time_machine.travel(utcnow() + timedelta(hours=23), tick=False):
            fire()
        assert heard == []
        with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
            fire()
            fire()
    finally:
        event_manager().unregister(listener)
    assert heard == [("department_head", "head")]
    overdue = [e for e in events(refresh(instance)) if e.event == "overdue"]
    assert [(e.node_id, e.detail["assignee"]) for e in overdue] == [("department_head", "head")]


def test_a_task_handled_in_time_is_never_overdue(demo):
    from oa_platform.runtime.commands import ActionRequest

    instance = runtime().submit(user("staff"), "leave_request", MultiDict(LEAVE))
    [task] = live(refresh(instance))
    runtime().act(user("head"), task.id, ActionRequest("agree"))
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        fire()
    overdue = [e for e in events(refresh(instance)) if e.event == "overdue"]
    assert [e.node_id for e in overdue] == ["hr_record"]  # the next node's task, not head's


def test_a_crashed_workers_timers_are_taken_over_after_its_lease(demo, cooling_off):
    publish(chain("cooling", node("wait", "cooling_off"), node("head_ok", "approval", ["head"])))
    instance = runtime().submit(user("staff"), "cooling", MultiDict({"note": "x"}))
    later = utcnow() + timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        claimed = timers.claim(db.session, "worker-that-dies")
        assert claimed  # ... and the worker dies before firing them
        assert fire() == 0  # the lease still holds
    with time_machine.travel(later + timers.default_lease() + timedelta(seconds=1), tick=False):
        assert fire() == len(claimed)
        # The dead worker comes back: its claim is gone, it fires nothing.
        assert not any(
            timers.fire(db.session, i, "worker-that-dies", runtime().timer_fired) for i in claimed
        )
    assert refresh(instance).status is InstanceStatus.RUNNING
    assert len([e for e in events(refresh(instance)) if e.event == "cooled_off"]) == 1


def test_a_failing_handler_is_retried_with_back_off_then_marked_failed(demo):
    instance = runtime().submit(user("staff"), "leave_request", MultiDict(LEAVE))
    db.session.add(Timer(due_at=utcnow(), kind="mystery", instance_id=instance.id))
    db.session.commit()
    moment = utcnow() + timedelta(seconds=1)
    for _ in range(timers.MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            fire()
        timer = db.session.scalar(select(Timer).where(Timer.kind == "mystery"))
        moment = max(moment, timer.due_at) + timedelta(seconds=1)
    assert timer.state is TimerState.FAILED
    assert timer.attempts == timers.MAX_ATTEMPTS
    assert "unknown timer kind 'mystery'" in timer.last_error
    # Administrators see it with its error, and send it round again once the cause is fixed.
    staff = demo.test_client()
    login(staff, "staff")
    assert staff.get("/admin/failed-timers/").status_code == 403
    client = demo.test_client()
    login(client, "admin")
    page = client.get("/admin/failed-timers/").get_data(as_text=True)
    assert f'id="timer-{timer.id}"' in page and "unknown timer kind" in page
    assert client.post(f"/admin/failed-timers/{timer.id}/retry").status_code == 302
    db.session.expire_all()
    assert (timer.state, timer.attempts) == (TimerState.PENDING, 0)
    assert "timer_retried" in [e.event for e in events(refresh(instance))]
    assert client.post(f"/admin/failed-timers/{timer.id}/retry").status_code == 404


def test_two_workers_claim_disjoint_batches(app_factory, database_kind):
    app = app_factory()
    with app.app_context():
        from oa_platform.demo import load_demo_data

        load_demo_data()
        instance = runtime().submit(user("staff"), "leave_request", MultiDict(LEAVE))
        for _ in range(200):
            db.session.add(Timer(due_at=utcnow(), kind="mystery", instance_id=instance.id))
        db.session.commit()
    results: dict[str, list[int]] = {}
    barrier = threading.Barrier(2)

    def worker(owner: str) -> None:
        with app.app_context():
            barrier.wait()
            results[owner] = timers.claim(db.session, owner, batch=150)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not set(results["a"]) & set(results["b"])
    assert len(results["a"]) + len(results["b"]) == 200  # every due timer, once


def countersigned_by(*signers: str):
    """An instance waiting at one node signed by all of ``signers``, each with a deadline."""
    publish(chain("countersign", node("sign", "collaboration", list(signers))))
    return runtime().submit(user("staff"), "countersign", MultiDict({"note": "x"}))


def deadline_of(instance, username: str) -> int:
    [task] = [t for t in live(refresh(instance)) if t.assignee.username == username]
    return db.session.scalar(
        select(Timer.id).where(Timer.task_id == task.id, Timer.kind == "deadline")
    )


def test_a_timer_that_meets_a_concurrent_change_runs_again_at_once(demo):
    """Two transactions on one instance: the loser is not the handler's fault and must not
    cost the timer one of its attempts (or, five times over, the timer itself)."""
    instance = countersigned_by("head", "leader")
    calls = []

    def handle(timer: Timer) -> None:
        calls.append(timer.id)
        if len(calls) == 1:
            raise StaleDataError("another transaction changed the instance")
        runtime().timer_fired(timer)

    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        timer_id = deadline_of(instance, "head")
        db.session.execute(update(Timer).where(Timer.id != timer_id).values(state=TimerState.DONE))
        db.session.commit()
        assert timers.fire_due(db.session, handle) == 1
    timer = db.session.get(Timer, timer_id)
    assert calls == [timer_id, timer_id]
    assert (timer.state, timer.attempts, timer.last_error) == (TimerState.DONE, 1, None)
    assert [e.detail["assignee"] for e in events(refresh(instance)) if e.event == "overdue"] == [
        "head"
    ]


def test_a_worker_session_reads_the_chain_again_after_each_commit(demo):
    """A worker fires timer after timer in one session while people act on the same instance
    in theirs: each firing appends after the trail's real last entry."""
    instance = countersigned_by("head", "leader", "hr")
    calls = []

    def handle(timer: Timer) -> None:
        calls.append(timer.id)
        runtime().timer_fired(timer)

    def leader_agrees() -> None:
        with demo.app_context():
            act("leader", task_of(refresh(instance), "leader"), "agree")
            db.session.remove()

    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        first, last = deadline_of(instance, "head"), deadline_of(instance, "hr")
        owner = "worker"
        assert timers.claim(db.session, owner, batch=10)
        assert timers.fire(db.session, first, owner, handle)
        thread = threading.Thread(target=leader_agrees)  # another session, another person
        thread.start()
        thread.join(timeout=60)
        assert timers.fire(db.session, last, owner, handle)
    assert calls == [first, last]  # neither met a stale chain head
    assert verified()


def test_one_failing_timer_of_a_batch_leaves_the_others_fired_once(demo):
    """Timers fire in chunks, one transaction each: a failing one is retried later on its
    own, and the others' effects are neither lost nor repeated."""
    instance = countersigned_by("head", "leader", "hr")
    db.session.add(Timer(due_at=utcnow(), kind="mystery", instance_id=instance.id))
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        fire()
        assert fire() == 0  # the failed one waits for its back-off
    others = db.session.scalars(select(Timer).where(Timer.kind != "mystery")).all()
    assert {(t.state, t.attempts) for t in others if t.fired_at} == {(TimerState.DONE, 1)}
    overdue = [e.detail["assignee"] for e in events(refresh(instance)) if e.event == "overdue"]
    assert sorted(overdue) == ["head", "hr", "leader"]
    failed = db.session.scalar(select(Timer).where(Timer.kind == "mystery"))
    assert (failed.state, failed.attempts) == (TimerState.PENDING, 1)
    assert "unknown timer kind 'mystery'" in failed.last_error
    assert verified()
