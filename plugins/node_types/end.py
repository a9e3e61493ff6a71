"""End: the instance is finished."""

from plugins.contract import NodeKind, NodeType


class End(NodeType):
    name = "end"
    label = "End"
    icon = "fa-stop"
    kind = NodeKind.END
