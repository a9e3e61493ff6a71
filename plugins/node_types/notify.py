"""Notify / CC (知会): the assignees are told and may read; the chain does not wait for them."""

from plugins.contract import Action, NodeType


class Notify(NodeType):
    name = "notify"
    label = "Notify (CC)"
    icon = "fa-bell-o"
    actions = (Action.READ,)
