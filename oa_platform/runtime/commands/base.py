"""What every runtime command is bound to, and the steps several of them share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, contains_eager
from werkzeug.datastructures import MultiDict

from form_builder import services as form_services
from form_builder.attachments import AttachmentStore
from form_builder.clock import utcnow
from form_builder.directory import Directory, Viewer
from form_builder.exceptions import LifecycleError
from form_builder.lifecycle import Lifecycle
from form_builder.models import DefinitionVersion, ProcessDefinition, VersionStatus
from form_builder.submission import apply_submission
from oa_platform.accounts.models import OAUser
from oa_platform.org.policy import offered_people
from oa_platform.runtime import attachment_links, deferred, overtime, pending_uploads, titles
from oa_platform.runtime.context import task_view
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.exceptions import (
    ActionNotOfferedError,
    InvalidSubmissionError,
    ProcessNotOpenError,
)
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.states import LIVE_TASK, TaskStatus, move
from plugins.contract import Action, NodeType


@dataclass(frozen=True)
class ActionRequest:
    """What a handler asks for. ``formdata``/``files`` carry the node's editable fields."""

    action: str
    opinion: str = ""
    formdata: MultiDict | None = None
    files: MultiDict | None = None
    target: str | None = None  # rollback: a node id, "previous" or "initiator"
    resubmit_to_me: bool = False  # rollback to the initiator: come straight back on resubmit
    users: Sequence[str] = field(default_factory=tuple)  # add signature, transfer
    position: str = "parallel"  # add signature: before / after / parallel
    task_ids: Sequence[int] = field(default_factory=tuple)  # reduce signature


@dataclass(frozen=True)
class CommandContext:
    """A command's session, the node types, the org directory and the attachment store."""

    session: Session
    types: Mapping[str, NodeType]
    directory: Directory
    attachments: AttachmentStore | None = None

    def engine(self, instance: Instance, actor: OAUser | None) -> Engine:
        """The engine of ``instance``, acting for ``actor`` (None: the system)."""
        return Engine(self.session, self.types, instance, actor.id if actor else None)

    def version_for_start(self, key: str) -> DefinitionVersion:
        """The published version a new instance of definition ``key`` starts on.

        One read, with its definition (a submission names both next); where it finds none,
        the lifecycle says why (no such definition, withdrawn, nothing published)."""
        found = self.session.scalar(_VERSION_FOR_START, {"key": key})
        if found is not None:
            return found
        try:
            return Lifecycle(self.session, self.types, self.directory).version_for_new_instance(key)
        except LifecycleError as error:
            raise ProcessNotOpenError(f"{error.message[:1].upper()}{error.message[1:]}.") from None

    def active_user(self, username: str) -> OAUser:
        """The active user ``username``, as the people picker would offer them
        (``org.policy.offered_people``); refused by name otherwise."""
        user = self.session.scalar(_OFFERED_USER, {"username": username})
        if user is None:
            raise ActionNotOfferedError(
                gettext("There is no active user '%(user)s'.", user=username)
            )
        return user


# A transfer's or added signer's target: someone the people picker offers, by user name.
_OFFERED_USER = select(OAUser).where(OAUser.username == bindparam("username"), offered_people())

# The latest published version of a definition open for new instances, with the definition
# (``Lifecycle.version_for_new_instance`` in one statement, built once).
_VERSION_FOR_START = (
    select(DefinitionVersion)
    .join(DefinitionVersion.definition)
    .where(
        ProcessDefinition.key == bindparam("key"),
        ProcessDefinition.withdrawn_at.is_(None),
        DefinitionVersion.status == VersionStatus.PUBLISHED,
    )
    .order_by(DefinitionVersion.number.desc())
    .limit(1)
    .options(contains_eager(DefinitionVersion.definition))
)


def complete(ctx: CommandContext, engine: Engine, task: Task, actor, action, opinion) -> None:
    """The handler's own answer: the task is done, the node type decides the rest."""
    finish_task(engine, task, actor, action, opinion)
    record(engine, task, action, opinion)
    engine.call_hook(task.activation, "on_action", task_view(task), action)
    engine.run()


def finish_task(engine: Engine, task: Task, actor: OAUser | None, action, opinion) -> None:
    """Mark ``task`` done by ``actor`` (None: the system) with ``action`` and ``opinion``."""
    move(task, TaskStatus.DONE)
    engine.task_ended(task)
    task.action = str(action)
    task.opinion = opinion or None
    task.completed_at = utcnow()
    task.completed_by_id = actor.id if actor else None
    task.draft = None
    overtime.close(engine.session, task, task.completed_at)
    deferred.defer_task_event(engine.session, "task_completed", task, action=str(action))


def record(engine: Engine, task: Task, action: Action, opinion: str, **detail: Any) -> None:
    """The trail's entry of a handler's action (for whom, when an agent acted: §3.4)."""
    engine.audit(
        "action",
        node_id=task.node_id,
        task_id=task.id,
        on_behalf_of_id=task.principal_id,
        detail={"action": str(action), "opinion": opinion, **detail},
    )


def signers(engine: Engine, task: Task) -> list[Task]:
    """The live blocking tasks of the task's node activation (waiting ones included)."""
    return [t for t in engine.tasks_of(task.activation) if t.blocking and t.status in LIVE_TASK]


def edit(
    ctx: CommandContext,
    engine: Engine,
    actor: OAUser,
    instance: Instance,
    node_id: str,
    formdata: MultiDict | None,
    files: MultiDict | None,
    partial: bool,
    keep: bool = True,
) -> dict[str, Any]:
    """Apply the node's editable fields from a post; the rest is ignored and audited.

    Returns the changes, {key: [old, new]}; with ``keep`` false (a handler's draft) the
    values are only checked and returned, {key: new}, and the instance keeps its own."""
    if formdata is None:
        return {}
    version = instance.definition_version
    compiled = form_services.compiled(version, node_id)
    viewer = Viewer(
        actor.username,
        ctx.directory.department_of(actor.username),
        frozenset(r.name for r in actor.roles),
    )
    old_values = compiled.initial_values(instance.values, viewer, ctx.directory)
    # Files held from an earlier refused post of this person's (issue 19, defect 2).
    kept = pending_uploads.kept(ctx.session, compiled.fields, formdata, actor.id, old_values)
    result = apply_submission(
        compiled,
        old_values=pending_uploads.with_kept(old_values, kept),
        formdata=formdata,
        files=files,
        viewer=viewer,
        directory=ctx.directory,
        attachments=ctx.attachments,
        uploader_id=actor.id,
        partial=partial,
    )
    if result.ignored:
        engine.audit("ignored_field_post", node_id=node_id, detail={"fields": list(result.ignored)})
    if not result.ok:
        raise InvalidSubmissionError(result.errors, result.held)
    changes = {key: [old, new] for key, (old, new) in result.changes.items()}
    for key in kept:  # measured from the values before the held files were added
        if result.values.get(key) != old_values.get(key):
            changes[key] = [old_values.get(key), result.values.get(key)]
    # A draft's new files are stored too: the draft names them, and a file no row names is
    # swept as an orphan. Until submitted they are pending uploads of the handler's.
    ctx.session.add_all(result.new_attachments)
    if not keep:
        return {key: new for key, (_, new) in changes.items()}
    if changes:
        instance.values = result.values
        engine.audit("fields_changed", node_id=node_id, detail={"changes": changes})
        titles.retitle(ctx.session, instance)  # the title template reads the values
    elif result.values != instance.values:
        instance.values = result.values  # defaults taken for the first time
        titles.retitle(ctx.session, instance)
    # Downloads are checked against the field a file was uploaded into (issue 17, defect 6).
    # No flush for its read of the instance's links: one edit per command adds them, so
    # none is pending, and the uploads and values are written with the step's other changes
    # (flushed here, the instance's row was updated twice).
    with ctx.session.no_autoflush:
        uploaded = [*(a.id for a in result.new_attachments), *pending_uploads.ids(kept)]
        attachment_links.link_uploads(ctx.session, instance, uploaded)
    return changes
