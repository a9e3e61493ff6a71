"""Notify / CC (知会): the assignees are told and may read; the chain does not wait for them."""

from plugins.contract import N_, Action, NodeContext, NodeType, TaskView


class Notify(NodeType):
    name = "notify"
    label = N_("Notify (CC)")
    icon = "fa-bell-o"
    actions = (Action.READ,)
    # A copy to read decides nothing: copying the initiator is no self-approval (§8.6).
    decides = False

    def on_enter(self, ctx: NodeContext) -> None:
        for username in ctx.assignees():
            ctx.create_task(username, blocking=False)
        ctx.complete("notified")

    def on_action(self, ctx: NodeContext, task: TaskView, action: Action) -> None:
        """Reading a copy changes nothing for the chain."""
