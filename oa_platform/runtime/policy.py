"""What a person may do with an instance now, and which of its fields they may read.

The one owner of these rules. Commands enforce them (a refusal names the reason); the page,
the REST API (instance values, the trail's field diffs, the actions of a task), file
downloads and notifications only render them, so they cannot disagree (they did: the page
used the start node's field access for anyone without a live task, the API that person's
latest node, the trail showed every field to every participant, and the page's own copies
of the revoke and urge rules drifted from the commands'). Whether a person may see an
instance at all is ``visibility``'s rule.

The field rule, from the node permissions of the definition (regulations §2.1.2, §3.2): a person
reads an instance's fields as the node they handle sees them: their live task's node, else
the node of their latest task there, else (the initiator, a person asked a question, an
Auditor) the start node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from form_builder.compiler import HIDDEN
from form_builder.services import process_spec
from oa_platform.i18n import format_when
from oa_platform.runtime.exceptions import (
    NotAllowedError,
    RuntimeCommandError,
    TaskAlreadyHandledError,
)
from oa_platform.runtime.labels import status_label
from oa_platform.runtime.models import Activation, AuditEntry, Instance, Task
from oa_platform.runtime.opinions import label
from oa_platform.runtime.states import (
    ACTIONABLE_TASK,
    FINISHED_INSTANCE,
    ActivationStatus,
    InstanceStatus,
    TaskStatus,
)
from plugins.contract import Action

if TYPE_CHECKING:
    from oa_platform.runtime.engine import Engine

# Instances whose blocking tasks can be acted on.
LIVE_INSTANCE = frozenset({InstanceStatus.RUNNING, InstanceStatus.RETURNED})
# Trail events whose detail carries field values or keys, and where.
_VALUE_DETAILS = {"fields_changed": "changes", "ignored_field_post": "fields"}


def access_node(instance: Instance, user: Any, tasks: Iterable[Task] | None = None) -> str:
    """The node whose field access applies to ``user`` reading ``instance``: the node of the
    task they would act on now (:func:`actionable_tasks`' first, as the page opens it), else
    the start node while it is their draft, else the node of their latest task there, else
    the start node.

    ``tasks`` are the instance's tasks when the caller already loaded them."""
    tasks = list(instance.tasks if tasks is None else tasks)
    start = process_spec(instance.definition_version).start
    actionable = actionable_tasks(instance, user, tasks)
    if actionable:
        return actionable[0].node_id
    if instance.status is InstanceStatus.DRAFT and instance.initiator_id == user.id:
        return start  # they fill in the start form again
    mine = [t for t in tasks if t.assignee_id == user.id]
    return max(mine, key=lambda t: t.id).node_id if mine else start


def readable_fields(
    instance: Instance, user: Any, tasks: Iterable[Task] | None = None
) -> Mapping[str, str]:
    """Key -> "edit" | "read" | "hidden" of every field as ``user`` sees ``instance`` (the
    spec's read-only mapping, compiled once per version and node)."""
    spec = process_spec(instance.definition_version)
    return spec.nodes[access_node(instance, user, tasks)].field_access


def readable_values(instance: Instance, user: Any) -> dict[str, Any]:
    """The instance's values without the fields hidden from ``user``."""
    access = readable_fields(instance, user)
    return {k: v for k, v in instance.values.items() if access.get(k) != HIDDEN}


def readable_detail(entry: AuditEntry, access: Mapping[str, str]) -> dict[str, Any] | None:
    """An audit entry's detail as a reader with ``access`` may see it: the diffs and keys of
    hidden fields are left out, and ``redacted`` says that something was (its hash covers the
    whole detail, so only a reader who sees everything can check it)."""
    detail = entry.detail
    where = _VALUE_DETAILS.get(entry.event)
    if not detail or where is None or where not in detail:
        return detail
    shown = detail[where]
    if isinstance(shown, Mapping):
        kept: Any = {k: v for k, v in shown.items() if access.get(k.split("-")[0]) != HIDDEN}
    else:
        kept = [k for k in shown if access.get(str(k).split("-")[0]) != HIDDEN]
    if len(kept) == len(shown):
        return detail
    return {**detail, where: kept, "redacted": True}


# What a handler may do with their task (regulations §3.5: the node permission) -------------


def task_refusal(task: Task, user: Any) -> RuntimeCommandError | None:
    """Why ``user`` may not act on ``task`` now, or None: it must be their own open or held
    task, on a running (or returned) instance; a copy (CC) can still be marked read after
    the chain moved on. The error says who handled it, when someone did."""
    if task.assignee_id != user.id:
        return NotAllowedError(gettext("This task is someone else's."))
    if task.status not in ACTIONABLE_TASK:
        return TaskAlreadyHandledError(_handled(task))
    if task.blocking and task.instance.status not in LIVE_INSTANCE:
        return TaskAlreadyHandledError(
            gettext("The instance is %(status)s.", status=status_label(task.instance.status))
        )
    return None


def _handled(task: Task) -> str:
    if task.status is TaskStatus.DONE:
        return gettext(
            "This task was already handled by %(who)s (%(action)s, %(when)s).",
            who=task.completed_by or gettext("the system, as it was overdue"),
            action=label(task.action or ""),
            when=format_when(task.completed_at, ""),
        )
    if task.action == str(Action.TRANSFER) and task.completed_by is not None:
        return gettext("This task was transferred by %(who)s.", who=task.completed_by)
    return gettext("This task is no longer open (the node has moved on).")


def actionable_tasks(
    instance: Instance, user: Any, tasks: Iterable[Task] | None = None
) -> list[Task]:
    """``user``'s tasks on ``instance`` they may act on now, blocking ones first."""
    mine = instance.tasks if tasks is None else tasks
    mine = [t for t in mine if t.assignee_id == user.id and task_refusal(t, user) is None]
    return sorted(mine, key=lambda t: (not t.blocking, t.id))


def offered_actions(engine: Engine, task: Task) -> list[Action]:
    """The actions ``task``'s node offers its handler now.

    A copy (CC) is only read; a held task is not held again; a node offers what its type
    always offers (the start node: submit) whatever the definition narrowed; the initiator's
    instance-level actions (revoke, urge) are separate commands; removing a signer is offered
    only while someone can be removed."""
    if not task.blocking:
        return [Action.READ]
    offered = [Action(name) for name in engine.spec.nodes[task.node_id].actions]
    if task.status is TaskStatus.HELD:
        offered = [a for a in offered if a is not Action.HOLD]
    always = engine.node_type(task.node_id).always_offers
    offered = [a for a in always if a not in offered] + offered
    offered = [a for a in offered if a not in {Action.REVOKE, Action.URGE}]
    if Action.REDUCE_SIGNATURE in offered and not removable_signers(engine, task):
        offered.remove(Action.REDUCE_SIGNATURE)
    return offered


def action_refusal(engine: Engine, task: Task, action: Action) -> str | None:
    """Why ``task``'s handler may not take ``action`` now, or None when it is offered."""
    offered = offered_actions(engine, task)
    if action in offered:
        return None
    if action is Action.REDUCE_SIGNATURE and task.blocking:
        return gettext(
            "Only a signer of this node who has not acted yet can be removed: nobody is left."
        )
    names = gettext(", ").join(label(a) for a in offered) or gettext("nothing")
    return gettext(
        "'%(node)s' does not offer to %(action)s (it offers: %(offered)s).",
        node=engine.spec.names[task.node_id],
        action=label(action),
        offered=names,
    )


def rollback_targets(session: Session, engine: Engine, task: Task) -> list[str]:
    """Earlier nodes ``task`` may roll back to, nearest first: people's nodes (and the nodes
    whose type receives returns: the start node) completed before it on the way to it, not a
    parallel branch beside it."""
    activations = session.scalars(
        select(Activation)
        .where(
            Activation.instance_id == task.instance_id,
            Activation.seq < task.activation.seq,
            Activation.status == ActivationStatus.COMPLETED,
        )
        .order_by(Activation.seq.desc())
    )
    before = engine.ancestors(task.node_id)
    seen: list[str] = []
    for activation in activations:
        node_type = engine.node_type(activation.node_id)
        people = node_type.needs_assignee or node_type.receives_returns
        if people and activation.node_id not in seen and activation.node_id in before:
            seen.append(activation.node_id)
    return seen


def removable_signers(engine: Engine, task: Task) -> list[Task]:
    """Signers of ``task``'s node, other than its handler, who have not acted yet."""
    return [
        t
        for t in engine.tasks_of(task.activation)
        if t.id != task.id and t.blocking and t.status in {TaskStatus.OPEN, TaskStatus.WAITING}
    ]


# What the initiator may do with the instance (regulations §3.6) ------------------------------


def revoke_refusal(instance: Instance, user: Any, start: str) -> str | None:
    """Why ``user`` may not revoke ``instance`` now, or None: only its initiator, only while
    it runs and no handler after the start node has opened or handled it."""
    if instance.initiator_id != user.id:
        return gettext("Only the initiator may revoke.")
    if instance.status is not InstanceStatus.RUNNING:
        return _is(instance)
    opened = [
        t
        for t in instance.tasks
        if t.blocking
        and t.node_id != start
        and t.assignee_id != user.id  # their own later task: they are not "the next handler"
        and (t.opened_at is not None or t.status is TaskStatus.DONE)
    ]
    if opened:
        first = min(opened, key=lambda t: t.id)
        return gettext(
            "%(who)s has already opened it; ask them to roll it back.", who=first.assignee
        )
    return None


def ask_refusal(instance: Instance, user: Any) -> str | None:
    """Why ``user`` may not ask a question on ``instance`` now, or None: only its initiator
    and people who hold or held a task of it take part (§3.3, §3.6); an auditor reads the
    trail but does not join the process."""
    if instance.status in FINISHED_INSTANCE:
        return f"'{instance.title}' is {instance.status}."
    if instance.initiator_id != user.id and all(t.assignee_id != user.id for t in instance.tasks):
        return "Only the initiator and the people who handle this instance ask questions on it."
    return None


def handlers_to_urge(instance: Instance, user: Any) -> list[str]:
    """The user names ``instance``'s initiator may urge (催办): whoever holds a live blocking
    task that is not waiting for someone else, the initiator aside."""
    return sorted(
        {
            t.assignee.username
            for t in instance.tasks
            if t.blocking and t.status in ACTIONABLE_TASK and t.assignee_id != user.id
        }
    )


def urge_refusal(instance: Instance, user: Any) -> str | None:
    """Why ``user`` may not urge ``instance`` now, or None."""
    if instance.initiator_id != user.id:
        return gettext("Only the initiator may urge.")
    if instance.status is not InstanceStatus.RUNNING or not handlers_to_urge(instance, user):
        return gettext("Nobody is handling this instance now.")
    return None


def reinitiate_refusal(instance: Instance, user: Any) -> str | None:
    """Why ``user`` may not cancel ``instance`` and start again from its data, or None."""
    if instance.initiator_id != user.id:
        return gettext("Only the initiator may cancel and re-initiate.")
    if instance.status in FINISHED_INSTANCE or instance.status is InstanceStatus.DRAFT:
        return _is(instance)
    return None


def _is(instance: Instance) -> str:
    return gettext(
        "'%(title)s' is %(status)s.",
        title=instance.shown_title,
        status=status_label(instance.status),
    )
