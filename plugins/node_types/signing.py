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

from plugins.contract import AGREEING, N_, REFUSING, Action, NodeContext, TaskView

DISAGREE_CONFIG = {
    "on_disagree": {
        "enum": ["return_to_initiator", "terminate"],
        "default": "return_to_initiator",
        "title": N_("When a handler disagrees"),
        "description": N_("What a refusal does to the instance."),
    }
}
# The designer shows these, not the stored values (issue 19).
DISAGREE_LABELS = {
    "on_disagree": {
        "return_to_initiator": N_("Return it to the initiator"),
        "terminate": N_("End the request (terminated)"),
    }
}

# A node may ask for an opinion on agreeing too (同意时须填写意见): such to-dos are then never
# agreed in bulk without one (issue 19).
OPINION_CONFIG = {
    "opinion_on_agree": {
        "type": "boolean",
        "default": False,
        "title": N_("Opinion needed to agree"),
        "description": N_("Agreeing needs an opinion too."),
    }
}


# The hooks of signing nodes that run without a savepoint (``NodeType.atomic_hooks``): settling
# only applies the engine's own moves to the node's tasks (cancel, open, complete), with no
# plugin code or expression between them, and the default edges are only chosen. Entering
# fails, if at all, in ``ctx.assignees()``, before any task: the assignee rule answers only
# active users (or raises), and §8.6's escalation an active head, so creating their tasks
# cannot refuse one of them half-way.
ATOMIC_HOOKS = frozenset({"on_enter", "on_action", "next_edges"})


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
    _drop_orphans(ctx)
    needed, agreed, live = _tally(ctx.tasks(), config)
    if action in REFUSING and (task.role != "primary" or agreed + len(live) < needed):
        _refuse(ctx, config, str(action))
        return
    _open_ready_signers(ctx)
    tasks = ctx.tasks()
    needed, agreed, live = _tally(tasks, config)
    if agreed < needed:
        if config.get("signing") == "sequential":
            _open_next(ctx, tasks, live)
        return
    for other in live:
        ctx.cancel_task(other, "enough signers agreed")
    _drop_orphans(ctx)
    tasks = ctx.tasks()
    done = {t.id for t in tasks if t.action in AGREEING}
    for added in tasks:
        if added.role == "after" and added.status == "waiting" and added.parent_id in done:
            ctx.open_task(added)
    if not any(t.live and t.blocking for t in ctx.tasks()):
        ctx.complete("agree")


def _tally(tasks: list[TaskView], config: Mapping[str, Any]) -> tuple[int, int, list[TaskView]]:
    """(signers needed, signers who agreed, live primary signers)."""
    # Signers removed (reduced, transferred away) no longer count towards the quorum.
    primaries = [
        t for t in tasks if t.role == "primary" and (t.live or t.action in AGREEING | REFUSING)
    ]
    needed = quorum(config.get("mode", "any"), config.get("percentage"), len(primaries))
    agreed = sum(1 for t in primaries if t.action in AGREEING)
    return needed, agreed, [t for t in primaries if t.live]


def _open_ready_signers(ctx: NodeContext) -> None:
    """Open the signers who waited for signers added before them, once none of those is live."""
    tasks = ctx.tasks()
    for waiting in tasks:
        added = [t for t in tasks if t.role == "before" and t.parent_id == waiting.id]
        if waiting.status == "waiting" and added and not any(t.live for t in added):
            ctx.open_task(waiting)


def _drop_orphans(ctx: NodeContext) -> None:
    """Cancel the live signers added by a signer who no longer signs (removed, or cancelled
    once enough signers agreed): nobody is left for them to sign before, after or beside."""
    while True:
        tasks = ctx.tasks()
        gone = {t.id for t in tasks if t.status == "cancelled"}
        orphans = [t for t in tasks if t.live and t.parent_id in gone]
        if not orphans:
            return
        for orphan in orphans:
            ctx.cancel_task(orphan, "the signer who added them no longer signs")


def _open_next(ctx: NodeContext, tasks: list[TaskView], live: list[TaskView]) -> None:
    """Sequential signing: open the next primary signer when none is at work."""
    before = {t.parent_id for t in tasks if t.role == "before" and t.live}
    if any(t.status in {"open", "held"} or t.id in before for t in live):
        return
    waiting = [t for t in live if t.status == "waiting"]
    if waiting:
        ctx.open_task(min(waiting, key=lambda t: (t.sequence, t.id)))


def _refuse(ctx: NodeContext, config: Mapping[str, Any], outcome: str) -> None:
    if config.get("on_disagree") == "terminate":
        ctx.terminate(outcome)
    else:
        ctx.return_to_initiator(outcome)
