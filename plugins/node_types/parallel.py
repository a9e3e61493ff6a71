"""Parallel split and join: every branch runs; the join waits for all of them."""

from collections.abc import Mapping, Sequence
from typing import Any

from plugins.contract import N_, NodeContext, NodeKind, NodeType


class ParallelSplit(NodeType):
    name = "parallel_split"
    label = N_("Parallel split")
    icon = "fa-share-alt"
    kind = NodeKind.SPLIT

    def on_enter(self, ctx: NodeContext) -> None:
        ctx.complete("split")

    def next_edges(
        self, ctx: NodeContext, edges: Sequence[Mapping[str, Any]]
    ) -> list[Mapping[str, Any]]:
        return list(edges)


class ParallelJoin(NodeType):
    name = "parallel_join"
    label = N_("Parallel join")
    icon = "fa-compress"
    kind = NodeKind.JOIN
    merges = True

    def on_enter(self, ctx: NodeContext) -> None:
        if ctx.arrivals >= ctx.incoming:
            ctx.complete("joined")
