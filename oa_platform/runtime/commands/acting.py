"""A handler's action on a task (regulations §3.5), and the system's on an overdue one."""

from __future__ import annotations

from functools import cache

from flask_babel import gettext
from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import aliased, joinedload

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.runtime import audit, overtime, policy
from oa_platform.runtime.commands import rollback, signers
from oa_platform.runtime.commands.base import (
    ActionRequest,
    CommandContext,
    complete,
    edit,
    finish_task,
    record,
)
from oa_platform.runtime.context import task_view
from oa_platform.runtime.engine import Engine, know_last_activation, know_tasks
from oa_platform.runtime.exceptions import ActionNotOfferedError, InstanceNotFoundError
from oa_platform.runtime.models import Activation, Instance, OvertimeRecord, Task
from oa_platform.runtime.opinions import check_opinion, label
from oa_platform.runtime.states import TaskStatus, move
from oa_platform.runtime.visibility import visible_instance
from plugins.contract import AGREEING, Action

# Actions whose form edits are kept (a refusal does not change the text).
EDITING = AGREEING | {Action.SUBMIT, Action.MODIFY_TEXT}


def act(ctx: CommandContext, actor: OAUser, task_id: int, request: ActionRequest) -> Instance:
    """One handler's action on one task, as the policy offers it (§3.5)."""
    action = parse_action(request.action)
    task = own_task(ctx, actor, task_id)
    instance = task.instance
    engine = ctx.engine(instance, actor)
    if task.opened_at is None:
        # Acting on a task is opening it (ends revoking). Set after the engine read the
        # definition, so the task is written once, with the action.
        task.opened_at = utcnow()
    refusal = policy.action_refusal(engine, task, action)
    if refusal:
        raise ActionNotOfferedError(refusal)
    node = engine.nodes[task.node_id]
    opinion = check_opinion(engine.node_type(task.node_id), node, action, request.opinion)
    perform(ctx, engine, task, actor, action, opinion, request)
    instance.updated_at = utcnow()
    return instance


def parse_action(name: str) -> Action:
    """The action named ``name``; refused by name when there is none."""
    try:
        return Action(name)
    except ValueError:
        raise ActionNotOfferedError(gettext("Unknown action '%(action)s'.", action=name)) from None


def act_automatically(
    ctx: CommandContext, engine: Engine, task: Task, action: Action, opinion: str
) -> None:
    """The system acts on a task (an overdue node's escalation), with the node's rules: the
    action must be offered and the opinion rule holds. Audited with no actor."""
    node = engine.nodes[task.node_id]
    if action not in policy.offered_actions(engine, task):
        raise ActionNotOfferedError(
            gettext(
                "'%(node)s' does not offer to %(action)s any more.",
                node=node["name"],
                action=label(action),
            )
        )
    opinion = check_opinion(engine.node_type(task.node_id), node, action, opinion)
    request = ActionRequest(action=str(action), opinion=opinion)
    perform(ctx, engine, task, None, action, opinion, request)


def own_task(ctx: CommandContext, actor: OAUser, task_id: int) -> Task:
    """Task ``task_id`` if ``actor`` may act on it now; 404 for those who may not see it."""
    rows = ctx.session.execute(_step_context(), {"task": task_id}).all()
    found = next((row for row in rows if row[0].id == task_id), None)
    if found is None:
        raise InstanceNotFoundError("task")
    task, audit_count, audit_head, _, last_activation = found
    audit.know_head(ctx.session, task.instance_id, audit_count, audit_head)
    for sibling, _, _, late, _ in rows:
        overtime.know(ctx.session, sibling.id, late)
    know_tasks(ctx.session, task.activation_id, [row[0] for row in rows])
    know_last_activation(ctx.session, task.instance_id, last_activation)
    if task.assignee_id != actor.id:
        # Its handler always sees the instance; anyone else who may not gets a 404.
        visible_instance(ctx.session, actor, task.instance_id)
    refusal = policy.task_refusal(task, actor)
    if refusal:
        raise refusal
    return task


@cache
def _step_context() -> Select:
    """The step's context in one statement, built once: the task and the other tasks of its
    node activation (the policy and the node type's hooks go through them next), each with
    its overtime record, if any; with the task, its activation, instance, definition,
    version and initiator, the instance's audit chain head as this transaction reads it (a
    loaded instance may be older), and the instance's last activation number.

    The rows of the node's tasks are taken first, in id order (``FOR UPDATE OF`` them on
    PostgreSQL; SQLite's writers are serialised anyway), as viewflow takes its process row:
    people answering at one node at once queue here and the later ones read the node as the
    earlier left it, instead of finding out at their first flush, whose place among the
    step's writes depends on the node types' hooks (in one order or another, two of them
    could deadlock on the activation's row)."""
    instance = joinedload(Task.instance)
    last_activation = (
        select(func.max(Activation.seq))
        .where(Activation.instance_id == Task.instance_id)
        .scalar_subquery()
    )
    asked = aliased(Task)
    activation_of_task = (
        select(asked.activation_id)
        .where(asked.id == bindparam("task", type_=Integer))
        .scalar_subquery()
    )
    return (
        select(Task, Instance.audit_count, Instance.audit_head, OvertimeRecord, last_activation)
        .join(Instance, Instance.id == Task.instance_id)
        .outerjoin(OvertimeRecord, OvertimeRecord.task_id == Task.id)
        .where(Task.activation_id == activation_of_task)
        .order_by(Task.id)
        .options(
            joinedload(Task.activation),
            instance.joinedload(Instance.definition_version),
            instance.joinedload(Instance.definition),
            instance.joinedload(Instance.initiator),
        )
        .with_for_update(of=Task)
    )


def perform(
    ctx: CommandContext,
    engine: Engine,
    task: Task,
    actor: OAUser | None,
    action: Action,
    opinion: str,
    request: ActionRequest,
) -> None:
    """Carry out an offered ``action`` whose opinion was checked."""
    if action in EDITING | {Action.DRAFT}:
        edited = edit(
            ctx,
            engine,
            actor,
            task.instance,
            task.node_id,
            request.formdata,
            request.files,
            partial=action is Action.DRAFT,
            keep=action is not Action.DRAFT,
        )
        if action is Action.DRAFT:
            task.draft = {"opinion": opinion, "values": edited}
            engine.audit("task_draft_saved", node_id=task.node_id, task_id=task.id)
            return
    if action is Action.HOLD:
        move(task, TaskStatus.HELD)
        task.opinion = opinion
        record(engine, task, action, opinion)
        return
    if action is Action.MODIFY_TEXT:
        record(engine, task, action, opinion)
        return
    if action is Action.ROLLBACK:
        rollback.rollback(ctx, engine, task, actor, opinion, request)
        return
    if action is Action.TERMINATE:
        finish_task(engine, task, actor, action, opinion)
        record(engine, task, action, opinion)
        engine.terminate(opinion or "terminated")
        engine.run()
        return
    if action is Action.TRANSFER:
        signers.transfer(ctx, engine, task, actor, opinion, request.users)
    elif action is Action.ADD_SIGNATURE:
        signers.add(ctx, engine, task, actor, opinion, request)
    elif action is Action.REDUCE_SIGNATURE:
        signers.reduce(ctx, engine, task, actor, opinion, request.task_ids)
    else:
        complete(ctx, engine, task, actor, action, opinion)
        return
    engine.call_hook(task.activation, "on_action", task_view(task), action)
    engine.run()
