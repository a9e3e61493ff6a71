"""Helpers for driving the process runtime in tests: valid form posts for the example
definitions, publishing special-case definitions, and short ways to find and act on tasks.

Everything here runs inside an application context with the demo data loaded
(``tests.conftest`` fixture ``demo``).
"""

from __future__ import annotations

import copy
import io
import itertools
import threading
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from oa_platform.extensions import db
from oa_platform.runtime import audit, timers
from oa_platform.runtime.commands import ActionRequest, Runtime
from oa_platform.runtime.models import AuditEntry, Instance, Task
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import LIVE_TASK, TaskStatus
from oa_platform.unit_of_work import unit_of_work
from tests.conftest import user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def form(key: str, **overrides: str) -> MultiDict:
    """A valid start-node post for an example definition (overrides win)."""
    posts: dict[str, dict[str, str]] = {
        "leave_request": {
            "leave_type": "annual",
            "start_date": _day(30),
            "end_date": _day(36),  # 7 days: the leader in charge approves as well
            "reason": "Family trip abroad",
            "handover_to": "head",
        },
        "expense_claim": {
            "purpose": "Customer visit in Shanghai",
            "items-0-date": _day(-3),
            "items-0-category": "travel",
            "items-0-description": "Train",
            "items-0-amount": "320.50",
            "payee_name": "Sam Wu",
            "payee_account": "6222020200112233",
        },
        "oa_process_form_application": {
            "applying_department": "SLS/SALES",
            "request_type": "new",
            "process_name": "Sample request",
            "description": "<p>Ask for product samples.</p>",
            "organisations_involved": "Sales, Finance",
        },
        "user_offboarding": {
            "leaving_user": "newhire",
            "department": "SLS/SALES",
            "last_day": _day(14),
            "reason": "resignation",
            "handover_to": "staff",
        },
        "user_onboarding": {
            "full_name": "Olga Berg",
            "unit": "SLS",
            "department": "SLS/SALES",
            "position": "Clerk",
            "start_date": _day(10),
            "email": "olga@example.com",
        },
    }
    data = {**posts.get(key, {}), **overrides}
    return MultiDict([(k, v) for k, v in data.items() if v is not None])


def files(key: str) -> MultiDict | None:
    """The uploads a start-node post of an example definition needs."""
    if key != "expense_claim":
        return None
    upload = FileStorage(io.BytesIO(PDF), filename="receipt.pdf", name="receipts-files")
    return MultiDict([("receipts-files", upload)])


def start(initiator: str, key: str, **overrides: str) -> Instance:
    """Submit a new instance of ``key`` with a valid form."""
    return runtime().submit(user(initiator), key, form(key, **overrides), files(key))


def publish(document: Mapping[str, Any]):
    """Take a definition document through review and publish it (designer, mc)."""
    from form_builder import services

    lifecycle = services.lifecycle()
    version = lifecycle.save_draft(user("designer"), copy.deepcopy(dict(document)))
    lifecycle.submit(user("designer"), version)
    lifecycle.approve(user("mc"), version, "Reviewed.")
    lifecycle.publish(user("designer"), version)
    db.session.commit()
    return version


def chain(key: str, *nodes: dict[str, Any], fields: Iterable[dict] = ()) -> dict[str, Any]:
    """A straight definition: start, ``nodes`` in order, end."""
    all_nodes = [
        {"id": "start", "type": "start", "name": "Applicant"},
        *nodes,
        {"id": "end", "type": "end", "name": "End"},
    ]
    edges = [{"from": a["id"], "to": b["id"]} for a, b in itertools.pairwise(all_nodes)]
    return {
        "format": 1,
        "key": key,
        "name": key.replace("_", " ").title(),
        "category": "Administration",
        "department": "IT",
        "fields": list(fields)
        or [{"key": "note", "type": "text", "label": "Note", "max_length": 200}],
        "nodes": all_nodes,
        "edges": edges,
    }


def node(node_id: str, kind: str, users: Iterable[str] = (), **members: Any) -> dict[str, Any]:
    found = {"id": node_id, "type": kind, "name": node_id.replace("_", " ").title(), **members}
    if users:
        found["assignee"] = {"rule": "users", "users": list(users)}
    return found


# Reading --------------------------------------------------------------------------------


def refresh(instance: Instance) -> Instance:
    db.session.expire_all()
    return db.session.get(Instance, instance.id)


def tasks(instance: Instance) -> list[Task]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Task).where(Task.instance_id == instance.id).order_by(Task.id))
    )


def live(instance: Instance, node_id: str | None = None) -> list[Task]:
    return [
        t
        for t in tasks(instance)
        if t.status in LIVE_TASK and t.blocking and (node_id is None or t.node_id == node_id)
    ]


def task_of(instance: Instance, username: str, node_id: str | None = None) -> Task:
    """The one actionable task of ``username`` (at ``node_id``)."""
    found = [
        t
        for t in live(instance, node_id)
        if t.assignee.username == username and t.status in {TaskStatus.OPEN, TaskStatus.HELD}
    ]
    assert len(found) == 1, (username, node_id, describe(instance))
    return found[0]


def describe(instance: Instance) -> list[tuple]:
    """(node, assignee, status, action, role) of every task, oldest first."""
    return [
        (t.node_id, t.assignee.username, str(t.status), t.action, t.role) for t in tasks(instance)
    ]


def state(instance: Instance) -> set[tuple[str, str, str]]:
    """(node, assignee, status) of the live blocking tasks."""
    return {(t.node_id, t.assignee.username, str(t.status)) for t in live(instance)}


def events(instance: Instance) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.instance_id == instance.id).order_by(AuditEntry.seq)
        )
    )


def actions(instance: Instance) -> list[tuple[str | None, str, str]]:
    """(node, actor, action) of every "action" entry of the trail."""
    return [
        (e.node_id, e.actor.username if e.actor else "-", e.detail["action"])
        for e in events(instance)
        if e.event == "action"
    ]


def event_names(instance: Instance) -> list[str]:
    return [e.event for e in events(instance)]


def verified() -> bool:
    breaks = audit.verify(db.session)
    assert breaks == [], [str(b) for b in breaks]
    return True


# Acting ---------------------------------------------------------------------------------


def commit() -> None:
    """Commit what the test changed as a command does: through the session's unit of work,
    which then sends what waited for the commit (jobs, events, mails)."""
    unit_of_work(db.session).run(lambda: None, conflicts=())


def rt() -> Runtime:
    return runtime()


def act(username: str, task: Task | int, action: str, **request: Any) -> Instance:
    task_id = task if isinstance(task, int) else task.id
    return runtime().act(user(username), task_id, ActionRequest(action, **request))


def act_at(instance: Instance, username: str, action: str, node_id=None, **request) -> Instance:
    """``username`` takes ``action`` on their actionable task (at ``node_id``)."""
    return act(username, task_of(instance, username, node_id), action, **request)


def two_workers_fire(app, batch: int) -> int:
    """Two timer workers (threads, each with its own app context and session, as two Celery
    workers) fire due timers at the same moment; how many they fired together."""
    fired: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def worker(name: str) -> None:
        with app.app_context():
            barrier.wait()
            fired[name] = timers.fire_due(db.session, batch=batch)
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert set(fired) == {"a", "b"}, "a worker failed (see the log)"
    return fired["a"] + fired["b"]


def fire_due_timers() -> int:
    """What beat's ``fire_due_timers`` does, in the test's process; how many fired."""
    return timers.fire_due(db.session)


def agree_through(instance: Instance, limit: int = 30) -> Instance:
    """Everyone agrees, oldest live task first, until no blocking task is open."""
    for _ in range(limit):
        open_ = [t for t in live(instance) if t.status is not TaskStatus.WAITING]
        if not open_:
            return refresh(instance)
        task = open_[0]
        instance = act(task.assignee.username, task, "agree")
    raise AssertionError(f"still running after {limit} steps: {describe(instance)}")


def away(principal: str, agent: str, categories: Iterable[str] = ()) -> None:
    """``principal`` is away this week and named ``agent`` for ``categories`` (all when
    empty), regulations §3.4."""
    from oa_platform.agents.commands import set_delegation

    today = date.today()
    set_delegation(
        db.session,
        user(principal),
        principal=user(principal),
        agent=user(agent),
        starts_on=today,
        ends_on=today + timedelta(days=7),
        categories=list(categories),
    )
    db.session.commit()
