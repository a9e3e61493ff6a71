"""The runtime's one write path: every page and API endpoint calls these commands.

Each command checks who may do it, validates, changes the instance through the engine and
commits once. Every command bumps the instance's revision, so two commands on one instance
at the same moment cannot both commit: the loser is retried from scratch and then sees the
winner's result (for the same task: "already handled by ...").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from form_builder import services as form_services
from form_builder.attachments import AttachmentStore
from form_builder.clock import utcnow
from form_builder.directory import Directory, Viewer
from form_builder.exceptions import LifecycleError
from form_builder.lifecycle import Lifecycle
from form_builder.models import DefinitionVersion
from form_builder.submission import apply_submission
from oa_platform.accounts.models import OAUser
from oa_platform.runtime import deferred, notices, overtime, policy
from oa_platform.runtime.business_calendar import calendar
from oa_platform.runtime.context import task_view
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.exceptions import (
    ActionNotOfferedError,
    InstanceNotFoundError,
    InvalidSubmissionError,
    NotAllowedError,
    ProcessNotOpenError,
    RuntimeCommandError,
    TaskAlreadyHandledError,
)
from oa_platform.runtime.models import (
    Activation,
    Instance,
    Question,
    Task,
    Timer,
)
from oa_platform.runtime.opinions import LABELS, check_opinion
from oa_platform.runtime.states import (
    ACTIONABLE_TASK,
    FINISHED_INSTANCE,
    LIVE_TASK,
    ActivationStatus,
    InstanceStatus,
    TaskStatus,
    move,
)
from oa_platform.runtime.timer_handlers import TimerHandlers
from oa_platform.runtime.transaction import roll_back
from oa_platform.runtime.visibility import visible_instance
from plugins.contract import AGREEING, Action, NodeKind, NodeType

RETRIES = 5
T = TypeVar("T")
# Actions whose form edits are kept (a refusal does not change the text).
EDITING = AGREEING | {Action.SUBMIT, Action.MODIFY_TEXT}
ADD_POSITIONS = ("before", "after", "parallel")


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


class Runtime:
    """Commands on instances, bound to a session, the node types and the org directory."""

    def __init__(
        self,
        session: Session,
        node_types: Mapping[str, NodeType],
        directory: Directory,
        attachments: AttachmentStore | None = None,
    ):
        self.session = session
        self.types = node_types
        self.directory = directory
        self.attachments = attachments

    # Transactions ---------------------------------------------------------------------

    def _run(self, work: Callable[[], T]) -> T:
        """Run ``work`` and commit; retry when another transaction changed the instance."""
        for attempt in range(RETRIES):
            try:
                result = work()
                self.session.commit()
            except (StaleDataError, IntegrityError):
                roll_back(self.session)
                if attempt == RETRIES - 1:
                    raise
                continue
            except BaseException:
                roll_back(self.session)
                raise
            deferred.dispatch(self.session)
            return result
        raise AssertionError("unreachable")

    # Starting -------------------------------------------------------------------------

    def save_draft(
        self,
        actor: OAUser,
        key: str,
        formdata: MultiDict,
        files: MultiDict | None = None,
        instance_id: int | None = None,
    ) -> Instance:
        """Keep the initiator's form as a draft (missing required values allowed)."""

        def work() -> Instance:
            instance = self._draft(actor, key, instance_id)
            engine = self._engine(instance, actor)
            self._edit(engine, actor, instance, engine.start_node(), formdata, files, True)
            engine.audit("draft_saved", node_id=engine.start_node())
            instance.updated_at = utcnow()
            return instance

        return self._run(work)

    def submit(
        self,
        actor: OAUser,
        key: str,
        formdata: MultiDict,
        files: MultiDict | None = None,
        instance_id: int | None = None,
    ) -> Instance:
        """Start an instance (or submit a draft): the start node's form must be valid."""

        def work() -> Instance:
            instance = self._draft(actor, key, instance_id)
            engine = self._engine(instance, actor)
            start = engine.start_node()
            self._edit(engine, actor, instance, start, formdata, files, False)
            engine.set_status(InstanceStatus.RUNNING, reason="submitted")
            instance.submitted_at = utcnow()
            engine.enter(start)
            engine.run()
            start_task = next(
                t for t in engine.live_tasks() if t.node_id == start and t.assignee_id == actor.id
            )
            self._complete(engine, start_task, actor, Action.SUBMIT, "")
            instance.updated_at = utcnow()
            return instance

        return self._run(work)

    def _draft(self, actor: OAUser, key: str, instance_id: int | None) -> Instance:
        if instance_id is not None:
            instance = self.session.get(Instance, instance_id)
            if instance is None or instance.initiator_id != actor.id:
                raise InstanceNotFoundError()
            if instance.status is not InstanceStatus.DRAFT:
                raise NotAllowedError(f"'{instance.title}' is {instance.status}, not a draft.")
            return instance
        version = self.version_for_start(key)
        instance = Instance(
            definition_id=version.definition_id,
            definition_version=version,
            title=f"{version.definition.name} — {actor.first_name} {actor.last_name}",
            initiator=actor,
            status=InstanceStatus.DRAFT,
            values={},
        )
        self.session.add(instance)
        self.session.flush()
        Engine(self.session, self.types, instance, actor.id).audit(
            "created", detail={"definition": key, "version": version.number}
        )
        return instance

    def version_for_start(self, key: str) -> DefinitionVersion:
        """The published version a new instance of definition ``key`` starts on."""
        try:
            return Lifecycle(self.session, self.types, self.directory).version_for_new_instance(key)
        except LifecycleError as error:
            raise ProcessNotOpenError(f"{error.message[:1].upper()}{error.message[1:]}.") from None

    # Acting on tasks ------------------------------------------------------------------

    def act(self, actor: OAUser, task_id: int, request: ActionRequest) -> Instance:
        """One handler's action on one task (regulations §3.5)."""
        try:
            action = Action(request.action)
        except ValueError:
            raise ActionNotOfferedError(f"Unknown action '{request.action}'.") from None

        def work() -> Instance:
            task = self._own_task(actor, task_id)
            instance = task.instance
            engine = self._engine(instance, actor)
            if task.opened_at is None:
                # Acting on a task is opening it (ends revoking). Set after the engine read
                # the definition, so the task is written once, with the action.
                task.opened_at = utcnow()
            node = engine.nodes[task.node_id]
            node_type = engine.node_type(task.node_id)
            refusal = policy.action_refusal(engine, task, action)
            if refusal:
                raise ActionNotOfferedError(refusal)
            opinion = check_opinion(node_type, node, action, request.opinion)
            self._perform(engine, task, actor, action, opinion, request)
            instance.updated_at = utcnow()
            return instance

        return self._run(work)

    def _own_task(self, actor: OAUser, task_id: int) -> Task:
        # With its activation, instance, definition, version and initiator: the command and
        # the node types' hooks read them next.
        instance = joinedload(Task.instance)
        task = self.session.get(
            Task,
            task_id,
            options=[
                joinedload(Task.activation),
                instance.joinedload(Instance.definition_version),
                instance.joinedload(Instance.definition),
                instance.joinedload(Instance.initiator),
            ],
        )
        if task is None:
            raise InstanceNotFoundError("task")
        if task.assignee_id != actor.id:
            # Its handler always sees the instance; anyone else who may not gets a 404.
            visible_instance(self.session, actor, task.instance_id)
        refusal = policy.task_refusal(task, actor)
        if refusal:
            raise refusal
        return task

    def _perform(self, engine, task, actor, action, opinion, request) -> None:
        if action in EDITING | {Action.DRAFT}:
            edited = self._edit(
                engine,
                actor,
                task.instance,
                task.node_id,
                request.formdata,
                request.files,
                partial=action is Action.DRAFT,
                keep=action is not Action.DRAFT,
            )
            if action is Action.DRAFT:
                task.draft = {"opinion": opinion, "values": edited}
                engine.audit("task_draft_saved", node_id=task.node_id, task_id=task.id)
                return
        if action is Action.HOLD:
            move(task, TaskStatus.HELD)
            task.opinion = opinion
            self._record(engine, task, actor, action, opinion)
            return
        if action is Action.MODIFY_TEXT:
            self._record(engine, task, actor, action, opinion)
            return
        if action is Action.ROLLBACK:
            self._rollback(engine, task, actor, opinion, request)
            return
        if action is Action.TERMINATE:
            self._finish_task(task, actor, action, opinion)
            self._record(engine, task, actor, action, opinion)
            engine.terminate(opinion or "terminated")
            engine.run()
            return
        if action is Action.TRANSFER:
            self._transfer(engine, task, actor, opinion, request.users)
        elif action is Action.ADD_SIGNATURE:
            self._add_signers(engine, task, actor, opinion, request)
        elif action is Action.REDUCE_SIGNATURE:
            self._reduce_signers(engine, task, actor, opinion, request.task_ids)
        else:
            self._complete(engine, task, actor, action, opinion)
            return
        engine.call_hook(task.activation, "on_action", task_view(task), action)
        engine.run()

    def _complete(self, engine, task, actor, action, opinion) -> None:
        """The handler's own answer: the task is done, the node type decides the rest."""
        self._finish_task(task, actor, action, opinion)
        self._record(engine, task, actor, action, opinion)
        engine.call_hook(task.activation, "on_action", task_view(task), action)
        engine.run()

    def _finish_task(self, task, actor, action, opinion) -> None:
        move(task, TaskStatus.DONE)
        task.action = str(action)
        task.opinion = opinion or None
        task.completed_at = utcnow()
        task.completed_by_id = actor.id if actor else None
        task.draft = None
        overtime.close(self.session, task, task.completed_at)
        deferred.defer_task_event(self.session, "task_completed", task, action=str(action))

    def _record(self, engine, task, actor, action, opinion, **detail) -> None:
        engine.audit(
            "action",
            node_id=task.node_id,
            task_id=task.id,
            on_behalf_of_id=task.principal_id,
            detail={"action": str(action), "opinion": opinion, **detail},
        )

    def _edit(self, engine, actor, instance, node_id, formdata, files, partial, keep=True):
        """Apply the node's editable fields from a post; the rest is ignored and audited."""
        if formdata is None:
            return {}
        version = instance.definition_version
        compiled = form_services.compiled(version, node_id)
        viewer = Viewer(
            actor.username,
            self.directory.department_of(actor.username),
            frozenset(r.name for r in actor.roles),
        )
        result = apply_submission(
            compiled,
            old_values=compiled.initial_values(instance.values, viewer, self.directory),
            formdata=formdata,
            files=files,
            viewer=viewer,
            directory=self.directory,
            attachments=self.attachments,
            uploader_id=actor.id,
            partial=partial,
        )
        if result.ignored:
            engine.audit(
                "ignored_field_post", node_id=node_id, detail={"fields": list(result.ignored)}
            )
        if not result.ok:
            raise InvalidSubmissionError(result.errors)
        changes = {key: [old, new] for key, (old, new) in result.changes.items()}
        if not keep:
            return {key: new for key, (_, new) in changes.items()}
        self.session.add_all(result.new_attachments)
        if changes:
            instance.values = result.values
            engine.audit("fields_changed", node_id=node_id, detail={"changes": changes})
        elif result.values != instance.values:
            instance.values = result.values  # defaults taken for the first time
        return changes

    # Rollback, transfer, signers -------------------------------------------------------

    def _rollback(self, engine, task, actor, opinion, request: ActionRequest) -> None:
        targets = policy.rollback_targets(self.session, engine, task)
        start = engine.start_node()
        wanted = request.target or "previous"
        if wanted == "previous":
            target = targets[0] if targets else start
        elif wanted == "initiator":
            target = start
        elif wanted in targets:
            target = wanted
        else:
            raise ActionNotOfferedError(
                f"'{wanted}' is not an earlier node of this instance; choose one of: "
                + ", ".join(targets or [start])
            )
        resubmit_to = task.node_id if request.resubmit_to_me and target == start else None
        if resubmit_to and engine.in_parallel_branch(task.node_id):
            raise ActionNotOfferedError(
                "This node is on a parallel branch: the resubmitted form goes through the "
                "branches again, it cannot come straight back here."
            )
        self._finish_task(task, actor, Action.ROLLBACK, opinion)
        self._record(engine, task, actor, Action.ROLLBACK, opinion, target=target)
        engine.rollback_to(target, opinion, resubmit_to=resubmit_to, origin=task.node_id)
        engine.run()

    def _transfer(self, engine, task, actor, opinion, users: Sequence[str]) -> None:
        """Hand the task to one other person (转办). The new task records who transferred it
        (``transferred_from``); it is not agency (§3.4): its principal is only the one the
        transferred task was already handled for, when an agent transfers their principal's
        task. Otherwise the new handler's own agents apply, as to any task reaching them."""
        if len(users) != 1:
            raise ActionNotOfferedError("Transfer to exactly one person.")
        target = self._active_user(users[0])
        if target.id == actor.id:
            raise ActionNotOfferedError("The task is already yours.")
        if any(t.assignee_id == target.id for t in self._signers(engine, task)):
            raise ActionNotOfferedError(f"{target.username} already signs at this node.")
        engine.cancel_task(task, f"transferred to {target.username}", action=str(Action.TRANSFER))
        task.opinion = opinion or None
        task.completed_by_id = actor.id
        self._record(engine, task, actor, Action.TRANSFER, opinion, to=target.username)
        new = engine.create_task(
            task.activation,
            target.username,
            role=task.role,
            sequence=task.sequence,
            parent_id=task.parent_task_id,
            principal_id=task.principal_id,
            transferred_from=actor,
        )
        # The signers this handler added now wait for (or follow) the new handler.
        for added in self._signers(engine, task):
            if added.parent_task_id == task.id:
                added.parent_task_id = new.id

    def _add_signers(self, engine, task, actor, opinion, request: ActionRequest) -> None:
        if request.position not in ADD_POSITIONS:
            raise ActionNotOfferedError("Add a signer before, after or in parallel.")
        if not request.users:
            raise ActionNotOfferedError("Name at least one person to add.")
        live = {t.assignee_id for t in self._signers(engine, task)}
        names = []
        for username in request.users:
            user = self._active_user(username)
            if user.id in live or user.id == actor.id:
                raise ActionNotOfferedError(f"{user.username} already signs at this node.")
            names.append(user.username)
        for username in names:
            engine.create_task(
                task.activation,
                username,
                role=request.position,
                waiting=request.position == "after",
                parent_id=task.id,
            )
        if request.position == "before":
            move(task, TaskStatus.WAITING)
        self._record(
            engine,
            task,
            actor,
            Action.ADD_SIGNATURE,
            opinion,
            users=names,
            position=request.position,
        )

    def _reduce_signers(self, engine, task, actor, opinion, task_ids: Sequence[int]) -> None:
        if not task_ids:
            raise ActionNotOfferedError("Choose the signer to remove.")
        removable = {t.id: t for t in policy.removable_signers(engine, task)}
        removed = []
        for task_id in task_ids:
            signer = removable.get(int(task_id))
            if signer is None:
                raise ActionNotOfferedError(
                    "Only a signer of this node who has not acted yet can be removed."
                )
            engine.cancel_task(signer, f"removed by {actor.username}", str(Action.REDUCE_SIGNATURE))
            removed.append(signer.assignee.username)
        self._record(engine, task, actor, Action.REDUCE_SIGNATURE, opinion, users=removed)

    def _signers(self, engine: Engine, task: Task) -> list[Task]:
        """The live blocking tasks of the task's node activation (waiting ones included)."""
        return [t for t in engine.tasks_of(task.activation) if t.blocking and t.status in LIVE_TASK]

    def _active_user(self, username: str) -> OAUser:
        user = self.session.scalar(select(OAUser).where(OAUser.username == username))
        if user is None or not user.active or user.deactivated_at is not None:
            raise ActionNotOfferedError(f"There is no active user '{username}'.")
        return user

    # The initiator's actions ----------------------------------------------------------

    def revoke(self, actor: OAUser, instance_id: int, opinion: str) -> Instance:
        """The initiator withdraws the instance, until the next handler has opened it."""

        def work() -> Instance:
            instance = visible_instance(self.session, actor, instance_id)
            engine = self._engine(instance, actor)
            refusal = policy.revoke_refusal(instance, actor, engine.start_node())
            if refusal:
                raise NotAllowedError(refusal)
            text = check_opinion(
                engine.node_type(engine.start_node()),
                engine.nodes[engine.start_node()],
                Action.REVOKE,
                opinion,
            )
            engine.cancel_everything("revoked by the initiator")
            engine.audit("action", detail={"action": "revoke", "opinion": text})
            engine.set_status(InstanceStatus.DRAFT, reason="revoked")
            instance.updated_at = utcnow()
            return instance

        return self._run(work)

    def urge(self, actor: OAUser, instance_id: int, message: str = "") -> list[str]:
        """The initiator reminds the current handlers (催办); returns who was urged."""

        def work() -> list[str]:
            instance = visible_instance(self.session, actor, instance_id)
            refusal = policy.urge_refusal(instance, actor)
            if refusal:
                raise NotAllowedError(refusal)
            engine = self._engine(instance, actor)
            handlers = policy.handlers_to_urge(instance, actor)
            engine.audit("urged", detail={"handlers": handlers, "message": message.strip()})
            notices.urged(self.session, instance, handlers)
            instance.updated_at = utcnow()
            return handlers

        return self._run(work)

    # Questions (§3.3, §3.6) -----------------------------------------------------------

    def ask(self, actor: OAUser, instance_id: int, to: str, text: str) -> Question:
        """A participant asks the initiator (or another participant) a question."""

        def work() -> Question:
            instance = visible_instance(self.session, actor, instance_id)
            if instance.status in FINISHED_INSTANCE:
                raise NotAllowedError(f"'{instance.title}' is {instance.status}.")
            target = self._active_user(to)
            participants = {instance.initiator_id} | {t.assignee_id for t in instance.tasks}
            if target.id not in participants or target.id == actor.id:
                raise NotAllowedError("Questions go to the initiator or another participant.")
            if not text.strip():
                raise NotAllowedError("Write the question.")
            live = [
                t
                for t in instance.tasks
                if t.assignee_id == actor.id and t.status in ACTIONABLE_TASK
            ]
            question = Question(
                instance_id=instance.id,
                task_id=live[0].id if live else None,
                asked_by_id=actor.id,
                asked_to_id=target.id,
                text=text.strip(),
            )
            self.session.add(question)
            self.session.flush()
            engine = self._engine(instance, actor)
            engine.audit(
                "question",
                detail={"question": question.id, "to": target.username, "text": question.text},
            )
            notices.question_asked(self.session, question)
            # §3.3: a question is answered within 24 hours, like any to-do.
            hours = current_app.config["OA_QUESTION_HOURS"]
            self.session.add(
                Timer(
                    due_at=calendar().add(question.asked_at, hours),
                    kind="question",
                    instance_id=instance.id,
                    data={"question": question.id},
                )
            )
            instance.updated_at = utcnow()
            return question

        return self._run(work)

    def answer(self, actor: OAUser, question_id: int, text: str) -> Question:
        def work() -> Question:
            question = self.session.get(Question, question_id)
            if question is None:
                raise InstanceNotFoundError("question")
            instance = visible_instance(self.session, actor, question.instance_id)
            if question.asked_to_id != actor.id:
                raise NotAllowedError("The question was asked of someone else.")
            if question.answered_at is not None:
                raise TaskAlreadyHandledError("The question is already answered.")
            if not text.strip():
                raise NotAllowedError("Write the answer.")
            question.answer = text.strip()
            question.answered_at = utcnow()
            engine = self._engine(instance, actor)
            engine.audit("answer", detail={"question": question.id, "text": question.answer})
            notices.question_answered(self.session, question)
            instance.updated_at = utcnow()
            return question

        return self._run(work)

    def reinitiate(self, actor: OAUser, instance_id: int, reason: str) -> Instance:
        """The initiator cancels the instance and starts again: a new draft with its data."""

        def work() -> Instance:
            old = visible_instance(self.session, actor, instance_id)
            refusal = policy.reinitiate_refusal(old, actor)
            if refusal:
                raise NotAllowedError(refusal)
            if not reason.strip():
                raise NotAllowedError("Say why the instance is cancelled.")
            engine = self._engine(old, actor)
            engine.cancel_everything("cancelled to re-initiate")
            engine.set_status(InstanceStatus.CANCELLED, reason=reason.strip())
            old.updated_at = utcnow()
            new = self._draft(actor, old.definition.key, None)
            fields = {f["key"] for f in new.definition_version.document["fields"]}
            new.values = {k: v for k, v in old.values.items() if k in fields}
            new.reinitiated_from_id = old.id
            self._engine(new, actor).audit("reinitiated", detail={"from": old.id})
            return new

        return self._run(work)

    # Reading -------------------------------------------------------------------------

    def view(self, actor: OAUser, instance_id: int) -> Instance:
        """Open an instance: every view is audited, and the viewer's tasks count as opened
        (which ends the initiator's right to revoke)."""

        def work() -> Instance:
            instance = visible_instance(self.session, actor, instance_id)
            engine = self._engine(instance, actor)
            opened = [
                t
                for t in instance.tasks
                if t.assignee_id == actor.id and t.status in ACTIONABLE_TASK and t.opened_at is None
            ]
            for task in opened:
                task.opened_at = utcnow()
            # No revision bump: a view must not make a handler's action retry. A view racing
            # an action is caught by the audit chain's unique sequence number instead.
            engine.audit("viewed", detail={"opened_tasks": [t.id for t in opened]})
            return instance

        return self._run(work)

    # Background jobs of node types ------------------------------------------------------

    def job_done(self, instance_id: int, activation_id: int, result: dict) -> Instance | None:
        """A node's background job returned: its node type decides what follows."""

        def work() -> Instance | None:
            instance, activation = self._job_target(instance_id, activation_id)
            if activation is None:
                return None  # the instance moved on (terminated, rolled back): nothing to do
            engine = self._engine(instance, None)
            engine.call_hook(activation, "on_job_done", result)
            engine.run()
            instance.updated_at = utcnow()
            return instance

        return self._run(work)

    def job_failed(self, instance_id: int, activation_id: int, detail: str) -> Instance | None:
        """A node's background job failed for good: the instance stops in error there."""

        def work() -> Instance | None:
            instance, activation = self._job_target(instance_id, activation_id)
            if activation is None:
                return None
            engine = self._engine(instance, None)
            engine.fail(activation, RuntimeCommandError(detail))
            instance.updated_at = utcnow()
            return instance

        return self._run(work)

    def _job_target(self, instance_id: int, activation_id: int):
        instance = self.session.get(Instance, instance_id)
        activation = self.session.get(Activation, activation_id)
        if (
            instance is None
            or activation is None
            or activation.status is not ActivationStatus.ACTIVE
            or instance.status not in {InstanceStatus.RUNNING, InstanceStatus.RETURNED}
        ):
            return instance, None
        return instance, activation

    # Timers ----------------------------------------------------------------------------

    def timer_fired(self, timer: Timer) -> None:
        """Handle one due timer inside the transaction ``timers`` fires it in (which commits)."""
        TimerHandlers(self).fire(timer)

    def act_automatically(self, engine: Engine, task: Task, action: Action, opinion: str) -> None:
        """The system acts on a task (an overdue node's escalation), with the node's rules:
        the action must be offered and the opinion rule holds. Audited with no actor."""
        node = engine.nodes[task.node_id]
        offered = policy.offered_actions(engine, task)
        if action not in offered:
            raise ActionNotOfferedError(
                f"'{node['name']}' does not offer to {LABELS[action]} any more."
            )
        opinion = check_opinion(engine.node_type(task.node_id), node, action, opinion)
        request = ActionRequest(action=str(action), opinion=opinion)
        self._perform(engine, task, None, action, opinion, request)

    # Administration (a hook that raised, a routing that failed) ---------------------------

    def retry_node(self, actor: OAUser, instance_id: int) -> Instance:
        """Run again what failed: the node's ``on_enter``, or, for a node that completed but
        could not be routed on, its type's ``next_edges`` (the data or the plugin fixed)."""
        return self._repair(actor, instance_id, skip=False)

    def skip_node(self, actor: OAUser, instance_id: int, to: str | None = None) -> Instance:
        """Go on as if the failed node had done its part: a node whose ``on_enter`` failed
        completes with the outcome "skipped" and its type routes on; a node that completed
        but could not be routed on (``next_edges`` raised or no edge applies) goes to ``to``,
        the next node the administrator chose (a split: all its branches). Audited with who
        chose what. Without a valid ``to`` such a skip is refused, naming the node and its
        choices (``skip_targets``)."""
        return self._repair(actor, instance_id, skip=True, to=to)

    def skip_targets(self, instance: Instance) -> list[tuple[str, str]]:
        """(node id, name) of the nodes an administrator chooses from to skip ``instance``'s
        failed routing; empty when a skip needs no choice."""
        if instance.status is not InstanceStatus.ERROR:
            return []
        engine = self._engine(instance, None)
        targets: dict[str, str] = {}
        for activation in engine.failed_activations():
            if activation.outcome is None:
                continue  # its on_enter failed: skipping asks next_edges as usual
            if engine.node_type(activation.node_id).kind is NodeKind.SPLIT:
                continue  # a split's skip follows every branch
            for edge in engine.outgoing[activation.node_id]:
                targets.setdefault(edge["to"], engine.nodes[edge["to"]]["name"])
        return list(targets.items())

    def _repair(
        self, actor: OAUser, instance_id: int, skip: bool, to: str | None = None
    ) -> Instance:
        def work() -> Instance:
            instance = self.session.get(Instance, instance_id)
            if instance is None or instance.status is not InstanceStatus.ERROR:
                raise NotAllowedError("The instance is not in error.")
            engine = self._engine(instance, actor)
            node_id = instance.error_node
            # Every node that failed (parallel branches may have failed each), first first.
            failed = engine.failed_activations()
            if not failed:
                raise NotAllowedError(f"Node '{node_id}' cannot be retried or skipped.")
            # A failed routing (see Engine.leave) still holds its node's outcome; a skip of
            # one follows the edges chosen here, before anything changes (a refusal keeps
            # the instance as it was).
            chosen = {
                activation.id: engine.skip_edges(activation, to)
                for activation in failed
                if skip and activation.outcome is not None
            }
            back = (
                InstanceStatus.RETURNED
                if node_id == engine.start_node()
                else InstanceStatus.RUNNING
            )
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

        return self._run(work)

    def _engine(self, instance: Instance, actor: OAUser | None) -> Engine:
        return Engine(self.session, self.types, instance, actor.id if actor else None)
