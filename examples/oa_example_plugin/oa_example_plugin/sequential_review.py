"""Sequential review: the reviewers named in the node's config sign one after another.

Each reviewer gets a task only when the one before has agreed; the first refusal sends the
instance back to its initiator. Everything goes through the context the platform passes in.
"""

from __future__ import annotations

from plugins.contract import AGREEING, REFUSING, Action, NodeContext, NodeKind, NodeType, TaskView


class SequentialReview(NodeType):
    name = "sequential_review"
    label = "Sequential review"
    icon = "fa-list-ol"
    kind = NodeKind.TASK
    actions = (Action.AGREE, Action.DISAGREE, Action.HOLD)
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["reviewers"],
        "properties": {
            "reviewers": {
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"type": "string", "minLength": 1},
                "description": "User names, in the order they review.",
            }
        },
    }

    @property
    def needs_assignee(self) -> bool:
        return False  # the reviewers are in the config

    def on_enter(self, ctx: NodeContext) -> None:
        for position, username in enumerate(ctx.config["reviewers"]):
            ctx.create_task(username, sequence=position, waiting=position > 0)

    def on_action(self, ctx: NodeContext, task: TaskView, action: Action) -> None:
        if action in REFUSING:
            ctx.return_to_initiator(f"{task.assignee} disagreed")
        elif action in AGREEING:
            waiting = [t for t in ctx.tasks() if t.status == "waiting"]
            if waiting:
                ctx.open_task(min(waiting, key=lambda t: t.sequence))
            else:
                ctx.complete("reviewed")
