"""Parallel split and join: every branch runs; the join waits for all of them."""

from plugins.contract import NodeKind, NodeType


class ParallelSplit(NodeType):
    name = "parallel_split"
    label = "Parallel split"
    icon = "fa-share-alt"
    kind = NodeKind.SPLIT


class ParallelJoin(NodeType):
    name = "parallel_join"
    label = "Parallel join"
    icon = "fa-compress"
    kind = NodeKind.JOIN
