"""The initiator's own actions on an instance: revoke (撤回), urge (催办), re-initiate."""

from __future__ import annotations

from flask_babel import gettext

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.runtime import attachment_links, notices, policy
from oa_platform.runtime.commands.base import CommandContext
from oa_platform.runtime.commands.starting import draft
from oa_platform.runtime.exceptions import NotAllowedError
from oa_platform.runtime.models import Instance
from oa_platform.runtime.opinions import check_opinion
from oa_platform.runtime.states import InstanceStatus
from oa_platform.runtime.texts import OPINION, URGE_MESSAGE, bounded
from oa_platform.runtime.visibility import visible_instance
from plugins.contract import Action


def revoke(ctx: CommandContext, actor: OAUser, instance_id: int, opinion: str) -> Instance:
    """The initiator withdraws the instance, until the next handler has opened it."""
    instance = visible_instance(ctx.session, actor, instance_id)
    engine = ctx.engine(instance, actor)
    start = engine.start_node()
    refusal = policy.revoke_refusal(instance, actor, start)
    if refusal:
        raise NotAllowedError(refusal)
    text = check_opinion(engine.node_type(start), engine.nodes[start], Action.REVOKE, opinion)
    engine.cancel_everything("revoked by the initiator")
    engine.audit("action", detail={"action": "revoke", "opinion": text})
    engine.set_status(InstanceStatus.DRAFT, reason="revoked")
    instance.updated_at = utcnow()
    return instance


def urge(ctx: CommandContext, actor: OAUser, instance_id: int, message: str) -> list[str]:
    """The initiator reminds the current handlers (催办); returns who was urged."""
    instance = visible_instance(ctx.session, actor, instance_id)
    refusal = policy.urge_refusal(instance, actor)
    if refusal:
        raise NotAllowedError(refusal)
    message = bounded(gettext("message"), message, URGE_MESSAGE)
    engine = ctx.engine(instance, actor)
    handlers = policy.handlers_to_urge(instance, actor)
    engine.audit("urged", detail={"handlers": handlers, "message": message})
    notices.urged(ctx.session, instance, handlers)
    instance.updated_at = utcnow()
    return handlers


def reinitiate(ctx: CommandContext, actor: OAUser, instance_id: int, reason: str) -> Instance:
    """The initiator cancels the instance and starts again: a new draft with its data."""
    old = visible_instance(ctx.session, actor, instance_id)
    refusal = policy.reinitiate_refusal(old, actor)
    if refusal:
        raise NotAllowedError(refusal)
    reason = bounded(gettext("reason"), reason, OPINION)
    if not reason:
        raise NotAllowedError(gettext("Say why the instance is cancelled."))
    engine = ctx.engine(old, actor)
    engine.cancel_everything("cancelled to re-initiate")
    engine.set_status(InstanceStatus.CANCELLED, reason=reason)
    old.updated_at = utcnow()
    new = draft(ctx, actor, old.definition.key, None)
    fields = {f["key"] for f in new.definition_version.document["fields"]}
    new.values = {k: v for k, v in old.values.items() if k in fields}
    attachment_links.carry_over(ctx.session, old, new)
    new.reinitiated_from_id = old.id
    ctx.engine(new, actor).audit("reinitiated", detail={"from": old.id})
    return new
