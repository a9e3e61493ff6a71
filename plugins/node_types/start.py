"""Start: the initiator fills in the form and submits it (again, after a return)."""

from plugins.contract import N_, Action, NodeContext, NodeKind, NodeType, TaskView


class Start(NodeType):
    name = "start"
    label = N_("Start")
    icon = "fa-play"
    kind = NodeKind.START
    actions = (Action.SUBMIT, Action.DRAFT, Action.REVOKE, Action.URGE)
    # A returned form can be resubmitted whatever the node's permission says; the initiator
    # handles their own form (no agent); returns to the initiator come here.
    always_offers = (Action.SUBMIT,)
    takes_agents = False
    receives_returns = True
    # Its one task (checked before it is created), scheduling and the default edges.
    atomic_hooks = frozenset({"on_enter", "on_action", "next_edges"})

    def on_enter(self, ctx: NodeContext) -> None:
        ctx.create_task(ctx.initiator)

    def on_action(self, ctx: NodeContext, task: TaskView, action: Action) -> None:
        if action is Action.SUBMIT:
            ctx.complete("submitted")
