"""Work that must wait until the transaction commits: background jobs and announced events.

Celery messages and integration hooks must never see a change that is then rolled back
(Superset's lesson, SIP-98): the engine queues them on the session, the command that owns the
transaction dispatches them after its commit, and a rollback drops them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from plugins.events import announce

if TYPE_CHECKING:
    from oa_platform.runtime.models import Task

_KEY = "oa_deferred"


def pending(session: Session) -> list[tuple[str, dict[str, Any]]]:
    return session.info.setdefault(_KEY, [])


def defer_job(session: Session, **job: Any) -> None:
    pending(session).append(("job", job))


def defer_event(session: Session, name: str, **arguments: Any) -> None:
    pending(session).append((name, arguments))


def defer_task_event(session: Session, name: str, task: Task, **arguments: Any) -> None:
    """Announce an event about a task, with its instance, node and handler, after commit."""
    defer_event(
        session,
        name,
        task_id=task.id,
        instance_id=task.instance_id,
        node_id=task.node_id,
        assignee=task.assignee.username,
        **arguments,
    )


def truncate(session: Session, length: int) -> None:
    """Forget what was queued after ``length`` items (a hook's savepoint was rolled back)."""
    del pending(session)[length:]


def discard(session: Session) -> None:
    session.info.pop(_KEY, None)


def dispatch(session: Session) -> None:
    """After commit: send the jobs to Celery and announce the events."""
    items = session.info.pop(_KEY, [])
    from oa_platform.runtime.jobs import run_node_job

    events = []
    for kind, data in items:
        if kind == "job":
            run_node_job.apply_async(kwargs=data)
        else:
            events.append((kind, data))
    announce(events)
