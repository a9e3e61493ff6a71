"""Who signs at a node: transfer (转办), add a signer (加签), remove one (减签) (§3.5)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext

from oa_platform.accounts.models import OAUser
from oa_platform.runtime import policy
from oa_platform.runtime.commands.base import ActionRequest, CommandContext, record, signers
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.exceptions import ActionNotOfferedError
from oa_platform.runtime.models import Task
from oa_platform.runtime.states import TaskStatus, move
from plugins.contract import Action

ADD_POSITIONS = ("before", "after", "parallel")


def transfer(
    ctx: CommandContext,
    engine: Engine,
    task: Task,
    actor: OAUser,
    opinion: str,
    users: Sequence[str],
) -> None:
    """Hand the task to one other person (转办). The new task records who transferred it
    (``transferred_from``); it is not agency (§3.4): its principal is only the one the
    transferred task was already handled for, when an agent transfers their principal's
    task. Otherwise the new handler's own agents apply, as to any task reaching them."""
    if len(users) != 1:
        raise ActionNotOfferedError(gettext("Transfer to exactly one person."))
    target = ctx.active_user(users[0])
    if target.id == actor.id:
        raise ActionNotOfferedError(gettext("The task is already yours."))
    if any(t.assignee_id == target.id for t in signers(engine, task)):
        raise ActionNotOfferedError(
            gettext("%(user)s already signs at this node.", user=target.username)
        )
    engine.cancel_task(task, f"transferred to {target.username}", action=str(Action.TRANSFER))
    task.opinion = opinion or None
    task.completed_by_id = actor.id
    record(engine, task, Action.TRANSFER, opinion, to=target.username)
    new = engine.create_task(
        task.activation,
        target.username,
        role=task.role,
        sequence=task.sequence,
        parent_id=task.parent_task_id,
        principal_id=task.principal_id,
        transferred_from=actor,
    )
    # The signers this handler added now wait for (or follow) the new handler.
    for added in signers(engine, task):
        if added.parent_task_id == task.id:
            added.parent_task_id = new.id


def add(
    ctx: CommandContext,
    engine: Engine,
    task: Task,
    actor: OAUser,
    opinion: str,
    request: ActionRequest,
) -> None:
    """Add signers before (they sign first), after (they sign next) or in parallel."""
    if request.position not in ADD_POSITIONS:
        raise ActionNotOfferedError(gettext("Add a signer before, after or in parallel."))
    if not request.users:
        raise ActionNotOfferedError(gettext("Name at least one person to add."))
    live = {t.assignee_id for t in signers(engine, task)}
    names = []
    for username in request.users:
        user = ctx.active_user(username)
        if user.id in live or user.id == actor.id:
            raise ActionNotOfferedError(
                gettext("%(user)s already signs at this node.", user=user.username)
            )
        names.append(user.username)
    for username in names:
        engine.create_task(
            task.activation,
            username,
            role=request.position,
            waiting=request.position == "after",
            parent_id=task.id,
        )
    if request.position == "before":
        move(task, TaskStatus.WAITING)
        engine.task_ended(task)  # its turn comes again after theirs, with new timers
    record(engine, task, Action.ADD_SIGNATURE, opinion, users=names, position=request.position)


def reduce(
    ctx: CommandContext,
    engine: Engine,
    task: Task,
    actor: OAUser,
    opinion: str,
    task_ids: Sequence[int],
) -> None:
    """Remove signers of the node who have not acted yet (the policy names them)."""
    if not task_ids:
        raise ActionNotOfferedError(gettext("Choose the signer to remove."))
    removable = {t.id: t for t in policy.removable_signers(engine, task)}
    removed = []
    for task_id in task_ids:
        signer = removable.get(int(task_id))
        if signer is None:
            raise ActionNotOfferedError(
                gettext("Only a signer of this node who has not acted yet can be removed.")
            )
        engine.cancel_task(signer, f"removed by {actor.username}", str(Action.REDUCE_SIGNATURE))
        removed.append(signer.assignee.username)
    record(engine, task, Action.REDUCE_SIGNATURE, opinion, users=removed)
