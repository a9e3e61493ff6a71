"""Durable timers (regulations §3.3: 24 hours per node): timers are rows, claimed in batches
and fired once, whatever the workers do; a task's deadline passing is recorded and announced;
node types get ``on_timer`` for their own timers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select
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
from tests.runtime_helpers import chain, events, live, node, publish, refresh
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
    with time_machine.travel(later + timers.LEASE + timedelta(seconds=1), tick=False):
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
