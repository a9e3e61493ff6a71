"""Hand-over on deactivation (regulations §4.2): a leaving user's open tasks move to the
successor HR named, else to the head of their department (or the next head above).

Runs inside the deactivation's transaction (``user_deactivated`` is sent before commit), so
the hand-over commits or rolls back with it. Each moved task is audited on its instance.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.accounts.models import OAUser
from oa_platform.accounts.signals import user_deactivated
from oa_platform.runtime.assignees import head_for
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.models import Task
from oa_platform.runtime.states import LIVE_TASK
from plugins.registry import node_types


@user_deactivated.connect
def _on_deactivated(_app: Flask, *, user: OAUser, successor: OAUser | None, session: Session):
    hand_over(session, user, successor)


def hand_over(session: Session, user: OAUser, successor: OAUser | None) -> list[Task]:
    """Move ``user``'s live tasks; returns the new tasks."""
    heir = successor or head_for(user)
    moved: list[Task] = []
    tasks = session.scalars(
        select(Task)
        .where(Task.assignee_id == user.id, Task.status.in_(LIVE_TASK))
        .order_by(Task.id)
    )
    for task in tasks:
        engine = Engine(session, node_types(), task.instance)
        if heir is None:
            engine.audit(
                "handover_failed",
                node_id=task.node_id,
                task_id=task.id,
                detail={"from": user.username, "reason": "no successor and no department head"},
                system=True,
            )
            continue
        reason = f"{user.username} was deactivated"
        new = engine.reassign(task, heir, reason, principal_id=task.principal_id)
        if new is None:
            continue
        engine.audit(
            "handed_over",
            node_id=task.node_id,
            task_id=new.id,
            detail={"from": user.username, "to": heir.username, "task": task.id},
            system=True,
        )
        moved.append(new)
    return moved
