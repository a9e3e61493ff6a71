"""Starting an instance: a draft kept, a form submitted (regulations §3.2)."""

from __future__ import annotations

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.runtime import audit, titles
from oa_platform.runtime.commands.base import CommandContext, complete, edit
from oa_platform.runtime.engine import Engine, know_last_activation
from oa_platform.runtime.exceptions import InstanceNotFoundError, NotAllowedError
from oa_platform.runtime.labels import status_label
from oa_platform.runtime.models import Instance
from oa_platform.runtime.states import InstanceStatus
from plugins.contract import Action


def save_draft(
    ctx: CommandContext,
    actor: OAUser,
    key: str,
    formdata: MultiDict,
    files: MultiDict | None,
    instance_id: int | None,
) -> Instance:
    """Keep the initiator's form as a draft (missing required values allowed)."""
    instance = draft(ctx, actor, key, instance_id)
    engine = ctx.engine(instance, actor)
    edit(ctx, engine, actor, instance, engine.start_node(), formdata, files, True)
    engine.audit("draft_saved", node_id=engine.start_node())
    instance.updated_at = utcnow()
    return instance


def submit(
    ctx: CommandContext,
    actor: OAUser,
    key: str,
    formdata: MultiDict,
    files: MultiDict | None,
    instance_id: int | None,
) -> Instance:
    """Start an instance (or submit a draft): the start node's form must be valid."""
    instance = draft(ctx, actor, key, instance_id)
    engine = ctx.engine(instance, actor)
    start = engine.start_node()
    edit(ctx, engine, actor, instance, start, formdata, files, False)
    engine.set_status(InstanceStatus.RUNNING, reason="submitted")
    instance.submitted_at = utcnow()
    engine.enter(start)
    engine.run()
    start_task = next(
        t for t in engine.live_tasks() if t.node_id == start and t.assignee_id == actor.id
    )
    complete(ctx, engine, start_task, actor, Action.SUBMIT, "")
    instance.updated_at = utcnow()
    return instance


def draft(ctx: CommandContext, actor: OAUser, key: str, instance_id: int | None) -> Instance:
    """The initiator's draft ``instance_id``, or a new one of definition ``key``."""
    if instance_id is not None:
        instance = ctx.session.get(Instance, instance_id)
        if instance is None or instance.initiator_id != actor.id:
            raise InstanceNotFoundError()
        if instance.status is not InstanceStatus.DRAFT:
            raise NotAllowedError(
                gettext(
                    "'%(title)s' is %(status)s, not a draft.",
                    title=instance.shown_title,
                    status=status_label(instance.status),
                )
            )
        return instance
    version = ctx.version_for_start(key)
    instance = Instance(
        definition_id=version.definition_id,
        definition_version=version,
        initiator=actor,
        status=InstanceStatus.DRAFT,
        values={},
    )
    titles.retitle(ctx.session, instance)
    ctx.session.add(instance)
    ctx.session.flush()
    # A new instance: no trail, no activation yet, nothing to read.
    audit.know_head(ctx.session, instance.id, 0, audit.GENESIS)
    know_last_activation(ctx.session, instance.id, None)
    Engine(ctx.session, ctx.types, instance, actor.id).audit(
        "created", detail={"definition": key, "version": version.number}
    )
    return instance
