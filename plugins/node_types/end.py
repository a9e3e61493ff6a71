"""End: the instance is finished."""

from plugins.contract import N_, NodeContext, NodeKind, NodeType


class End(NodeType):
    name = "end"
    label = N_("End")
    icon = "fa-stop"
    kind = NodeKind.END
    atomic_hooks = frozenset({"on_enter", "next_edges"})  # it only schedules the finish

    def on_enter(self, ctx: NodeContext) -> None:
        ctx.finish()
