"""The engine: moves one instance through its node chain inside the caller's transaction.

Work is kept on an agenda and done one step at a time (leave a node, enter the next), so long
chains of automatic nodes do not recurse. The engine asks node types what to do (hooks of
``plugins.contract.NodeType``) and never branches on a type's name. A hook that raises is
rolled back to a savepoint and the instance is put in error at that node; what happened
before it (the user's action) is kept. ``next_edges`` is such a hook too: when it raises or
no edge applies, the node stays active with its outcome and an administrator retries the
routing or skips it to a chosen node (``Runtime.retry_node``, ``Runtime.skip_node``).
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from form_builder import services as form_services
from form_builder.clock import utcnow
from form_builder.spec import ProcessSpec
from form_builder.values import expression_values
from oa_platform.accounts.models import OAUser
from oa_platform.agents.resolve import delegation_chain
from oa_platform.notifications.service import withdraw
from oa_platform.runtime import assignees, audit, deferred, notices, overtime, task_timers
from oa_platform.runtime.business_calendar import calendar
from oa_platform.runtime.context import EngineContext
from oa_platform.runtime.exceptions import (
    AssigneeNotFoundError,
    NoEdgeAppliesError,
    RuntimeCommandError,
)
from oa_platform.runtime.models import Activation, Instance, Task, Timer
from oa_platform.runtime.rows import insert_row
from oa_platform.runtime.states import (
    FINISHED_INSTANCE,
    LIVE_TASK,
    ActivationStatus,
    InstanceStatus,
    TaskStatus,
    move,
)
from oa_platform.unit_of_work import transaction_cache, unit_of_work
from plugins.contract import NodeKind, NodeType


# What the engine already read in the session's transaction: each activation's tasks (in id
# order) and each instance's last activation number. Every task and activation is created
# through the engine, which keeps these up to date, so one command reads them once; the unit
# of work forgets them when the transaction ends or a savepoint is rolled back.
def _memo(session: Session, kind: str) -> dict[int, Any]:
    return transaction_cache(session, f"engine_{kind}")


def know_last_activation(session: Session, instance_id: int, seq: int | None) -> None:
    """The instance's last activation number as a query of this transaction read it with a
    command's context (None: it has none yet), so numbering the next needs no read."""
    _memo(session, "seq").setdefault(instance_id, seq or 0)


# The instance's live tasks and active activations as the database holds them (built once).
_LIVE_TASKS = (
    select(Task)
    .where(Task.instance_id == bindparam("instance"), Task.status.in_(LIVE_TASK))
    .order_by(Task.id)
)
_ACTIVE_ACTIVATIONS = select(Activation).where(
    Activation.instance_id == bindparam("instance"),
    Activation.status == ActivationStatus.ACTIVE,
)


def know_tasks(session: Session, activation_id: int, tasks: list[Task]) -> None:
    """The activation's tasks (in id order) as a query of this transaction read them with a
    command's context: ``Engine.tasks_of`` then needs no read."""
    _memo(session, "tasks").setdefault(activation_id, list(tasks))


class Engine:
    """The chain of one instance. ``actor_id`` is who caused the work (None: the system).

    What the definition states comes from its version's :class:`ProcessSpec`, compiled once
    per version and shared (``form_services.process_spec``); the engine keeps only runtime
    state. ``nodes``, ``outgoing`` and ``incoming`` are the spec's read-only mappings.
    """

    def __init__(
        self,
        session: Session,
        node_types: Mapping[str, NodeType],
        instance: Instance,
        actor_id: int | None = None,
    ):
        self.session = session
        self.types = node_types
        self.instance = instance
        self.actor_id = actor_id
        version = instance.definition_version
        self.document = version.document
        self.spec: ProcessSpec = form_services.process_spec(version)
        self.nodes: Mapping[str, Mapping[str, Any]] = self.spec.node_documents
        self.outgoing: Mapping[str, tuple[Mapping[str, Any], ...]] = self.spec.outgoing
        self.incoming: Mapping[str, tuple[Mapping[str, Any], ...]] = self.spec.incoming
        self._agenda: deque[Callable[[], None]] = deque()
        # Activations whose routing failed in this engine's work: a second ``complete`` of
        # the same action must not ask again (and fail twice). A new engine, as a retry
        # makes, asks again.
        self._unrouted: set[int] = set()
        # Users the assignee rules named, by user name: create_task gets them from here.
        self._users: dict[str, OAUser] = {}
        # Those of them whom no delegation names today (read with them): no agents to read.
        self._undelegated: set[int] = set()

    # Queries -----------------------------------------------------------------------------

    def node_type(self, node_id: str) -> NodeType:
        return self.types[self.spec.nodes[node_id].type]

    def start_node(self) -> str:
        return self.spec.start

    def tasks_of(self, activation: Activation) -> list[Task]:
        """The activation's tasks in id order, read once per transaction (see ``_memo``)."""
        known = _memo(self.session, "tasks")
        if activation.id not in known:
            # No autoflush: tasks are flushed as they are created (create_task) and never
            # change activation, so pending changes cannot alter which rows match.
            with self.session.no_autoflush:
                known[activation.id] = list(
                    self.session.scalars(
                        select(Task).where(Task.activation_id == activation.id).order_by(Task.id)
                    )
                )
        return list(known[activation.id])

    def task(self, task_id: int) -> Task:
        task = self.session.get(Task, task_id)
        if task is None or task.instance_id != self.instance.id:
            raise RuntimeCommandError(f"task {task_id} is not part of this instance")
        return task

    def live_tasks(self) -> list[Task]:
        """The instance's live tasks in id order.

        Read without a flush: new tasks are inserted at once (``rows``), and a task never
        becomes live again once it ended (``states``), so the rows live in the database are
        a superset of the live ones, and a change not flushed yet shows on the object the
        identity map returns. Flushing here cost a pass of the unit of work and split one
        row's changes over two UPDATEs."""
        with self.session.no_autoflush:
            found = self.session.scalars(_LIVE_TASKS, {"instance": self.instance.id})
            return [task for task in found if task.status in LIVE_TASK]

    def active_activations(self) -> list[Activation]:
        """The instance's active activations, read without a flush as ``live_tasks``
        (an activation is inserted at once and never becomes active again)."""
        with self.session.no_autoflush:
            found = self.session.scalars(_ACTIVE_ACTIVATIONS, {"instance": self.instance.id})
            return [each for each in found if each.status is ActivationStatus.ACTIVE]

    def assignees(self, node: Mapping[str, Any]) -> list[OAUser]:
        rule = node.get("assignee")
        if rule is None:
            raise AssigneeNotFoundError(node["id"], {})
        # No flush: the rule reads the organisation, which the runtime's pending changes
        # (tasks, activations, the instance) do not alter; flushing them here wrote the
        # step's rows through the ORM and then again at commit.
        with self.session.no_autoflush:
            found = assignees.resolve(
                self.session,
                rule,
                initiator=self.instance.initiator,
                values=self.instance.values,
                node_id=node["id"],
                undelegated=self._undelegated,
            )
        self._users.update((user.username, user) for user in found)
        return found

    def user(self, username: str) -> OAUser | None:
        """The user named ``username``: from the assignee rules or the initiator if they
        named them, else read."""
        if username not in self._users:
            initiator = self.instance.initiator
            if initiator.username == username:
                self._users[username] = initiator
            else:
                with self.session.no_autoflush:  # as in ``assignees``
                    self._users[username] = self.session.scalar(
                        select(OAUser).where(OAUser.username == username)
                    )
        return self._users[username]

    def expression_values(self) -> dict[str, Any]:
        return expression_values(self.document["fields"], self.instance.values)

    # Audit --------------------------------------------------------------------------------

    def audit(
        self,
        event: str,
        *,
        node_id: str | None = None,
        task_id: int | None = None,
        detail: dict[str, Any] | None = None,
        system: bool = False,
        on_behalf_of_id: int | None = None,
    ) -> None:
        audit.append(
            self.session,
            self.instance.id,
            event,
            actor_id=None if system else self.actor_id,
            on_behalf_of_id=on_behalf_of_id,
            node_id=node_id,
            task_id=task_id,
            detail=detail,
        )

    # Instance status ---------------------------------------------------------------------

    def set_status(self, status: InstanceStatus, reason: str | None = None) -> None:
        if self.instance.status is status:
            return
        before = self.instance.status
        move(self.instance, status)
        if status in {
            InstanceStatus.COMPLETED,
            InstanceStatus.TERMINATED,
            InstanceStatus.CANCELLED,
        }:
            self.instance.finished_at = utcnow()
            task_timers.close_instance(self.session, self.instance.id)  # nothing waits now
        detail = {"from": str(before), "to": str(status)}
        if reason:
            detail["reason"] = reason
        self.audit("status", detail=detail)
        key = self.instance.definition.key
        if before is InstanceStatus.DRAFT and status is InstanceStatus.RUNNING:
            initiator = self.instance.initiator.username
            deferred.defer_event(
                self.session,
                "instance_started",
                instance_id=self.instance.id,
                definition=key,
                initiator=initiator,
            )
        if self.instance.finished_at is not None and status in FINISHED_INSTANCE:
            deferred.defer_event(
                self.session,
                "instance_finished",
                instance_id=self.instance.id,
                definition=key,
                status=str(status),
            )

    # Agenda -------------------------------------------------------------------------------

    def schedule(self, step: Callable[[], None]) -> None:
        self._agenda.append(step)

    def schedule_leave(self, activation: Activation, outcome: str) -> None:
        self.schedule(lambda: self.leave(activation, outcome))

    def run(self) -> None:
        """Do the scheduled work until none is left.

        A node in error stops only its own path (its hook's work was undone); the work of
        other parallel branches goes on, or it would be lost for good.
        """
        while self._agenda:
            self._agenda.popleft()()

    def call_hook(
        self,
        activation: Activation,
        hook: str,
        *args: Any,
        check: Callable[[Any], None] | None = None,
    ) -> tuple[bool, Any]:
        """Call a node type's hook in a savepoint: (True, what it returned), or (False, None)
        when it raised, or ``check`` refused what it returned (a hook that answers something
        unusable fails like one that raises). Then what the hook did is undone and the
        instance stops in error at the node; what happened before (the user's action) is
        kept. Every hook goes through here, ``next_edges`` included (see ``leave``)."""
        node_type = self.node_type(activation.node_id)
        context = EngineContext(self, activation, node_type)
        agenda_before = len(self._agenda)
        # A hook that changes nothing before it can fail has nothing to undo: no savepoint
        # (its flush and two statements were most of a built-in node's cost).
        atomic = hook in node_type.atomic_hooks
        try:
            with nullcontext() if atomic else unit_of_work(self.session).savepoint():
                result = getattr(node_type, hook)(context, *args)
                if check is not None:
                    check(result)
        except StaleDataError:
            raise  # a version check lost while flushing: the command's conflict, retried
        except Exception as error:  # any failure of plugin code
            while len(self._agenda) > agenda_before:
                self._agenda.pop()
            self.fail(activation, error)
            return False, None
        return True, result

    def fail(self, activation: Activation, error: Exception) -> None:
        if isinstance(error, RuntimeCommandError):
            detail = error.message
        else:
            detail = "".join(traceback.format_exception(error))
        if self.instance.status is InstanceStatus.ERROR and self.instance.error_node:
            # Another branch failed first: keep it as the instance's error, add this one.
            self.instance.error_detail = (
                f"{self.instance.error_detail}\n\nNode '{activation.node_id}' failed too: {detail}"
            )
        else:
            self.instance.error_node = activation.node_id
            self.instance.error_detail = detail
        self.set_status(InstanceStatus.ERROR, reason=f"node '{activation.node_id}' failed")
        self.audit("node_error", node_id=activation.node_id, detail={"error": str(error)[:500]})

    # Moving through the chain ------------------------------------------------------------

    def enter(self, node_id: str) -> None:
        node_type = self.node_type(node_id)
        activation = None
        if node_type.merges:
            activation = next((a for a in self.active_activations() if a.node_id == node_id), None)
        if activation is None:
            activation = self._new_activation(node_id, arrivals=1)
            self.audit("node_entered", node_id=node_id, system=True)
        else:
            activation.arrivals += 1
        self.call_hook(activation, "on_enter")

    def _new_activation(self, node_id: str, arrivals: int) -> Activation:
        """A new active activation of ``node_id``, its row inserted at once (``rows``)."""
        activation = insert_row(
            self.session,
            Activation,
            {
                "instance_id": self.instance.id,
                "node_id": node_id,
                "seq": self._next_seq(),
                "status": ActivationStatus.ACTIVE,
                "arrivals": arrivals,
            },
            parents={"instance": (self.instance, "activations")},
        )
        _memo(self.session, "tasks")[activation.id] = []  # new: no task to read
        return activation

    def leave(
        self,
        activation: Activation,
        outcome: str,
        edges: list[Mapping[str, Any]] | None = None,
    ) -> None:
        """Complete the node with ``outcome`` and go on along the edges its node type's
        ``next_edges`` chooses (``edges``: the ones an administrator chose instead, when
        skipping a failed routing, see ``Runtime.skip_node``).

        The edges are asked for first, in a savepoint like every hook. If ``next_edges``
        raises, or no edge applies, nothing of the leaving is done: the activation stays
        active holding ``outcome`` (which is how ``failed_activations`` knows its routing
        failed), the node's tasks stay as they are, and the instance stops in error at the
        node, the action that completed it kept.
        """
        if activation.status is not ActivationStatus.ACTIVE or activation.id in self._unrouted:
            return  # already left, or already failed to (e.g. completed twice by one action)
        activation.outcome = outcome
        if self.instance.resubmit_to and self.node_type(activation.node_id).receives_returns:
            target, self.instance.resubmit_to = self.instance.resubmit_to, None
            self._left(activation, outcome)
            self.schedule(lambda: self.enter(target))
            return
        if edges is None:
            outgoing = self.outgoing[activation.node_id]
            routed, edges = self.call_hook(
                activation,
                "next_edges",
                outgoing,
                check=lambda chosen: self._check_edges(activation.node_id, chosen),
            )
            if not routed:
                self._unrouted.add(activation.id)
                return
        self._left(activation, outcome)
        for edge in edges:
            self.schedule(lambda target=edge["to"]: self.enter(target))

    def _left(self, activation: Activation, outcome: str) -> None:
        """The node is done: its remaining blocking tasks go, the trail says so."""
        move(activation, ActivationStatus.COMPLETED)
        activation.left_at = utcnow()
        for task in self.tasks_of(activation):
            if task.blocking and task.status in LIVE_TASK:
                self.cancel_task(task, "the node is done")
        self.audit("node_left", node_id=activation.node_id, detail={"outcome": outcome})
        if self.instance.status is InstanceStatus.RETURNED:
            self.set_status(InstanceStatus.RUNNING, reason="resubmitted")

    def _check_edges(self, node_id: str, chosen: Any) -> None:
        """What ``next_edges`` returned must be some of the node's own outgoing edges, and
        at least one when it has any (an end node has none)."""
        outgoing = self.outgoing[node_id]
        if outgoing and not chosen:
            raise NoEdgeAppliesError(node_id, outgoing)
        if any(edge not in outgoing for edge in chosen):
            raise RuntimeCommandError(
                f"Node '{node_id}': next_edges returned an edge that does not leave it: "
                f"{list(chosen)}"
            )

    def skip_edges(self, activation: Activation, to: str | None) -> list[Mapping[str, Any]]:
        """The edges a skip of ``activation``'s failed routing follows (an administrator's
        explicit choice, as Camunda's instance modification or Weaver's flow intervention
        asks for): every edge of a split (all its branches run, or their join would wait
        forever), else the one edge to ``to``. Refused, naming the node and the choices,
        when ``to`` is not one of them."""
        node_id = activation.node_id
        outgoing = self.outgoing[node_id]
        if self.node_type(node_id).kind is NodeKind.SPLIT:
            return list(outgoing)
        chosen = [edge for edge in outgoing if edge["to"] == to]
        if not chosen:
            targets = ", ".join(f"'{edge['to']}'" for edge in outgoing) or "none"
            name = self.nodes[node_id]["name"]
            raise RuntimeCommandError(
                f"Node '{node_id}' ({name}) is done but no outgoing edge applies: choose the "
                f"node to skip to (one of {targets})."
            )
        return chosen[:1]

    def failed_activations(self) -> list[Activation]:
        """Active activations stopped in error, first first: those whose routing failed
        (they hold the outcome they were leaving with, see ``leave``), and those whose
        ``on_enter`` failed (not a join, and no task was created)."""
        failed = [
            activation
            for activation in self.active_activations()
            if activation.outcome is not None
            or (not self.node_type(activation.node_id).merges and not self.tasks_of(activation))
        ]
        return sorted(failed, key=lambda a: a.seq)

    def finish(self, activation: Activation) -> None:
        move(activation, ActivationStatus.COMPLETED)
        activation.left_at = utcnow()
        if self.active_activations():
            return  # another branch is still running (cannot happen in a valid chain)
        self.set_status(InstanceStatus.COMPLETED)

    def cancel_everything(self, reason: str) -> None:
        """Cancel every live blocking task and active activation (rollback, terminate...)."""
        for task in self.live_tasks():
            if task.blocking:
                self.cancel_task(task, reason)
        for activation in self.active_activations():
            move(activation, ActivationStatus.CANCELLED)
            activation.left_at = utcnow()

    def reachable(self, node_id: str) -> frozenset[str]:
        """``node_id`` and every node after it."""
        return self.spec.nodes[node_id].reachable

    def ancestors(self, node_id: str) -> frozenset[str]:
        """Every node before ``node_id`` (a path leads from it to ``node_id``)."""
        return self.spec.nodes[node_id].ancestors

    def in_parallel_branch(self, node_id: str) -> bool:
        """Whether ``node_id`` lies on one branch of a parallel split (before its join)."""
        return self.spec.nodes[node_id].in_parallel_branch

    def _outside_inputs(self, node_id: str, below: frozenset[str]) -> int:
        """For a join: how many of its branches do not come through ``below``."""
        return self.spec.nodes[node_id].outside_inputs(below)

    def rollback_to(
        self,
        node_id: str,
        reason: str,
        resubmit_to: str | None = None,
        origin: str | None = None,
    ) -> None:
        """Go back to ``node_id``; to the start means back to the initiator.

        Only what lies after ``node_id`` is undone: another parallel branch that does not pass
        through it keeps running, and a join keeps the branches that arrived. Rolling back
        from ``origin`` (after a join) into one branch: the join counts the other branches as
        arrived, so only the re-run branch is waited for.
        """
        if not self.incoming[node_id]:
            self.cancel_everything(f"rolled back to {node_id}")
            self.set_status(InstanceStatus.RETURNED, reason=reason)
            self.instance.resubmit_to = resubmit_to
            self.schedule(lambda: self.enter(node_id))
            return
        below = self.reachable(node_id)
        for task in self.live_tasks():
            if task.blocking and task.node_id in below:
                self.cancel_task(task, f"rolled back to {node_id}")
        active = {}
        for activation in self.active_activations():
            if activation.node_id in below and not self._outside_inputs(activation.node_id, below):
                move(activation, ActivationStatus.CANCELLED)
                activation.left_at = utcnow()
            else:
                active[activation.node_id] = activation
        for join in sorted(below):
            arrived = self._outside_inputs(join, below)
            between = origin is not None and origin in self.reachable(join)
            if arrived and between and join not in active:
                self._new_activation(join, arrivals=arrived)
                self.audit(
                    "node_entered",
                    node_id=join,
                    detail={"arrivals": arrived, "reason": f"rolled back to {node_id}"},
                    system=True,
                )
        self.schedule(lambda: self.enter(node_id))

    def return_to_initiator(self, reason: str) -> None:
        self.rollback_to(self.start_node(), reason)

    def terminate(self, reason: str) -> None:
        self.cancel_everything("terminated")
        self.set_status(InstanceStatus.TERMINATED, reason=reason)
        self._agenda.clear()

    # Tasks --------------------------------------------------------------------------------

    def create_task(
        self,
        activation: Activation,
        username: str,
        *,
        role: str = "primary",
        waiting: bool = False,
        sequence: int = 0,
        blocking: bool = True,
        parent_id: int | None = None,
        principal_id: int | None = None,
        transferred_from: OAUser | None = None,
    ) -> Task:
        """Give ``username`` a task at ``activation``.

        ``principal_id`` is agency only (§3.4): whom the assignee handles it for. Without
        one, the user's agents of today apply (the task goes to the last of them, for the
        user). ``transferred_from`` is who transferred it here: a transfer is recorded as
        such, never as agency.
        """
        user = self.user(username)
        if user is None or not user.active or user.deactivated_at is not None:
            raise AssigneeNotFoundError(activation.node_id, {"user": username})
        chain = self._agents(activation, user) if principal_id is None else [user]
        if len(chain) > 1:
            principal_id, user = user.id, chain[-1]
        task = insert_row(
            self.session,
            Task,
            {
                "instance_id": self.instance.id,
                "activation_id": activation.id,
                "node_id": activation.node_id,
                "assignee_id": user.id,
                "principal_id": principal_id,
                "transferred_from_id": transferred_from.id if transferred_from else None,
                "status": TaskStatus.WAITING if waiting else TaskStatus.OPEN,
                "blocking": blocking,
                "role": role,
                "parent_task_id": parent_id,
                "sequence": sequence,
                "due_at": None if waiting else self._due_at(activation.node_id),
            },
            parents={"instance": (self.instance, "tasks"), "activation": (activation, None)},
        )
        known = _memo(self.session, "tasks")
        if activation.id in known:
            known[activation.id].append(task)
        if len(chain) > 1:
            self.audit(
                "agent_used",
                node_id=activation.node_id,
                task_id=task.id,
                detail={
                    "principal": chain[0].username,
                    "agent": user.username,
                    "chain": [person.username for person in chain],
                },
            )
        if not waiting and blocking:
            self._deadline_timer(task)
        if not waiting:
            notices.task_arrived(self.session, task)
        detail = {"to": username, "role": role, "waiting": waiting, "blocking": blocking}
        if transferred_from is not None:
            detail["transferred_from"] = transferred_from.username
        self.audit("assigned", node_id=activation.node_id, task_id=task.id, detail=detail)
        deferred.defer_task_event(self.session, "task_created", task)
        return task

    def defer_job(self, activation: Activation, function: str, payload: Mapping[str, Any]) -> None:
        """Queue a node type's background job until the transaction commits."""
        node_type = self.node_type(activation.node_id)
        deferred.defer_job(
            self.session,
            instance_id=self.instance.id,
            activation_id=activation.id,
            function=function,
            payload=dict(payload),
            retries=node_type.job_retries,
            backoff=node_type.job_backoff,
        )
        self.audit("job_queued", node_id=activation.node_id, detail={"job": function}, system=True)

    def set_timer(self, activation: Activation, hours: float, name: str, data: dict) -> None:
        """A node type's timer: ``on_timer`` is called once it is due."""
        self.session.add(
            Timer(
                due_at=utcnow() + timedelta(hours=hours),
                kind="node",
                name=name,
                instance_id=self.instance.id,
                activation_id=activation.id,
                data=dict(data),
            )
        )
        self.audit(
            "timer_set",
            node_id=activation.node_id,
            detail={"name": name, "hours": hours},
            system=True,
        )

    def _deadline_timer(self, task: Task) -> None:
        """The task's deadline (regulations §3.3) and the reminder before it, as timers."""
        due = {"deadline": task.due_at}
        percent = current_app.config["OA_REMINDER_PERCENT"]
        if 0 < percent < 100:
            hours = self._deadline_hours(task.node_id) * percent / 100
            due["reminder"] = calendar().add(utcnow(), hours)
        for kind, at in due.items():
            task_timers.add(
                self.session,
                kind=kind,
                due_at=at,
                instance_id=self.instance.id,
                activation_id=task.activation_id,
                task_id=task.id,
            )

    def task_ended(self, task: Task) -> None:
        """``task`` stopped being a to-do (done, cancelled, or back in line): its timers are
        closed, and if it arrived in this very transaction (a start task submitted at once),
        nobody is told it arrived."""
        task_timers.close_task(self.session, task.id)
        if task.status is not TaskStatus.WAITING:
            withdraw(self.session, kind="task", key=f"task:{task.id}")

    def set_value(self, node_id: str, key: str, value: Any) -> None:
        """A node type stores a value in a form field (a system change, audited as a diff)."""
        if key not in self.spec.field_keys:
            raise RuntimeCommandError(f"node '{node_id}' writes to unknown field '{key}'")
        old = self.instance.values.get(key)
        if old != value:
            self.instance.values = {**self.instance.values, key: value}
            detail = {"changes": {key: [old, value]}}
            self.audit("fields_changed", node_id=node_id, detail=detail, system=True)

    def reassign(
        self, task: Task, heir: OAUser, reason: str, *, principal_id: int | None
    ) -> Task | None:
        """Move a live task to ``heir`` (hand-over, agents): the old one is cancelled and the
        heir gets the same part (role, place in line, added signers' parent). None when the
        heir already signs at this node: one task each, never two."""
        waiting = task.status is TaskStatus.WAITING
        self.cancel_task(task, reason)
        if any(
            other.assignee_id == heir.id and other.status in LIVE_TASK
            for other in self.tasks_of(task.activation)
        ):
            return None
        return self.create_task(
            task.activation,
            heir.username,
            role=task.role,
            waiting=waiting,
            sequence=task.sequence,
            blocking=task.blocking,
            parent_id=task.parent_task_id,
            principal_id=principal_id,
        )

    def _agents(self, activation: Activation, user: OAUser) -> list[OAUser]:
        """``user`` and the agents their tasks go to today (§3.4), the last one handles it.

        Not at a node whose type takes no agents (the start node: initiators resubmit
        themselves), and not to someone who already signs at this node (one task each).
        """
        if not self.node_type(activation.node_id).takes_agents or user.id in self._undelegated:
            return [user]
        with self.session.no_autoflush:  # agents are set by their own commands
            chain = delegation_chain(
                self.session, user, category=self.instance.definition.category, on=date.today()
            )
        signing = {t.assignee_id for t in self.tasks_of(activation) if t.status in LIVE_TASK}
        return [user] if chain[-1].id in signing else chain

    def open_task(self, task: Task) -> None:
        move(task, TaskStatus.OPEN)
        task.due_at = self._due_at(task.node_id)
        self._deadline_timer(task)
        notices.task_arrived(self.session, task)
        self.audit("task_opened", node_id=task.node_id, task_id=task.id, system=True)

    def cancel_task(self, task: Task, reason: str, action: str | None = None) -> None:
        move(task, TaskStatus.CANCELLED)
        self.task_ended(task)
        task.completed_at = utcnow()
        task.action = action or task.action
        overtime.close(self.session, task, task.completed_at)  # taken away late: how late
        self.audit(
            "task_cancelled", node_id=task.node_id, task_id=task.id, detail={"reason": reason}
        )

    def _deadline_hours(self, node_id: str) -> float:
        """The node's hours to handle a to-do (its own, else the §3.3 default)."""
        return self.spec.nodes[node_id].deadline_hours

    def _due_at(self, node_id: str) -> datetime:
        """When a to-do arriving now is due: its hours counted by the business calendar."""
        return calendar().add(utcnow(), self._deadline_hours(node_id))

    def _next_seq(self) -> int:
        """The next activation number of the instance; the largest is read once per
        transaction, then counted on (every activation is numbered here)."""
        last = _memo(self.session, "seq")
        if self.instance.id not in last:
            # No flush: activations are numbered only here, so before the transaction's
            # first number none of the instance's can be pending (a savepoint flushed the
            # ones before it, and its rollback forgets the number).
            with self.session.no_autoflush:
                last[self.instance.id] = (
                    self.session.scalar(
                        select(func.max(Activation.seq)).where(
                            Activation.instance_id == self.instance.id
                        )
                    )
                    or 0
                )
        last[self.instance.id] += 1
        return last[self.instance.id]
