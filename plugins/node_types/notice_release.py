"""Release of a notice (公告/通知/简报 发布, regulations §5.1): once the unit head (and, for a
major principle issue, the company leader) agreed, the notice is frozen from the instance's
form values and shown to its audience.

Releasing is one background job (``oa_platform.notices.release:release_job``): the notice row
and its audience are written in one transaction; a retry finds the notice and writes nothing
twice. An instance refused on the way never reaches this node, so its notice never exists;
one whose title or text holds a forbidden term (§8.3, the list IT keeps) goes back to its
drafter with the terms named instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.contract import N_, NodeContext, NodeKind, NodeType

RELEASE_JOB = "oa_platform.notices.release:release_job"


class NoticeRelease(NodeType):
    name = "notice_release"
    label = N_("Release notice")
    icon = "fa-bullhorn"
    kind = NodeKind.SERVICE
    job_retries = 3
    job_backoff = 1.0
    config_schema = {"type": "object", "additionalProperties": False, "properties": {}}

    def on_enter(self, ctx: NodeContext) -> None:
        ctx.run_job(RELEASE_JOB, {"instance_id": ctx.instance_id})

    def on_job_done(self, ctx: NodeContext, result: Mapping[str, Any]) -> None:
        if result.get("held"):  # a forbidden term (§8.3): back to the drafter, not released
            ctx.audit("notice_held", terms=list(result["held"]))
            ctx.return_to_initiator(result["reason"])
            return
        ctx.audit("notice_released", notice=result["notice_id"], audience=result["audience"])
        ctx.complete("released")
