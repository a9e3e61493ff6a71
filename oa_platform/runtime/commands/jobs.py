"""A node's background job came back: its node type decides what follows."""

from __future__ import annotations

from form_builder.clock import utcnow
from oa_platform.runtime.commands.base import CommandContext
from oa_platform.runtime.exceptions import RuntimeCommandError
from oa_platform.runtime.models import Activation, Instance
from oa_platform.runtime.states import ActivationStatus, InstanceStatus


def job_done(
    ctx: CommandContext, instance_id: int, activation_id: int, result: dict
) -> Instance | None:
    """The job returned ``result``: the node type's ``on_job_done`` hook takes it."""
    instance, activation = _target(ctx, instance_id, activation_id)
    if activation is None:
        return None  # the instance moved on (terminated, rolled back): nothing to do
    engine = ctx.engine(instance, None)
    engine.call_hook(activation, "on_job_done", result)
    engine.run()
    instance.updated_at = utcnow()
    return instance


def job_failed(
    ctx: CommandContext, instance_id: int, activation_id: int, detail: str
) -> Instance | None:
    """The job failed for good: the instance stops in error at its node."""
    instance, activation = _target(ctx, instance_id, activation_id)
    if activation is None:
        return None
    ctx.engine(instance, None).fail(activation, RuntimeCommandError(detail))
    instance.updated_at = utcnow()
    return instance


def _target(
    ctx: CommandContext, instance_id: int, activation_id: int
) -> tuple[Instance | None, Activation | None]:
    instance = ctx.session.get(Instance, instance_id)
    activation = ctx.session.get(Activation, activation_id)
    if (
        instance is None
        or activation is None
        or activation.status is not ActivationStatus.ACTIVE
        or instance.status not in {InstanceStatus.RUNNING, InstanceStatus.RETURNED}
    ):
        return instance, None
    return instance, activation
