"""Opening an instance: every view is audited and opens the viewer's tasks."""

from __future__ import annotations

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.runtime.commands.base import CommandContext
from oa_platform.runtime.models import Instance
from oa_platform.runtime.states import ACTIONABLE_TASK
from oa_platform.runtime.visibility import visible_instance


def view(ctx: CommandContext, actor: OAUser, instance_id: int) -> Instance:
    """Open an instance: the viewer's tasks count as opened (which ends the initiator's
    right to revoke)."""
    instance = visible_instance(ctx.session, actor, instance_id)
    engine = ctx.engine(instance, actor)
    opened = [
        t
        for t in instance.tasks
        if t.assignee_id == actor.id and t.status in ACTIONABLE_TASK and t.opened_at is None
    ]
    for task in opened:
        task.opened_at = utcnow()
    # No revision bump: a view must not make a handler's action retry. A view racing an
    # action is caught by the audit chain's unique sequence number instead.
    engine.audit("viewed", detail={"opened_tasks": [t.id for t in opened]})
    return instance
