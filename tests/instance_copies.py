"""Many process instances fast: row-for-row copies of instances started through the runtime.

Starting an instance through the runtime costs some 60 statements; a test that needs a
thousand running instances (timer load) copies a few real ones instead. A copy has the
original's activations, tasks, timers and audit trail under its own ids, its trail
re-chained so that ``audit.verify`` holds. Notifications are not copied, and neither are
instances with added signers (tasks pointing at a parent task).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from oa_platform.runtime import audit
from oa_platform.runtime.models import Activation, AuditEntry, Instance, Task, Timer


def copy_instances(session: Session, originals: Sequence[Instance], total: int) -> None:
    """Add copies of ``originals``, taken in turn, until with them there are ``total``
    instances; commits."""
    children = {original.id: _children(session, original.id) for original in originals}
    sources = [originals[n % len(originals)] for n in range(total - len(originals))]
    copy_ids = _insert(session, Instance, [_values(source) for source in sources])
    pairs = [
        (children[source.id], copy_id) for source, copy_id in zip(sources, copy_ids, strict=True)
    ]
    # (copy's instance id, original row's id) -> the copied row's id
    activations = _insert_copies(
        session,
        Activation,
        {
            (copy_id, old.id): _values(old, instance_id=copy_id)
            for rows, copy_id in pairs
            for old in rows[Activation]
        },
    )
    tasks: dict[tuple[int, int], dict[str, Any]] = {}
    for rows, copy_id in pairs:
        for old in rows[Task]:
            if old.parent_task_id is not None:
                raise ValueError(f"task {old.id} has a parent task: added signers are not copied")
            activation_id = activations[copy_id, old.activation_id]
            tasks[copy_id, old.id] = _values(old, instance_id=copy_id, activation_id=activation_id)
    task_ids = _insert_copies(session, Task, tasks)
    entries, timers, heads = [], [], {}
    for rows, copy_id in pairs:
        prev = audit.GENESIS
        for old in rows[AuditEntry]:
            task_id = task_ids.get((copy_id, old.task_id))
            entry = _values(old, instance_id=copy_id, task_id=task_id, prev_hash=prev)
            entry["hash"] = prev = audit.content_hash(entry)
            entries.append(entry)
        heads[copy_id] = (len(rows[AuditEntry]), prev)
        for old in rows[Timer]:
            activation_id = activations.get((copy_id, old.activation_id))
            task_id = task_ids.get((copy_id, old.task_id))
            # A process timer's subject is its instance (ck_timer_process_subject).
            timers.append(
                _values(
                    old,
                    instance_id=copy_id,
                    subject_id=copy_id,
                    activation_id=activation_id,
                    task_id=task_id,
                )
            )
    _insert(session, AuditEntry, entries)
    audit.write_heads(session, heads)  # the copies' chains end in hashes of their own
    _insert(session, Timer, timers)
    session.commit()


def _children(session: Session, instance_id: int) -> dict[type, list[Any]]:
    """The instance's activations, tasks, audit entries and timers, each in creation order."""
    order = {Activation: Activation.seq, Task: Task.id, AuditEntry: AuditEntry.seq, Timer: Timer.id}
    return {
        model: list(
            session.scalars(select(model).where(model.instance_id == instance_id).order_by(key))
        )
        for model, key in order.items()
    }


def _values(row: Any, **changes: Any) -> dict[str, Any]:
    """``row``'s column values without its primary key, with ``changes``."""
    values = {
        attribute.key: getattr(row, attribute.key)
        for attribute in inspect(type(row)).column_attrs
        if not any(column.primary_key for column in attribute.columns)
    }
    return {**values, **changes}


def _insert(session: Session, model: type, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in bulk (a few multi-row statements); their new ids, in order."""
    table = model.__table__
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def _insert_copies(
    session: Session, model: type, rows: dict[tuple[int, int], dict[str, Any]]
) -> dict[tuple[int, int], int]:
    return dict(zip(rows, _insert(session, model, list(rows.values())), strict=True))
