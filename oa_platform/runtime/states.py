"""Instance, task and activation statuses with their legal transitions (viewflow's explicit
state machine). Statuses change only through :func:`move`.

An illegal transition, or a move to the status an object already has, raises
:class:`IllegalTransitionError`; it is a bug, never a silent no-op.
"""

from __future__ import annotations

import enum
from typing import Any


class IllegalTransitionError(RuntimeError):
    pass


class InstanceStatus(enum.StrEnum):
    DRAFT = "draft"  # saved by the initiator, not submitted (or revoked back to them)
    RUNNING = "running"
    RETURNED = "returned"  # rolled back to the initiator, who may resubmit
    COMPLETED = "completed"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"  # the initiator gave up (e.g. to re-initiate after a question)
    ERROR = "error"  # a node type's hook raised; an admin retries or skips the node


class TaskStatus(enum.StrEnum):
    WAITING = "waiting"  # in line: sequential signing, or behind an added signer
    OPEN = "open"
    HELD = "held"  # 暂存待办: kept in the inbox with an opinion
    DONE = "done"
    CANCELLED = "cancelled"


class ActivationStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


_INSTANCE = {
    InstanceStatus.DRAFT: {InstanceStatus.RUNNING, InstanceStatus.CANCELLED},
    InstanceStatus.RUNNING: {
        InstanceStatus.RETURNED,
        InstanceStatus.COMPLETED,
        InstanceStatus.TERMINATED,
        InstanceStatus.DRAFT,  # revoked by the initiator
        InstanceStatus.ERROR,
        InstanceStatus.CANCELLED,
    },
    InstanceStatus.RETURNED: {
        InstanceStatus.RUNNING,
        InstanceStatus.TERMINATED,
        InstanceStatus.CANCELLED,
        InstanceStatus.ERROR,
    },
    InstanceStatus.ERROR: {
        InstanceStatus.RUNNING,
        InstanceStatus.RETURNED,
        InstanceStatus.TERMINATED,
        InstanceStatus.CANCELLED,  # the initiator gives up and re-initiates
    },
    InstanceStatus.COMPLETED: set(),
    InstanceStatus.TERMINATED: set(),
    InstanceStatus.CANCELLED: set(),
}

_TASK = {
    TaskStatus.WAITING: {TaskStatus.OPEN, TaskStatus.CANCELLED},
    TaskStatus.OPEN: {TaskStatus.HELD, TaskStatus.DONE, TaskStatus.CANCELLED, TaskStatus.WAITING},
    # A held task waits when its handler adds a signer before them.
    TaskStatus.HELD: {TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED, TaskStatus.WAITING},
    TaskStatus.DONE: set(),
    TaskStatus.CANCELLED: set(),
}

_ACTIVATION = {
    # A node left, or cancelled (rolled back over, terminated, revoked); neither comes back:
    # entering the node again is a new activation.
    ActivationStatus.ACTIVE: {ActivationStatus.COMPLETED, ActivationStatus.CANCELLED},
    ActivationStatus.COMPLETED: set(),
    ActivationStatus.CANCELLED: set(),
}

_TABLES = {InstanceStatus: _INSTANCE, TaskStatus: _TASK, ActivationStatus: _ACTIVATION}

LIVE_TASK = (TaskStatus.WAITING, TaskStatus.OPEN, TaskStatus.HELD)
ACTIONABLE_TASK = (TaskStatus.OPEN, TaskStatus.HELD)
FINISHED_INSTANCE = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED, InstanceStatus.CANCELLED)


def move(entity: Any, target: InstanceStatus | TaskStatus | ActivationStatus) -> None:
    """Set ``entity``'s (an instance's, task's or activation's) status to ``target``, if its
    table allows the move from the current status."""
    if target not in _TABLES[type(target)][entity.status]:
        kind = type(entity).__name__.lower()
        raise IllegalTransitionError(f"{kind} cannot go from {entity.status} to {target}")
    entity.status = target
