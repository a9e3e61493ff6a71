"""HTTP webhook: posts the instance's data to a configured URL and routes on the answer.

The post runs in a background worker with retries and back-off (network errors, time-outs
and 5xx answers are retried; a 4xx answer is the remote's refusal). The URL is checked
against server-side request forgery (``plugins.safe_http``): private and loopback addresses
are refused unless the operators allow them in ``OA_WEBHOOK_ALLOW`` (app config, read by the
job each time it runs). The outcome ("ok", the remote's own ``{"outcome": ...}``, or
"refused") can be stored in a form field, so the outgoing edges route on it with ordinary
conditions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from plugins.contract import N_, NodeContext, NodeKind, NodeType, PermanentJobError
from plugins.safe_http import AllowList, RefusedAddressError, post_json

DEFAULT_TIMEOUT = 10.0


class TemporaryWebhookError(Exception):
    """Worth retrying: the remote may answer next time."""


class Webhook(NodeType):
    name = "webhook"
    label = N_("HTTP webhook")
    icon = "fa-globe"
    kind = NodeKind.SERVICE
    job_retries = 4
    job_backoff = 2.0
    config_field_members = ("result_field",)
    config_schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["url"],
        "properties": {
            "url": {"type": "string", "pattern": "^https?://", "maxLength": 2000},
            "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 60},
            "result_field": {
                "type": "string",
                "pattern": "^[a-z][a-z0-9_]{0,62}$",
                "description": "A text field to store the outcome in, for edge conditions.",
            },
        },
    }

    def on_enter(self, ctx: NodeContext) -> None:
        ctx.run_job(
            "plugins.node_types.webhook:deliver",
            {
                "url": ctx.config["url"],
                "timeout": ctx.config.get("timeout_seconds", DEFAULT_TIMEOUT),
                "body": {
                    "instance": ctx.instance_id,
                    "node": ctx.node["id"],
                    "initiator": ctx.initiator,
                    "values": dict(ctx.values),
                },
            },
        )

    def on_job_done(self, ctx: NodeContext, result: Mapping[str, Any]) -> None:
        outcome = str(result["outcome"])
        ctx.audit("webhook_answered", status=result.get("status"), outcome=outcome)
        if "result_field" in ctx.config:
            ctx.set_value(ctx.config["result_field"], outcome)
        ctx.complete(outcome)


def deliver(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The background job: post, and say what the remote answered."""
    # Jobs run in the app context; config.py parsed the setting into a list of entries.
    allow = AllowList.parse(current_app.config["OA_WEBHOOK_ALLOW"])
    try:
        response = post_json(
            payload["url"], payload["body"], allow=allow, timeout=float(payload["timeout"])
        )
    except RefusedAddressError as error:
        raise PermanentJobError(str(error)) from error  # retrying cannot make it allowed
    except OSError as error:
        raise TemporaryWebhookError(f"{payload['url']}: {error}") from error
    if response.status >= 500:
        raise TemporaryWebhookError(f"{payload['url']} answered {response.status}")
    if response.status >= 400:
        return {"outcome": "refused", "status": response.status}
    try:
        answer = response.json()
    except ValueError:
        answer = None
    outcome = answer.get("outcome") if isinstance(answer, dict) else None
    return {"outcome": str(outcome) if outcome else "ok", "status": response.status}
