"""An administrator repairs an instance in error: retry the failed node, or skip it."""

from __future__ import annotations

from flask_babel import gettext

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.runtime.commands.base import CommandContext
from oa_platform.runtime.exceptions import NotAllowedError
from oa_platform.runtime.models import Instance
from oa_platform.runtime.states import InstanceStatus
from plugins.contract import NodeKind


def repair(
    ctx: CommandContext, actor: OAUser, instance_id: int, skip: bool, to: str | None = None
) -> Instance:
    """Retry (``skip`` false) or skip every failed node of instance ``instance_id``; see
    ``Runtime.retry_node`` and ``Runtime.skip_node``."""
    instance = ctx.session.get(Instance, instance_id)
    if instance is None or instance.status is not InstanceStatus.ERROR:
        raise NotAllowedError(gettext("The instance is not in error."))
    engine = ctx.engine(instance, actor)
    node_id = instance.error_node
    # Every node that failed (parallel branches may have failed each), first first.
    failed = engine.failed_activations()
    if not failed:
        raise NotAllowedError(
            gettext("Node '%(node)s' cannot be retried or skipped.", node=node_id)
        )
    # A failed routing (see Engine.leave) still holds its node's outcome; a skip of one
    # follows the edges chosen here, before anything changes (a refusal keeps the instance
    # as it was).
    chosen = {
        activation.id: engine.skip_edges(activation, to)
        for activation in failed
        if skip and activation.outcome is not None
    }
    back = InstanceStatus.RETURNED if node_id == engine.start_node() else InstanceStatus.RUNNING
    engine.set_status(back, reason="skipped" if skip else "retried")
    instance.error_node = instance.error_detail = None
    for activation in failed:
        edges = chosen.get(activation.id)
        detail = {"to": [edge["to"] for edge in edges]} if edges else None
        event = "node_skipped" if skip else "node_retried"
        engine.audit(event, node_id=activation.node_id, detail=detail)
        if activation.outcome is not None:
            engine.leave(activation, activation.outcome, edges)
        elif skip:
            engine.leave(activation, "skipped")
        else:
            engine.call_hook(activation, "on_enter")
    engine.run()
    instance.updated_at = utcnow()
    return instance


def skip_targets(ctx: CommandContext, instance: Instance) -> list[tuple[str, str]]:
    """(node id, name) of the nodes an administrator chooses from to skip ``instance``'s
    failed routing; empty when a skip needs no choice."""
    if instance.status is not InstanceStatus.ERROR:
        return []
    engine = ctx.engine(instance, None)
    targets: dict[str, str] = {}
    for activation in engine.failed_activations():
        if activation.outcome is None:
            continue  # its on_enter failed: skipping asks next_edges as usual
        if engine.node_type(activation.node_id).kind is NodeKind.SPLIT:
            continue  # a split's skip follows every branch
        for edge in engine.outgoing[activation.node_id]:
            targets.setdefault(edge["to"], engine.nodes[edge["to"]]["name"])
    return list(targets.items())
