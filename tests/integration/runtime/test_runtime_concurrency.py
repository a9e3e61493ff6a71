"""Two people at the same moment (regulations §3.5, §6.1): on PostgreSQL, many handlers acting
at once on one task or one node give exactly one result; nothing is lost or done twice.

Each thread stands for one request: its own application context and database session. A
barrier releases them together. Skipped without ``OA_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from oa_platform.extensions import db
from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.exceptions import TaskAlreadyHandledError
from oa_platform.runtime.models import Activation, Instance, Task
from oa_platform.runtime.opinions import label
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import LIVE_TASK, InstanceStatus
from tests.conftest import build_app, fresh_postgres_url, user
from tests.runtime_helpers import chain, node, publish, start, verified

THREADS = 8


@pytest.fixture
def pg_app():
    app = build_app(fresh_postgres_url())
    with app.app_context():
        from oa_platform.demo import load_demo_data

        load_demo_data()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def at_once(app, jobs: list[Callable[[], object]]) -> list[object]:
    """Run each job in its own thread and app context, released together; the results (or
    the exceptions raised), in job order."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(index: int, job: Callable[[], object]) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[index] = job()
            except Exception as error:  # kept for the test to judge
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def acting(username: str, task_id: int, action: str, **request) -> Callable[[], object]:
    def job():
        instance = runtime().act(user(username), task_id, ActionRequest(action, **request))
        return instance.id

    return job


def tasks_of(instance_id: int) -> list[Task]:
    db.session.expire_all()
    return list(db.session.scalars(select(Task).where(Task.instance_id == instance_id)))


def live_of(instance_id: int) -> list[tuple[str, str]]:
    return sorted(
        (t.node_id, t.assignee.username)
        for t in tasks_of(instance_id)
        if t.status in LIVE_TASK and t.blocking
    )


def no_duplicate_live_tasks(instance_id: int) -> None:
    live = Counter(
        (t.activation_id, t.assignee_id) for t in tasks_of(instance_id) if t.status in LIVE_TASK
    )
    assert all(count == 1 for count in live.values()), live


def split(results: list[object]) -> tuple[list[object], list[Exception]]:
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    return won, lost


def test_many_handlers_on_one_task_at_once_give_one_success(pg_app):
    with pg_app.app_context():
        instance = start("staff", "leave_request")
        instance_id = instance.id
        (task,) = [t for t in tasks_of(instance_id) if t.node_id == "department_head"]
        task_id = task.id
    results = at_once(pg_app, [acting("head", task_id, "agree") for _ in range(THREADS)])

    won, lost = split(results)
    assert len(won) == 1, results
    assert all(isinstance(error, TaskAlreadyHandledError) for error in lost), lost
    for error in lost:
        assert error.message.startswith("This task was already handled by Henry Ho (agree, ")
    with pg_app.app_context():
        assert live_of(instance_id) == [("leader_in_charge", "leader")]
        heads = [t for t in tasks_of(instance_id) if t.node_id == "department_head"]
        assert [(t.action, t.completed_by.username) for t in heads] == [("agree", "head")]
        no_duplicate_live_tasks(instance_id)
        verified()


ANSWERS = [
    ("agree", ""),
    ("read", "Read"),
    ("disagree", "No"),
    ("rollback", "Back"),
    ("terminate", "Stop"),
    ("agree", ""),
    ("disagree", "Not now"),
    ("read", "Seen"),
]


def test_different_answers_to_one_task_at_once_keep_only_the_winners(pg_app):
    with pg_app.app_context():
        instance = start("staff", "leave_request")
        instance_id = instance.id
        task_id = next(t.id for t in tasks_of(instance_id) if t.node_id == "department_head")
    results = at_once(
        pg_app,
        [acting("head", task_id, action, opinion=opinion) for action, opinion in ANSWERS],
    )

    won, lost = split(results)
    assert len(won) == 1, results
    winner = ANSWERS[results.index(won[0])][0]
    assert all(isinstance(error, TaskAlreadyHandledError) for error in lost), lost
    assert {e.message.split(" (")[0] for e in lost} == {"This task was already handled by Henry Ho"}
    with pg_app.app_context():
        shown = label(winner)  # the action as the message words it
    assert all(f"({shown}, " in e.message for e in lost), [e.message for e in lost]
    expected = {
        "agree": (InstanceStatus.RUNNING, [("leader_in_charge", "leader")]),
        "read": (InstanceStatus.RUNNING, [("leader_in_charge", "leader")]),
        "disagree": (InstanceStatus.RETURNED, [("start", "staff")]),
        "rollback": (InstanceStatus.RETURNED, [("start", "staff")]),
        "terminate": (InstanceStatus.TERMINATED, []),
    }[winner]
    with pg_app.app_context():
        assert db.session.get(Instance, instance_id).status is expected[0]
        assert live_of(instance_id) == expected[1]
        no_duplicate_live_tasks(instance_id)
        verified()


def countersigned(key: str, signers: list[str]) -> None:
    publish(
        chain(
            key,
            node("sign", "collaboration", signers, config={"mode": "all"}),
            node("after", "approval", ["leader"]),
        )
    )


@pytest.mark.parametrize("signers", [["hr", "finance"], ["hr", "finance", "mc", "admin"]])
def test_countersigners_agreeing_at_once_complete_the_node_exactly_once(pg_app, signers):
    with pg_app.app_context():
        countersigned("at_once", signers)
        ids = []
        for _ in range(4):  # several rounds: the race is won differently each time
            instance = runtime().submit(user("staff"), "at_once", MultiDict({"note": "Sign"}))
            ids.append(instance.id)
        rounds = [
            {t.assignee.username: t.id for t in tasks_of(i) if t.node_id == "sign"} for i in ids
        ]
    for instance_id, signer_tasks in zip(ids, rounds, strict=True):
        results = at_once(
            pg_app, [acting(name, task_id, "agree") for name, task_id in signer_tasks.items()]
        )
        assert results == [instance_id] * len(signers), results

    with pg_app.app_context():
        for instance_id in ids:
            tasks = tasks_of(instance_id)
            signs = [t for t in tasks if t.node_id == "sign"]
            assert sorted((t.assignee.username, t.action) for t in signs) == sorted(
                (name, "agree") for name in signers
            )
            assert live_of(instance_id) == [("after", "leader")]
            counted = dict(
                db.session.execute(
                    select(Activation.node_id, func.count())
                    .where(Activation.instance_id == instance_id)
                    .group_by(Activation.node_id)
                ).all()
            )
            assert counted == {"start": 1, "sign": 1, "after": 1}
            no_duplicate_live_tasks(instance_id)
        verified()


def test_parallel_branches_arriving_at_once_pass_the_join_exactly_once(pg_app):
    with pg_app.app_context():
        ids, rounds = [], []
        for _ in range(4):
            instance = start("staff", "user_offboarding")
            ids.append(instance.id)
            tasks = {t.node_id: t.id for t in tasks_of(instance.id) if t.status in LIVE_TASK}
            rounds.append(tasks)
    for instance_id, tasks in zip(ids, rounds, strict=True):
        results = at_once(
            pg_app,
            [
                acting("head", tasks["work_handover"], "agree"),
                acting("admin", tasks["computer_handover"], "agree"),
            ],
        )
        assert results == [instance_id, instance_id], results

    with pg_app.app_context():
        for instance_id in ids:
            assert live_of(instance_id) == [("close_account", "admin")]
            joins = db.session.scalars(
                select(Activation).where(
                    Activation.instance_id == instance_id,
                    Activation.node_id == "handovers_done",
                )
            ).all()
            assert [(str(a.status), a.arrivals) for a in joins] == [("completed", 2)]
            no_duplicate_live_tasks(instance_id)
        verified()
