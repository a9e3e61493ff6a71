"""Collaboration (协同): several people countersign, all / any / a percentage of them, at
once or one after another."""

from plugins.contract import N_, Action, NodeContext, NodeType, TaskView
from plugins.node_types import signing
from plugins.node_types.approval import APPROVAL_ACTIONS


class Collaboration(NodeType):
    name = "collaboration"
    label = N_("Collaboration (countersign)")
    icon = "fa-users"
    # Countersigners do not edit the text: that is for Approval and Form Review (§3.5).
    actions = tuple(a for a in APPROVAL_ACTIONS if a is not Action.MODIFY_TEXT)
    atomic_hooks = signing.ATOMIC_HOOKS
    designer_actions = (
        Action.AGREE,
        Action.DISAGREE,
        Action.ROLLBACK,
        Action.TRANSFER,
        Action.ADD_SIGNATURE,
    )
    config_labels = {
        "mode": {
            "all": N_("Every signer agrees"),
            "any": N_("One signer agrees"),
            "percentage": N_("A share of the signers agrees"),
        },
        "signing": {
            "parallel": N_("All at once"),
            "sequential": N_("One after another"),
        },
        **signing.DISAGREE_LABELS,
    }
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "mode": {
                "enum": ["all", "any", "percentage"],
                "default": "all",
                "title": N_("Who must agree"),
                "description": N_("How many signers must agree before the node is done."),
            },
            "percentage": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100,
                "title": N_("Share that must agree (per cent)"),
            },
            "signing": {
                "enum": ["parallel", "sequential"],
                "default": "parallel",
                "title": N_("Signing order"),
            },
            **signing.DISAGREE_CONFIG,
        },
        "if": {"properties": {"mode": {"const": "percentage"}}, "required": ["mode"]},
        "then": {"required": ["percentage"]},
        "else": {"not": {"required": ["percentage"]}},
    }

    def on_enter(self, ctx: NodeContext) -> None:
        signing.enter(ctx, sequential=ctx.config.get("signing") == "sequential")

    def on_action(self, ctx: NodeContext, task: TaskView, action: Action) -> None:
        signing.settle(ctx, task, action, {"mode": "all", **ctx.config})
