"""The lists the organisation-change pages show: change requests with their deadlines, and
the open tasks a bulk reassignment chooses from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from form_builder.clock import utcnow
from form_builder.models import ProcessDefinition
from oa_platform.accounts.models import OAUser
from oa_platform.orgchange import deadlines
from oa_platform.orgchange.changes import APPLY_NODES, DEFINITION_KEY, KINDS, Deadline
from oa_platform.orgchange.models import AppliedChange
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.states import LIVE_TASK, InstanceStatus


@dataclass
class RequestRow:
    """One change request as IT's list shows it."""

    instance_id: int
    title: str
    kind: str
    kind_label: object
    deadline: Deadline | None
    initiator: str
    status: InstanceStatus
    confirmed_at: datetime | None
    due_at: datetime | None
    applied_at: datetime | None
    overdue: bool


def change_requests(
    session: Session,
    *,
    now: datetime | None = None,
    limit: int = 500,
    instance_id: int | None = None,
):
    """The change requests, newest first, each with its §8.4 deadline and whether it is
    overdue (confirmed, and not done by its due time)."""
    now = now or utcnow()
    initiator = aliased(OAUser)
    confirmed = (
        select(Task.instance_id, func.min(Task.created_at).label("at"))
        .where(Task.node_id.in_(APPLY_NODES))
        .group_by(Task.instance_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Instance.id,
            Instance.title,
            Instance.values,
            initiator.username,
            Instance.status,
            confirmed.c.at,
            AppliedChange.applied_at,
            Instance.finished_at,
        )
        .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
        .join(initiator, initiator.id == Instance.initiator_id)
        .outerjoin(confirmed, confirmed.c.instance_id == Instance.id)
        .outerjoin(AppliedChange, AppliedChange.instance_id == Instance.id)
        .where(ProcessDefinition.key == DEFINITION_KEY, Instance.submitted_at.is_not(None))
        .where(Instance.id == instance_id if instance_id is not None else Instance.id.is_not(None))
        .order_by(Instance.id.desc())
        .limit(limit)
    )
    found = []
    for instance_id, title, values, username, status, at, applied, finished in rows:
        kind = KINDS.get((values or {}).get("change_kind") or "")
        deadline = kind.deadline if kind else None
        due = deadlines.due_at(deadline, at) if (deadline and at) else None
        # Done: applied, or IT's step closed otherwise (refused, terminated).
        done = applied or (finished if status is not InstanceStatus.RUNNING else None)
        found.append(
            RequestRow(
                instance_id,
                title,
                kind.code if kind else "",
                kind.label if kind else "",
                deadline,
                username,
                status,
                at,
                due,
                applied,
                deadlines.is_overdue(due, done, now),
            )
        )
    return found


@dataclass
class OpenTask:
    task_id: int
    instance_id: int
    title: str
    definition_key: str
    node_id: str
    assignee: str
    created_at: datetime


def open_tasks(
    session: Session,
    *,
    person: str = "",
    node: str = "",
    definition: str = "",
    limit: int = 500,
) -> list[OpenTask]:
    """Open tasks chosen by person (user name), node id and definition key."""
    assignee = aliased(OAUser)
    query = (
        select(
            Task.id,
            Task.instance_id,
            Instance.title,
            ProcessDefinition.key,
            Task.node_id,
            assignee.username,
            Task.created_at,
        )
        .join(Instance, Instance.id == Task.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
        .join(assignee, assignee.id == Task.assignee_id)
        .where(Task.status.in_(LIVE_TASK))
    )
    if person:
        user_id = session.scalar(
            select(OAUser.id).where(func.lower(OAUser.username) == person.lower())
        )
        query = query.where(Task.assignee_id == (user_id or -1))
    if node:
        query = query.where(Task.node_id == node)
    if definition:
        query = query.where(ProcessDefinition.key == definition)
    rows = session.execute(query.order_by(Task.id).limit(limit))
    return [OpenTask(*row) for row in rows]
