"""Overtime records for the inspections of regulations §8.5: a task that went past its
deadline is recorded once, and how late it was once it left its handler."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.runtime.models import OvertimeRecord, Task
from oa_platform.unit_of_work import transaction_cache

# The transaction cache of records read with a command's context, by task id (None: none).
_KNOWN = "overtime_records"


def know(session: Session, task_id: int, late: OvertimeRecord | None) -> None:
    """The task's overtime record (or that it has none), as a query of the caller's
    transaction read it with the rest of a command's context: :func:`close` needs no read."""
    transaction_cache(session, _KNOWN)[task_id] = late


def record(session: Session, task: Task) -> None:
    """The task's deadline passed while its handler still had it."""
    session.add(
        OvertimeRecord(
            task_id=task.id,
            instance_id=task.instance_id,
            definition_id=task.instance.definition_id,
            node_id=task.node_id,
            handler_id=task.assignee_id,
            department_id=task.assignee.department_id,
            due_at=task.due_at,
        )
    )


def close(session: Session, task: Task, at: datetime) -> None:
    """The task left its handler (handled, or taken away by escalation): how late it was."""
    # Recorded in this transaction (an escalation's deadline, then its automatic action),
    # or read without flushing the caller's other pending changes, which it does not need.
    late = next(
        (row for row in session.new if isinstance(row, OvertimeRecord) and row.task_id == task.id),
        None,
    )
    known = transaction_cache(session, _KNOWN)
    if late is None and task.id in known:
        late = known[task.id]
    elif late is None:
        with session.no_autoflush:
            late = session.scalar(select(OvertimeRecord).where(OvertimeRecord.task_id == task.id))
    if late is not None:
        late.handled_at = at
        late.minutes_late = int((at - late.due_at).total_seconds() // 60)
