"""Signing at a node: who must agree before it is done, shared by Approval, Form Review and
Collaboration (countersign modes all / any / percentage, sequential or parallel).

Primary signers come from the assignee rule; added signers (加签) come "before" (the signer
waits for them), "after" (they sign once the signer has agreed) or in "parallel". The node
is done when enough primaries agreed (the quorum) and no added signer is still live.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from plugins.contract import AGREEING, REFUSING, Action, NodeContext, TaskView

DISAGREE_CONFIG = {
    "on_disagree": {
        "enum": ["return_to_initiator", "terminate"],
        "default": "return_to_initiator",
        "description": "What a refusal does to the instance.",
    }
}


def quorum(mode: str, percentage: int | None, signers: int) -> int:
    """How many primary signers must agree."""
    if mode == "any":
        return min(1, signers)
    if mode == "percentage":
        return math.ceil(signers * (percentage or 100) / 100)
    return signers


def enter(ctx: NodeContext, sequential: bool = False) -> None:
    """One task per assignee; in sequential signing only the first is open."""
    for index, username in enumerate(ctx.assignees()):
        ctx.create_task(username, sequence=index, waiting=sequential and index > 0)


def settle(ctx: NodeContext, task: TaskView, action: Action, config: Mapping[str, Any]) -> None:
    """Decide what ``action`` on ``task`` means for the node."""
    mode = config.get("mode", "any")
    tasks = ctx.tasks()
    # Signers removed (reduced, transferred away) no longer count towards the quorum.
    primaries = [
        t for t in tasks if t.role == "primary" and (t.live or t.action in AGREEING | REFUSING)
    ]
    needed = quorum(mode, config.get("percentage"), len(primaries))
    agreed = sum(1 for t in primaries if t.action in AGREEING)
    live = [t for t in primaries if t.live]
    if action in REFUSING and (task.role != "primary" or agreed + len(live) < needed):
        _refuse(ctx, config, str(action))
        return
    if action in AGREEING and task.role == "before" and task.parent_id is not None:
        _open(ctx, tasks, task.parent_id)
    if agreed >= needed:
        for other in live:
            ctx.cancel_task(other, "enough signers agreed")
    elif action in AGREEING and config.get("signing") == "sequential":
        waiting = [t for t in live if t.status == "waiting"]
        if waiting and not any(t.status in {"open", "held"} for t in live):
            ctx.open_task(min(waiting, key=lambda t: t.sequence))
    if agreed < needed:
        return
    tasks = ctx.tasks()
    done = {t.id for t in tasks if t.action in AGREEING}
    for added in tasks:
        if added.role == "after" and added.status == "waiting" and added.parent_id in done:
            ctx.open_task(added)
    if not any(t.live and t.blocking for t in ctx.tasks()):
        ctx.complete("agree")


def _open(ctx: NodeContext, tasks: list[TaskView], task_id: int) -> None:
    for candidate in tasks:
        if candidate.id == task_id and candidate.status == "waiting":
            ctx.open_task(candidate)


def _refuse(ctx: NodeContext, config: Mapping[str, Any], outcome: str) -> None:
    if config.get("on_disagree") == "terminate":
        ctx.terminate(outcome)
    else:
        ctx.return_to_initiator(outcome)
