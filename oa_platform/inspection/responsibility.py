"""Who answers for a finding or a rejection (§8.6, level-by-level responsibility): the
initiator for business errors, the initiating department's head for the content, its leader
in charge for leadership, the handler for overtime and their own node's work.

Always from the org structure as it was when the action happened (``history``): a head
replaced since is not blamed for what their predecessor signed off.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.inspection import history
from oa_platform.runtime.models import Instance, Task

BUSINESS = "business"
CONTENT = "content"
LEADERSHIP = "leadership"
HANDLER = "handler"

KINDS = {
    BUSINESS: lazy_gettext("Initiator (business error)"),
    CONTENT: lazy_gettext("Initiating department's head (content)"),
    LEADERSHIP: lazy_gettext("Leader in charge (leadership)"),
    HANDLER: lazy_gettext("Handler (overtime, own node)"),
}

# Rejections send the form back: the initiator answers for the business error (§8.6).
REJECTIONS = frozenset({"disagree", "rollback", "failed_review", "terminate"})


@dataclass(frozen=True)
class Proposal:
    """Who answers (``person_id``, None when the post was vacant), in which department, for
    which kind of responsibility, at the moment of the action."""

    kind: str
    person_id: int | None
    department_id: int | None
    at: datetime


def _submitted(instance: Instance) -> datetime:
    return instance.submitted_at or instance.created_at or utcnow()


def propose(session: Session, instance: Instance, kind: str, task: Task | None = None) -> Proposal:
    """The person who answers for ``kind`` on ``instance`` (and ``task`` for the handler)."""
    if kind not in KINDS:
        raise ValueError(f"unknown responsibility {kind!r}")
    if kind == HANDLER:
        if task is None:
            raise ValueError("the handler's responsibility needs the task")
        person = task.completed_by_id or task.assignee_id
        at = task.completed_at or task.due_at or task.created_at or utcnow()
        return Proposal(kind, person, history.department_at(session, person, at), at)
    at = _submitted(instance)
    department = history.department_at(session, instance.initiator_id, at)
    if kind == BUSINESS:
        return Proposal(kind, instance.initiator_id, department, at)
    if department is None:
        return Proposal(kind, None, None, at)
    head, leader = history.leadership_at(session, department, at)
    person = head if kind == CONTENT else leader
    return Proposal(
        kind, person, history.department_at(session, person, at) if person else None, at
    )


def for_rejection(session: Session, task: Task) -> Proposal:
    """A rejection at ``task`` (disagree, roll back, fail the review, terminate) is traced to
    the initiator's business error, in the department they submitted from."""
    if task.action not in REJECTIONS:
        raise ValueError(f"task {task.id} is not a rejection")
    return propose(session, task.instance, BUSINESS)


def leader_in_charge_now(session: Session, user_id: int) -> int | None:
    """The leader in charge of the department ``user_id`` is in now (who decides an appeal)."""
    department = history.department_at(session, user_id, utcnow())
    if department is None:
        return None
    return history.leadership_at(session, department, utcnow())[1]
