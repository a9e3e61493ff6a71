"""Condition routing: no one acts; the first outgoing edge whose condition holds is taken."""

from plugins.contract import N_, NodeContext, NodeKind, NodeType


class Condition(NodeType):
    name = "condition"
    label = N_("Condition")
    icon = "fa-code-fork"
    kind = NodeKind.GATEWAY
    # Entering only schedules the leave; the edges are chosen by reading conditions.
    atomic_hooks = frozenset({"on_enter", "next_edges"})

    def on_enter(self, ctx: NodeContext) -> None:
        ctx.complete("routed")
