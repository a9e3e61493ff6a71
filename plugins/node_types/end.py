"""End: the instance is finished."""

from plugins.contract import NodeContext, NodeKind, NodeType


class End(NodeType):
    name = "end"
    label = "End"
    icon = "fa-stop"
    kind = NodeKind.END

    def on_enter(self, ctx: NodeContext) -> None:
        ctx.finish()
