"""A handler returns the instance to an earlier node or to the initiator (§3.5 回退)."""

from __future__ import annotations

from flask_babel import gettext

from oa_platform.accounts.models import OAUser
from oa_platform.runtime import policy
from oa_platform.runtime.commands.base import ActionRequest, CommandContext, finish_task, record
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.exceptions import ActionNotOfferedError
from oa_platform.runtime.models import Task
from plugins.contract import Action


def rollback(
    ctx: CommandContext,
    engine: Engine,
    task: Task,
    actor: OAUser | None,
    opinion: str,
    request: ActionRequest,
) -> None:
    """Return to ``request.target``: "previous" (the nearest earlier node), "initiator", or
    an earlier node's id; with ``resubmit_to_me`` the initiator's resubmission comes straight
    back to this node."""
    targets = policy.rollback_targets(ctx.session, engine, task)
    start = engine.start_node()
    wanted = request.target or "previous"
    if wanted == "previous":
        target = targets[0] if targets else start
    elif wanted == "initiator":
        target = start
    elif wanted in targets:
        target = wanted
    else:
        raise ActionNotOfferedError(
            gettext(
                "'%(target)s' is not an earlier node of this instance; choose one of: %(choices)s",
                target=wanted,
                choices=", ".join(targets or [start]),
            )
        )
    resubmit_to = task.node_id if request.resubmit_to_me and target == start else None
    if resubmit_to and engine.in_parallel_branch(task.node_id):
        raise ActionNotOfferedError(
            gettext(
                "This node is on a parallel branch: the resubmitted form goes through the "
                "branches again, it cannot come straight back here."
            )
        )
    finish_task(engine, task, actor, Action.ROLLBACK, opinion)
    record(engine, task, Action.ROLLBACK, opinion, target=target)
    engine.rollback_to(target, opinion, resubmit_to=resubmit_to, origin=task.node_id)
    engine.run()
