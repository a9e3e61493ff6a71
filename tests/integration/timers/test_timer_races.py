"""§3.3 reminders against §6.1's trail, when two transactions run side by side (PostgreSQL:
SQLite serialises writers, so there the race cannot happen).

A reminder changes no instance row, so firing a chunk of them writes none; yet one that races
the handler's own action on the same instance still loses, on the trail's sequence number,
and runs again: then the task is handled and nobody is reminded of it.
"""

from __future__ import annotations

import threading

from sqlalchemy import select, update
from werkzeug.datastructures import MultiDict

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.runtime import timers
from oa_platform.runtime.models import Timer, TimerState
from oa_platform.runtime.services import runtime
from tests.conftest import user
from tests.runtime_helpers import act, chain, events, live, node, publish, refresh, verified

DATABASES = ["postgresql"]


def test_a_reminder_racing_the_handlers_action_runs_again_and_reminds_nobody(demo):
    publish(chain("countersign", node("sign", "collaboration", ["head", "leader"])))
    instance = runtime().submit(user("staff"), "countersign", MultiDict({"note": "x"}))
    [task] = [t for t in live(refresh(instance)) if t.assignee.username == "head"]
    reminder = db.session.scalar(
        select(Timer.id).where(Timer.task_id == task.id, Timer.kind == "reminder")
    )
    db.session.execute(update(Timer).where(Timer.id != reminder).values(state=TimerState.DONE))
    db.session.execute(update(Timer).where(Timer.id == reminder).values(due_at=utcnow()))
    db.session.commit()
    calls, agreed = [], []

    def head_agrees() -> None:  # in another session, as another request would
        with demo.app_context():
            agreed.append(act("head", task.id, "agree").id)
            db.session.remove()

    def handle(timer: Timer) -> None:
        calls.append(timer.id)
        if len(calls) == 1:  # the chunk has read the task and the trail: now head acts
            racer = threading.Thread(target=head_agrees)
            racer.start()
            racer.join(timeout=60)
        runtime().timer_fired(timer)

    assert timers.fire_due(db.session, handle) == 1
    timer = db.session.get(Timer, reminder)
    assert agreed and calls == [reminder, reminder]  # lost the race once, then ran again
    assert (timer.state, timer.attempts, timer.last_error) == (TimerState.DONE, 1, None)
    reminded = select(Notification).where(Notification.kind == "reminder")
    assert db.session.scalars(reminded).all() == []
    trail = [entry.event for entry in events(refresh(instance))]
    assert "reminded" not in trail and trail.count("task_done") <= 1
    assert verified()
