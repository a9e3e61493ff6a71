"""E-mail notification: tells the people the assignee rule names, over the configured SMTP
server, and routes on at once (the chain does not wait for the mail)."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from plugins.contract import NodeContext, NodeKind, NodeType


class EmailNotify(NodeType):
    name = "email"
    label = "E-mail notification"
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
    """The background job: one message to the recipients over ``MAIL_SERVER``."""
    server = os.environ.get("MAIL_SERVER")
    if not server or not payload["to"]:
        return {"sent": 0}
    message = EmailMessage()
    message["Subject"] = payload["subject"]
    message["From"] = os.environ.get("MAIL_DEFAULT_SENDER", "oa@localhost")
    message["To"] = ", ".join(payload["to"])
    message.set_content(payload["body"])
    port = int(os.environ.get("MAIL_PORT", "25"))
    with smtplib.SMTP(server, port, timeout=30) as smtp:
        if os.environ.get("MAIL_USE_TLS", "").lower() in {"1", "true", "yes"}:
            smtp.starttls()
        if os.environ.get("MAIL_USERNAME"):
            smtp.login(os.environ["MAIL_USERNAME"], os.environ.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)
    return {"sent": len(payload["to"])}
