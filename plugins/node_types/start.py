"""Start: the initiator fills in the form and submits it."""

from plugins.contract import Action, NodeKind, NodeType


class Start(NodeType):
    name = "start"
    label = "Start"
    icon = "fa-play"
    kind = NodeKind.START
    actions = (Action.DRAFT, Action.REVOKE, Action.URGE)
