"""Instance and task statuses with their legal transitions (viewflow's explicit state machine).

An illegal transition raises :class:`IllegalTransitionError`; it is a bug, never a silent
no-op.
"""

from __future__ import annotations

import enum


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

LIVE_TASK = (TaskStatus.WAITING, TaskStatus.OPEN, TaskStatus.HELD)
ACTIONABLE_TASK = (TaskStatus.OPEN, TaskStatus.HELD)
FINISHED_INSTANCE = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED, InstanceStatus.CANCELLED)


def check_instance(current: InstanceStatus, target: InstanceStatus) -> None:
    if target not in _INSTANCE[current]:
        raise IllegalTransitionError(f"instance cannot go from {current} to {target}")


def check_task(current: TaskStatus, target: TaskStatus) -> None:
    if target not in _TASK[current]:
        raise IllegalTransitionError(f"task cannot go from {current} to {target}")
