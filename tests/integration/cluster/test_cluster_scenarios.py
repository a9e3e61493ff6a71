"""The platform's end-to-end scenarios over real HTTP against real processes (issue 25): the
production shape (two gunicorn web servers, two Celery workers and beat, PostgreSQL, Redis)
and the embedded default (one web server, one worker, beat, SQLite), each request of a
client going to the next web server in turn.

A leave request is started, refused without an opinion (§3.5), agreed, rolled back by HR,
questioned and answered, agreed again to its end; a deadline passes (its time moved into the
past in the database, as the timer tests move it) and the processes' beat and worker mark it
overdue. Each test ends with the nothing-lost checks (ledger.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.processes import wait_for
from oa_platform.runtime.models import Task, Timer
from tests.integration.api.test_process_api import LEAVE
from tests.integration.cluster.ledger import Ledger, assert_nothing_lost_nothing_doubled

FIRING_TIMEOUT = 90  # seconds: generous, the machine may be busy


def start_leave(api) -> dict:
    started = api(
        "POST", "staff", "/instances", json={"definition": "leave_request", "data": LEAVE}
    )
    assert started.status_code == 201, started.text
    return started.json()["result"]


def act(api, ledger: Ledger, username: str, instance_id: int, action: str, **body):
    task = api.task_of(username, instance_id)
    answer = api.act(username, instance_id, action, **body)
    ledger.record(task["id"], action, answer.status_code)
    return answer


def test_a_leave_request_walks_its_chain_across_both_web_servers(running):
    api, ledger = running.client(), Ledger()
    instance = start_leave(api)
    assert instance["status"] == "running" and instance["values"]["days"] == 2

    refused = act(api, ledger, "head", instance["id"], "disagree")
    assert refused.status_code == 422
    assert "An opinion is required to disagree" in refused.json()["message"]
    head_task = api.task_of("head", instance["id"])
    assert act(api, ledger, "head", instance["id"], "agree").status_code == 200
    again = api("POST", "head", f"/tasks/{head_task['id']}/actions", json={"action": "agree"})
    assert again.status_code == 409, again.text

    # HR sends it back to the department head (§3.5: a rollback needs an opinion).
    rolled_back = act(
        api,
        ledger,
        "hr",
        instance["id"],
        "rollback",
        opinion="Check the handover first",
        target="department_head",
    )
    assert rolled_back.status_code == 200, rolled_back.text

    asked = api(
        "POST",
        "head",
        f"/instances/{instance['id']}/questions",
        json={"to": "staff", "text": "Who covers your customers?"},
    )
    assert asked.status_code == 201, asked.text
    question = asked.json()["result"]
    answered = api(
        "POST", "staff", f"/questions/{question['id']}/answer", json={"text": "Henry does."}
    )
    assert answered.status_code == 200 and answered.json()["result"]["answer"] == "Henry does."

    assert act(api, ledger, "head", instance["id"], "agree").status_code == 200
    done = act(api, ledger, "hr", instance["id"], "agree")
    assert done.status_code == 200 and done.json()["result"]["status"] == "completed"

    trail = api("GET", "staff", f"/instances/{instance['id']}/audit").json()["result"]
    actions = [e["detail"].get("action") for e in trail if e["event"] == "action"]
    assert actions == ["submit", "agree", "rollback", "agree", "agree"]
    assert set(api.served_by) == set(running.cluster.urls)
    assert_nothing_lost_nothing_doubled(running, ledger)


def test_a_passed_deadline_is_marked_overdue_by_the_workers(running):
    api = running.client()
    instance = start_leave(api)
    task = api.task_of("head", instance["id"])
    let_deadline_pass(running, task["id"])

    def overdue() -> bool:
        trail = api("GET", "staff", f"/instances/{instance['id']}/audit").json()["result"]
        return any(e["event"] == "overdue" for e in trail)

    assert wait_for(overdue, FIRING_TIMEOUT), running.cluster.report()
    trail = api("GET", "staff", f"/instances/{instance['id']}/audit").json()["result"]
    assert [e["task"] for e in trail if e["event"] == "overdue"] == [task["id"]]
    assert_nothing_lost_nothing_doubled(running, Ledger())


def let_deadline_pass(running, task_id: int, at: datetime | None = None) -> None:
    """Move the task's due time and its deadline timer an hour into the past, or to ``at``
    (the clock of every process moved at once, as tests/integration/timers/ moves it)."""
    passed = at or utcnow() - timedelta(hours=1)
    with running.app.app_context():
        db.session.execute(update(Task).where(Task.id == task_id).values(due_at=passed))
        moved = db.session.execute(
            update(Timer)
            .where(Timer.kind == "deadline", Timer.task_id == task_id)
            .values(due_at=passed)
        )
        assert moved.rowcount == 1
        db.session.commit()
        assert db.session.scalar(select(Task.due_at).where(Task.id == task_id)) == passed
        db.session.remove()
