"""A to-do's deadline and reminder timers (regulations §3.3), written by the transaction's
commit, and closed in the transaction that ends the to-do or its instance.

A timer left pending after its task was handled fires later for nothing (its handler finds
the task gone and does nothing): a completed claim used to leave every deadline and reminder
of its chain behind. Here the transaction records which tasks stopped being to-dos (done,
cancelled, back in line) and which instances finished; its commit then marks their pending
timers done without firing them (``fired_at`` stays empty), and leaves out the timers it was
about to insert for them (a start task is created and submitted in one transaction: it never
gets timers). All of it costs one ``UPDATE`` and one multi-row ``INSERT`` per transaction at
most, and a rolled-back savepoint drops what it recorded (:class:`WrittenAtCommit`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, update
from sqlalchemy.orm import Session

from oa_platform.commit_writes import WrittenAtCommit
from oa_platform.runtime.models import Timer, TimerState

# What the transaction did, in order: ("timer", row), ("task", id) or ("instance", id).
Change = tuple[str, Any]


def add(
    session: Session,
    *,
    kind: str,
    due_at: datetime,
    instance_id: int,
    activation_id: int,
    task_id: int,
) -> None:
    """A timer of the task, inserted when the transaction commits (unless the task ended)."""
    row = {
        "due_at": due_at,
        "kind": kind,
        "instance_id": instance_id,
        "activation_id": activation_id,
        "task_id": task_id,
    }
    _changes.add(session, ("timer", row))


def close_task(session: Session, task_id: int) -> None:
    """The task is no to-do any more: its timers pending so far are closed by the commit."""
    _changes.add(session, ("task", task_id))


def close_instance(session: Session, instance_id: int) -> None:
    """The instance finished: every timer of it pending so far is closed by the commit."""
    _changes.add(session, ("instance", instance_id))


def _write(session: Session, changes: list[Change]) -> None:
    rows: list[dict[str, Any]] = []
    tasks: set[int] = set()
    instances: set[int] = set()
    for what, value in changes:
        if what == "timer":
            rows.append(value)
        elif what == "task":
            tasks.add(value)
            # Only the timers recorded before it: a task put back in line and opened again
            # in one transaction keeps the timers of its new turn.
            rows = [row for row in rows if row["task_id"] != value]
        else:
            instances.add(value)
            rows = [row for row in rows if row["instance_id"] != value]
    # Core statements built once, on the session's connection: the ORM's bulk paths cost
    # more than the statements (and its UPDATE did not synchronise loaded timers either).
    connection = session.connection()
    if tasks or instances:
        # Before the insert, so the rows this transaction adds are not closed with them.
        connection.execute(_CLOSE, {"tasks": sorted(tasks), "instances": sorted(instances)})
    if rows:
        # One executemany: the timers' ids are never needed, and fetching them costs a
        # statement per row on SQLite.
        connection.execute(_INSERT, rows)  # the other columns take their defaults


_timers = Timer.__table__
_CLOSE = (
    update(_timers)
    .where(
        # "Neither running, done nor failed" rather than "pending": the same rows (the states
        # are closed), but no index can start from the state. SQLite has no statistics
        # unless ANALYZE ran, and for `state = 'pending'` it chose ix_timer_due and read
        # every pending timer, a million at full size, at every step; now it looks the
        # tasks' and instances' timers up by their own indexes, as PostgreSQL does.
        _timers.c.state.not_in([state for state in TimerState if state is not TimerState.PENDING]),
        or_(
            _timers.c.task_id.in_(bindparam("tasks", expanding=True)),
            _timers.c.instance_id.in_(bindparam("instances", expanding=True)),
        ),
    )
    .values(state=TimerState.DONE)
)
_INSERT = insert(_timers)


_changes: WrittenAtCommit[Change] = WrittenAtCommit("task_timers", _write)
