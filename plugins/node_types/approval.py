"""Approval (审批): a handler approves or not; every action but agree needs an opinion (§3.5).

Several assignees: the first to agree decides (the others' tasks are withdrawn); added
signers (加签) must agree as well.
"""

from plugins.contract import N_, Action, NodeContext, NodeType, TaskView
from plugins.node_types import signing

APPROVAL_ACTIONS = (
    Action.AGREE,
    Action.READ,
    Action.DISAGREE,
    Action.ROLLBACK,
    Action.TERMINATE,
    Action.ADD_SIGNATURE,
    Action.REDUCE_SIGNATURE,
    Action.MODIFY_TEXT,
    Action.HOLD,
    Action.DRAFT,
    Action.TRANSFER,
)


class Approval(NodeType):
    name = "approval"
    label = N_("Approval")
    icon = "fa-check-square-o"
    actions = APPROVAL_ACTIONS
    # A node added in the designer offers what approvers use day to day (issue 19); the
    # designer ticks the others where a node needs them.
    designer_actions = (
        Action.AGREE,
        Action.DISAGREE,
        Action.ROLLBACK,
        Action.TRANSFER,
        Action.ADD_SIGNATURE,
    )
    config_labels = signing.DISAGREE_LABELS
    atomic_hooks = signing.ATOMIC_HOOKS
    # §3.5: on Approval and Form Review nodes every action but "agree" needs an opinion.
    opinion_required = frozenset((*APPROVAL_ACTIONS, Action.FAILED_REVIEW)) - {Action.AGREE}
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {**signing.DISAGREE_CONFIG, **signing.OPINION_CONFIG},
    }

    def on_enter(self, ctx: NodeContext) -> None:
        signing.enter(ctx)

    def on_action(self, ctx: NodeContext, task: TaskView, action: Action) -> None:
        signing.settle(ctx, task, action, {**ctx.config, "mode": "any"})
