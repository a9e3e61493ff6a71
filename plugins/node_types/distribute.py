"""Distribution by scope (分发, seed 2 §4.2, §6.3): issues the document to its recipients,
then reminds the ones who have not opened it by its urgency (§4.5) until all have or the
reminders run out.

Issuing is one background job (``oa_platform.documents.distribution:distribute_job``): the
document is frozen, its units expanded to their current members and every recipient written
in one multi-row insert, however many there are. Reminders are this node's timers, so they
survive restarts and fire once; each round is a job that notifies the unopened.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.contract import N_, NodeContext, NodeKind, NodeType

DISTRIBUTE_JOB = "oa_platform.documents.distribution:distribute_job"
REMIND_JOB = "oa_platform.documents.receipts:remind_job"
# §4.5: by urgency (特急, 加急, 平件), hours after delivery; a node's config may change them.
REMIND_HOURS = {"especially_urgent": 2.0, "urgent": 12.0, "routine": 24.0}


class Distribute(NodeType):
    name = "distribute"
    label = N_("Distribute document")
    icon = "fa-paper-plane"
    kind = NodeKind.SERVICE
    job_retries = 3
    job_backoff = 1.0
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "remind_hours": {
                "type": "object",
                "properties": {
                    level: {"type": "number", "exclusiveMinimum": 0, "maximum": 720}
                    for level in REMIND_HOURS
                },
                "additionalProperties": False,
                "description": "Hours before the unopened are reminded, by urgency.",
            },
            "reminders": {"type": "integer", "minimum": 0, "maximum": 10, "default": 3},
        },
    }

    def on_enter(self, ctx: NodeContext) -> None:
        ctx.run_job(DISTRIBUTE_JOB, {"instance_id": ctx.instance_id})

    def on_job_done(self, ctx: NodeContext, result: Mapping[str, Any]) -> None:
        if result.get("stage") == "distributed":
            ctx.audit(
                "document_distributed",
                document=result["document_id"],
                recipients=result["recipients"],
            )
        done_rounds = int(result.get("round", 0))
        if result["outstanding"] == 0 or done_rounds >= ctx.config.get("reminders", 3):
            ctx.complete("distributed")
            return
        hours = {**REMIND_HOURS, **ctx.config.get("remind_hours", {})}[result["urgency"]]
        ctx.set_timer(hours, "remind", document_id=result["document_id"], round=done_rounds + 1)

    def on_timer(self, ctx: NodeContext, name: str, data: Mapping[str, Any]) -> None:
        if name == "remind":
            ctx.run_job(REMIND_JOB, {"document_id": data["document_id"], "round": data["round"]})
