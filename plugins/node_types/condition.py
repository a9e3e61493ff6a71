"""Condition routing: no one acts; the first outgoing edge whose condition holds is taken."""

from plugins.contract import NodeKind, NodeType


class Condition(NodeType):
    name = "condition"
    label = "Condition"
    icon = "fa-code-fork"
    kind = NodeKind.GATEWAY
