"""Document review (公文审核签发): an approval whose handlers sign the document (seed 2 §4.3).

Each agreeing handler's signature goes into the instance's hash-chained trail as a
``document_signed`` entry with their role (reviewer, office check, issuer) and the SHA-256 of
the content they agreed to (:func:`plugins.document_content.content_digest`). A node with
``drafter_signs`` also records the drafter's signature when the draft arrives from them. An
edit of the content afterwards leaves the earlier digests behind: the documents pages show
those signatures as no longer valid, with the diff from the trail.
"""

from __future__ import annotations

from plugins.contract import AGREEING, N_, Action, NodeContext, TaskView
from plugins.document_content import content_digest
from plugins.node_types import signing
from plugins.node_types.approval import Approval

ROLES = ("reviewer", "office_check", "issuer")


class DocumentReview(Approval):
    name = "document_review"
    label = N_("Document review / sign-off")
    icon = "fa-pencil-square-o"
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["role"],
        "properties": {
            **signing.DISAGREE_CONFIG,
            "role": {"enum": list(ROLES), "description": "What the handlers sign as."},
            "drafter_signs": {
                "type": "boolean",
                "description": "Record the drafter's signature when the draft arrives here.",
            },
        },
    }
    atomic_hooks = frozenset()  # signing writes a trail entry before the node settles

    def on_enter(self, ctx: NodeContext) -> None:
        if ctx.config.get("drafter_signs"):
            ctx.audit(
                "document_signed",
                signer=ctx.initiator,
                role="drafter",
                sha256=content_digest(ctx.values),
            )
        super().on_enter(ctx)

    def on_action(self, ctx: NodeContext, task: TaskView, action: Action) -> None:
        if action in AGREEING:
            ctx.audit(
                "document_signed",
                signer=task.assignee,
                role=ctx.config["role"],
                task=task.id,
                sha256=content_digest(ctx.values),
            )
        super().on_action(ctx, task, action)
