"""E-mail notification: tells the people the assignee rule names, and routes on at once (the
chain does not wait for the mail).

The mail goes out in a background job through the platform's one sender (``plugins.mail``),
over the SMTP server the operators configure with ``MAIL_SERVER`` and friends (app config;
nothing is sent when it is unset).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plugins.contract import N_, NodeContext, NodeKind, NodeType
from plugins.mail import send_mail


class EmailNotify(NodeType):
    name = "email"
    label = N_("E-mail notification")
    icon = "fa-envelope-o"
    kind = NodeKind.SERVICE
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["subject"],
        "properties": {
            "subject": {"type": "string", "minLength": 1, "maxLength": 200},
            "body": {"type": "string", "maxLength": 10000},
        },
    }

    @property
    def needs_assignee(self) -> bool:
        return True  # the recipients

    def on_enter(self, ctx: NodeContext) -> None:
        recipients = [email for _, email in ctx.contacts() if email]
        ctx.run_job(
            "plugins.node_types.email:send",
            {
                "to": recipients,
                "subject": ctx.config["subject"],
                "body": ctx.config.get("body", "")
                + f"\n\nInstance #{ctx.instance_id}, started by {ctx.initiator}.",
            },
        )
        ctx.complete("sent")

    def on_job_done(self, ctx: NodeContext, result: Mapping[str, Any]) -> None:
        ctx.audit("email_sent", recipients=result.get("sent", 0))


def send(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The background job: one message to the recipients; how many it went to."""
    return {"sent": send_mail(payload["to"], payload["subject"], payload["body"])}
