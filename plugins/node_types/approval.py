"""Approval (审批): a handler approves or not; every action but agree needs an opinion (§3.5)."""

from plugins.contract import Action, NodeType

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
    label = "Approval"
    icon = "fa-check-square-o"
    actions = APPROVAL_ACTIONS
