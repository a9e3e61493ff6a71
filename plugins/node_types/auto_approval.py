"""Auto-approval rule: when its condition holds (e.g. ``total < 1000``) the node approves on
its own, audited as a system action; otherwise its assignees approve as at an Approval."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.contract import N_, Action, NodeContext, NodeType, TaskView
from plugins.node_types import signing
from plugins.node_types.approval import APPROVAL_ACTIONS


class AutoApproval(NodeType):
    name = "auto_approval"
    label = N_("Auto-approval rule")
    icon = "fa-magic"
    actions = APPROVAL_ACTIONS
    opinion_required = frozenset(APPROVAL_ACTIONS) - {Action.AGREE}
    config_labels = signing.DISAGREE_LABELS
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["condition"],
        "properties": {
            "condition": {
                "type": "string",
                "minLength": 1,
                "title": N_("Condition"),
                "description": N_("When it holds, the node approves by itself."),
            },
            **signing.DISAGREE_CONFIG,
        },
    }

    def config_expressions(self, config: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [("condition", config["condition"])]

    def on_enter(self, ctx: NodeContext) -> None:
        if ctx.holds(ctx.config["condition"]):
            ctx.audit("auto_approved", condition=ctx.config["condition"])
            ctx.complete("agree")
        else:
            signing.enter(ctx)

    def on_action(self, ctx: NodeContext, task: TaskView, action: Action) -> None:
        signing.settle(ctx, task, action, {**ctx.config, "mode": "any"})
