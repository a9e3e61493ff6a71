"""The timer service keeps time for any subject, not only process instances: a timer names
its subject's kind and id, and the :class:`~plugins.timer_subject.TimerSubject` registered
under that kind (an ``oa_platform.timer_subjects`` entry point) fires it, with the service's
guarantees: claimed with a lease, fired once by two workers, retried, then shown as failed.
The revision that added subjects keeps an installation's existing timers firing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from importlib.metadata import EntryPoint

import pytest
import time_machine
from sqlalchemy import func, select

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.runtime import timers
from oa_platform.runtime.models import PROCESS_SUBJECT, Timer, TimerState
from plugins.registry import (
    TIMER_SUBJECT_GROUP,
    InstalledTimerSubject,
    TimerSubjectRegistry,
    timer_subjects,
)
from plugins.timer_subject import TimerSubject
from tests.conftest import login
from tests.migrated import migrated_demo, replay
from tests.runtime_helpers import events, live, refresh, start, two_workers_fire
from tests.runtime_helpers import fire_due_timers as fire

BOTH_DATABASES = True
SUBJECTS_REVISION = "c4e8a2f6b1d7"  # migrations/versions: timer subjects


class ContractRenewals(TimerSubject):
    """A third party's subject: a contract's renewal date (no process instance at all)."""

    name = "contract_renewal"
    label = "Contract"
    fired: list[tuple[int, str]] = []
    chunks: list[int] = []

    def handler(self, session) -> Callable[[Timer], None]:
        return lambda timer: self.fired.append((timer.subject_id, timer.kind))

    def load(self, session, timers: Sequence[Timer]) -> list:
        self.chunks.append(len(timers))
        return []

    def titles(self, session, ids: Sequence[int]) -> dict[int, str]:
        return {i: f"Contract HT-{i}" for i in ids}


@pytest.fixture
def renewals():
    registry = timer_subjects()
    registry.installed["contract_renewal"] = InstalledTimerSubject(
        ContractRenewals(), "tests: ContractRenewals", "0"
    )
    ContractRenewals.fired, ContractRenewals.chunks = [], []
    yield ContractRenewals
    del registry.installed["contract_renewal"]


def renewal_due(contract: int, kind: str = "renewal") -> Timer:
    return Timer(due_at=utcnow(), subject_kind="contract_renewal", subject_id=contract, kind=kind)


def test_the_built_in_subjects_are_installed_by_their_entry_points():
    registry = timer_subjects()
    assert {"process", "discussion_post"} <= set(registry)
    assert registry.problems == []


def test_a_broken_subject_plugin_is_reported_and_skipped_not_fatal():
    def point(name: str, value: str) -> EntryPoint:
        return EntryPoint(name=name, value=value, group=TIMER_SUBJECT_GROUP)

    registry = TimerSubjectRegistry.from_entry_points(
        [
            point("discussion_post", "oa_platform.discussion.reminders:PostTimers"),
            point("timer", "oa_platform.runtime.models:Timer"),  # not a TimerSubject
            point("renewals", "oa_platform.discussion.reminders:PostTimers"),  # misnamed
            point("gone", "no_such_package.timers:Gone"),
        ]
    )
    assert list(registry) == ["discussion_post"]
    problems = {problem.entry_point: problem.message for problem in registry.problems}
    assert "not a TimerSubject subclass" in problems["timer"]
    assert "must have the subject's name 'discussion_post'" in problems["renewals"]
    assert "failed to import" in problems["gone"]


def test_a_plugin_subject_s_timers_fire_once_each_loaded_a_chunk_at_a_time(demo, renewals):
    db.session.add_all([renewal_due(contract) for contract in range(1, 31)])
    db.session.add(renewal_due(99, "notice"))
    db.session.commit()
    assert fire() == 31
    assert fire() == 0
    assert sorted(renewals.fired) == sorted(
        [(contract, "renewal") for contract in range(1, 31)] + [(99, "notice")]
    )
    assert renewals.chunks == [1, 10, 20]  # read per chunk, not per timer
    assert db.session.scalar(select(Timer.instance_id).where(Timer.subject_id == 99)) is None


def test_two_workers_fire_a_plugin_subject_s_timers_once(app_factory, renewals):
    app = app_factory()
    with app.app_context():
        db.session.add_all([renewal_due(contract) for contract in range(1, 201)])
        db.session.commit()
    assert two_workers_fire(app, batch=30) == 200
    assert sorted(renewals.fired) == [(contract, "renewal") for contract in range(1, 201)]
    with app.app_context():
        states = db.session.execute(select(Timer.state, func.count()).group_by(Timer.state)).all()
        db.session.remove()
    assert states == [(TimerState.DONE, 200)]


def test_a_timer_whose_subject_is_not_installed_fails_and_is_shown_with_its_subject(demo):
    db.session.add(
        Timer(due_at=utcnow(), subject_kind="retired_plugin", subject_id=7, kind="renewal")
    )
    db.session.commit()
    moment = utcnow() + timedelta(seconds=1)
    for _ in range(timers.MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            fire()
        timer = db.session.scalar(select(Timer).where(Timer.subject_kind == "retired_plugin"))
        moment = max(moment, timer.due_at) + timedelta(seconds=1)
    assert (timer.state, timer.attempts) == (TimerState.FAILED, timers.MAX_ATTEMPTS)
    assert "no timer subject 'retired_plugin' is installed" in timer.last_error
    client = demo.test_client()
    login(client, "admin")
    page = client.get("/admin/failed-timers/").get_data(as_text=True)
    assert f'id="timer-{timer.id}"' in page and "retired_plugin #7" in page
    assert client.post(f"/admin/failed-timers/{timer.id}/retry").status_code == 302
    db.session.expire_all()
    assert (timer.state, timer.attempts) == (TimerState.PENDING, 0)


def test_the_revision_keeps_an_installation_s_timers_firing(tmp_path, database_kind):
    with migrated_demo(tmp_path, database_kind):
        instance = start("staff", "leave_request")
        [task] = live(refresh(instance))
        before = db.session.execute(
            select(Timer.kind, Timer.due_at).where(Timer.task_id == task.id).order_by(Timer.kind)
        ).all()
        assert [kind for kind, _ in before] == ["deadline", "reminder"]
        replay(SUBJECTS_REVISION)  # from timers that named only their instance
        after = db.session.execute(
            select(Timer.kind, Timer.due_at, Timer.subject_kind, Timer.subject_id)
            .where(Timer.task_id == task.id)
            .order_by(Timer.kind)
        ).all()
        assert after == [(kind, due, PROCESS_SUBJECT, instance.id) for kind, due in before]
        with time_machine.travel(task.due_at + timedelta(minutes=1), tick=False):
            assert fire() == 2  # the reminder, then the passed deadline
            assert fire() == 0
        overdue = [e for e in events(refresh(instance)) if e.event == "overdue"]
        assert [e.task_id for e in overdue] == [task.id]
