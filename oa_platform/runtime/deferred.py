"""Work that must wait until the transaction commits: background jobs and announced events.

Celery messages and integration hooks must never see a change that is then rolled back
(Superset's lesson, SIP-98): the engine queues them on the session's unit of work, which sends
them after its commit; a rollback (a hook's savepoint's included) drops them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from oa_platform.unit_of_work import unit_of_work
from plugins.events import announce

if TYPE_CHECKING:
    from oa_platform.runtime.models import Task


def defer_job(session: Session, **job: Any) -> None:
    """Run a node's background job (``runtime.jobs.run_node_job``) once committed."""
    unit_of_work(session).after_commit(_send_job, job)


def defer_event(session: Session, name: str, **arguments: Any) -> None:
    """Announce event ``name`` to the integrations once committed."""
    unit_of_work(session).after_commit(announce, [(name, arguments)])


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


def _send_job(job: dict[str, Any]) -> None:
    from oa_platform.runtime.jobs import run_node_job

    run_node_job.apply_async(kwargs=job)
