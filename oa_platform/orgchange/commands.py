"""The organisation-change commands: apply a change request, reassign open tasks in bulk.
Each is one transaction (``unit_of_work``): it changes everything or nothing.

- :func:`apply_change` (regulations §2.1.2, §8.4): IT carries out a confirmed change request
  from the request's own data (no retyping), records exactly what changed on the request
  (its trail and :class:`AppliedChange`) and completes IT's step of the request.
- :func:`bulk_reassign`: a chosen set of open tasks moves to one person in one audited action
  (a :class:`BulkReassignment` row and an entry on each instance's trail), the way the
  hand-over on leaving moves them (``Engine.reassign``). §3.5: a move is not "agree", so it
  states its reason; §8.6: nobody receives a to-do on their own request; only active people
  receive tasks.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oa_platform.accounts.models import OAUser
from oa_platform.orgchange import deadlines, policy
from oa_platform.orgchange.apply import ChangeRefusedError, carry_out
from oa_platform.orgchange.changes import APPLY_NODES, DEFINITION_KEY, Change, read_change
from oa_platform.orgchange.models import AppliedChange, BulkReassignment
from oa_platform.orgchange.policy import OrgChangeNotFoundError
from oa_platform.runtime import texts
from oa_platform.runtime.assignees import is_active
from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.states import LIVE_TASK, InstanceStatus, TaskStatus
from oa_platform.unit_of_work import unit_of_work
from plugins.registry import node_types

MAX_TASKS = 5000  # one action moves at most this many tasks


class OrgChangeCommandError(ValueError):
    """The action is refused; the message says why. Nothing was changed."""


def change_request(session: Session, instance_id: int) -> Instance:
    """The change request ``instance_id``, or :class:`OrgChangeNotFoundError`."""
    instance = session.get(Instance, instance_id)
    if instance is None or instance.definition.key != DEFINITION_KEY:
        raise OrgChangeNotFoundError(instance_id)
    return instance


def apply_task(session: Session, instance: Instance) -> Task | None:
    """IT's live task at the apply step of a request, if it is there."""
    return session.scalar(
        select(Task)
        .where(
            Task.instance_id == instance.id,
            Task.node_id.in_(APPLY_NODES),
            Task.status.in_(LIVE_TASK),
        )
        .order_by(Task.id)
        .limit(1)
    )


def confirmed_at(session: Session, instance: Instance):
    """When the request reached IT confirmed (its first task at the apply step), or None."""
    return session.scalar(
        select(func.min(Task.created_at)).where(
            Task.instance_id == instance.id, Task.node_id.in_(APPLY_NODES)
        )
    )


def apply_change(session: Session, actor: OAUser, instance_id: int) -> AppliedChange:
    """Carry out the change request ``instance_id`` as its data says, in one transaction."""

    def work() -> AppliedChange:
        if not policy.may_apply(actor):
            raise OrgChangeNotFoundError(instance_id)
        instance = change_request(session, instance_id)
        if session.scalar(select(AppliedChange.id).where(AppliedChange.instance_id == instance.id)):
            raise OrgChangeCommandError(
                gettext("Request #%(id)s has been carried out already.", id=instance.id)
            )
        task = apply_task(session, instance)
        if instance.status is not InstanceStatus.RUNNING or task is None:
            raise OrgChangeCommandError(
                gettext(
                    "Request #%(id)s is not confirmed and waiting for IT; it can be carried "
                    "out only at IT's step.",
                    id=instance.id,
                )
            )
        mine = session.scalar(
            select(Task).where(
                Task.instance_id == instance.id,
                Task.node_id.in_(APPLY_NODES),
                Task.assignee_id == actor.id,
                Task.status.in_((TaskStatus.OPEN, TaskStatus.HELD)),
            )
        )
        if mine is None:
            raise OrgChangeCommandError(
                gettext("IT's step of request #%(id)s is not in your to-dos.", id=instance.id)
            )
        if not policy.may_file(session, instance.initiator):
            raise OrgChangeCommandError(
                gettext(
                    "Request #%(id)s was not filed by HR or a unit (§8.4); IT does not carry "
                    "it out.",
                    id=instance.id,
                )
            )
        try:
            change = read_change(instance.values)
            changed = carry_out(session, change)
        except ValueError as error:  # the change's own refusals name the field
            raise OrgChangeCommandError(str(error)) from None
        confirmed = confirmed_at(session, instance)
        record = AppliedChange(
            instance_id=instance.id,
            kind=change.kind.code,
            changes=changed,
            confirmed_at=confirmed,
            due_at=deadlines.due_at(change.kind.deadline, confirmed) if confirmed else None,
            applied_by_id=actor.id,
        )
        session.add(record)
        engine = Engine(session, node_types(), instance, actor.id)
        engine.audit(
            "org_change_applied",
            node_id=mine.node_id,
            task_id=mine.id,
            detail={"kind": change.kind.code, "changes": changed},
        )
        session.flush()
        from oa_platform.runtime.services import runtime

        summary = "; ".join(
            f"{item['what']} {item.get('unit') or ''}: {item.get('from') or '-'} -> "
            f"{item.get('to') or '-'}"
            for item in changed
        )
        runtime().act(
            actor,
            mine.id,
            ActionRequest("agree", opinion=texts.bounded("opinion", summary, texts.OPINION)[:4000]),
        )
        return record

    return unit_of_work(session).run(work)


def preview_change(session: Session, instance: Instance) -> Change:
    """The change a request describes (raises :class:`ChangeUnreadableError`)."""
    return read_change(instance.values)


def bulk_reassign(
    session: Session, actor: OAUser, task_ids: Iterable[int], to: str, reason: str
) -> BulkReassignment:
    """Move the open tasks ``task_ids`` to the active user ``to``, with ``reason``."""

    def work() -> BulkReassignment:
        if not policy.may_apply(actor):
            raise OrgChangeNotFoundError(0)
        wanted = sorted({int(task_id) for task_id in task_ids})
        if not wanted:
            raise OrgChangeCommandError(gettext("Tasks: choose at least one open task."))
        if len(wanted) > MAX_TASKS:
            raise OrgChangeCommandError(
                gettext("Tasks: at most %(count)s tasks move in one action.", count=MAX_TASKS)
            )
        stated = texts.bounded(gettext("reason"), reason, texts.OPINION)
        if not stated:  # §3.5: everything but "agree" states its reason
            raise OrgChangeCommandError(
                gettext("Reason: say why the tasks move (regulations §3.5).")
            )
        heir = session.scalar(
            select(OAUser).where(func.lower(OAUser.username) == (to or "").strip().lower())
        )
        if heir is None or not is_active(heir):
            raise OrgChangeCommandError(
                gettext("To: %(name)s is not an active user.", name=(to or "").strip())
            )
        tasks = list(session.scalars(select(Task).where(Task.id.in_(wanted)).order_by(Task.id)))
        found = {task.id for task in tasks}
        for task_id in wanted:
            if task_id not in found:
                raise OrgChangeCommandError(gettext("Task %(id)s does not exist.", id=task_id))
        for task in tasks:
            if task.status not in LIVE_TASK:
                raise OrgChangeCommandError(
                    gettext("Task %(id)s is no longer open; nothing was moved.", id=task.id)
                )
            if task.assignee_id == heir.id:
                raise OrgChangeCommandError(
                    gettext(
                        "Task %(id)s is already %(name)s's; nothing was moved.",
                        id=task.id,
                        name=heir.username,
                    )
                )
            if task.blocking and task.instance.initiator_id == heir.id:
                raise OrgChangeCommandError(
                    gettext(
                        "Task %(id)s is on %(name)s's own request: nobody decides on their own "
                        "request (regulations §8.6); nothing was moved.",
                        id=task.id,
                        name=heir.username,
                    )
                )
        batch = BulkReassignment(actor_id=actor.id, to_user_id=heir.id, reason=stated, moved=[])
        session.add(batch)
        session.flush()
        moved = []
        for task in tasks:
            engine = Engine(session, node_types(), task.instance, actor.id)
            previous = task.assignee.username
            principal = task.principal_id if task.principal_id != heir.id else None
            new = engine.reassign(task, heir, stated, principal_id=principal)
            engine.audit(
                "bulk_reassigned",
                node_id=task.node_id,
                task_id=new.id if new is not None else task.id,
                detail={
                    "from": previous,
                    "to": heir.username,
                    "task": task.id,
                    "reason": stated,
                    "batch": batch.id,
                },
            )
            moved.append(
                {
                    "task": task.id,
                    "new_task": new.id if new is not None else None,
                    "instance": task.instance_id,
                    "from": previous,
                }
            )
        batch.moved = moved
        return batch

    return unit_of_work(session).run(work)


__all__ = [
    "ChangeRefusedError",
    "OrgChangeCommandError",
    "OrgChangeNotFoundError",
    "apply_change",
    "bulk_reassign",
]
