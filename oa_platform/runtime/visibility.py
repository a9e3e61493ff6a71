"""Who may see an instance: its initiator, its participants (past, current, copied) and
Auditors. Everyone else is told it does not exist (404). Which of its fields they read is
``policy``'s rule."""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from oa_platform.runtime.exceptions import InstanceNotFoundError
from oa_platform.runtime.models import Instance, Question, Task

AUDITOR_ROLE = "Auditor"


def is_auditor(user) -> bool:
    return any(role.name == AUDITOR_ROLE for role in user.roles)


def visible_to(user) -> ColumnElement[bool]:
    """A filter on :class:`Instance` for the instances ``user`` may see."""
    if is_auditor(user):
        return Instance.id.is_not(None)
    participant = exists().where(
        Task.instance_id == Instance.id,
        or_(Task.assignee_id == user.id, Task.principal_id == user.id),
    )
    asked = exists().where(Question.instance_id == Instance.id, Question.asked_to_id == user.id)
    return or_(Instance.initiator_id == user.id, participant, asked)


def visible_instance(session: Session, user, instance_id: int) -> Instance:
    """The instance, or :class:`InstanceNotFoundError` whether it is missing or hidden."""
    instance = session.scalar(select(Instance).where(Instance.id == instance_id, visible_to(user)))
    if instance is None:
        raise InstanceNotFoundError()
    return instance
