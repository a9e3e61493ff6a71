"""The :class:`plugins.contract.NodeContext` the engine hands to node-type hooks.

It exposes the instance's data and a few verbs (create, open, cancel tasks; complete the
node; return, terminate, finish the instance); every verb goes through the engine, so hooks
never see the session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from form_builder import expression
from oa_platform.runtime import assignees, notices
from plugins.contract import NodeType, TaskView

if TYPE_CHECKING:
    from oa_platform.runtime.engine import Engine
    from oa_platform.runtime.models import Activation, Task


def task_view(task: Task) -> TaskView:
    return TaskView(
        id=task.id,
        assignee=task.assignee.username,
        status=str(task.status),
        role=task.role,
        sequence=task.sequence,
        action=task.action,
        parent_id=task.parent_task_id,
        blocking=task.blocking,
    )


class EngineContext:
    """One node of one instance, as a hook sees it."""

    def __init__(self, engine: Engine, activation: Activation, node_type: NodeType):
        self._engine = engine
        self._activation = activation
        self.node_type = node_type
        self.instance_id = engine.instance.id
        self.node: Mapping[str, Any] = engine.nodes[activation.node_id]
        self.config: Mapping[str, Any] = self.node.get("config", {})
        self.initiator = engine.instance.initiator.username
        self.incoming = len(engine.incoming[activation.node_id])

    @property
    def values(self) -> Mapping[str, Any]:
        return self._engine.instance.values

    @property
    def arrivals(self) -> int:
        return self._activation.arrivals

    def assignees(self) -> list[str]:
        """The rule's users; at a node that decides, after §8.6 (``keep_initiator_off``):
        the trail says why the initiator was left out or the to-do went up, and a node left
        with nobody completes as "skipped"."""
        found = self._engine.assignees(self.node)
        if not self.node_type.decides:
            return [user.username for user in found]
        spec = self._engine.spec.nodes[self._activation.node_id]
        with self._engine.session.no_autoflush:  # it reads the organisation (see Engine)
            assignment = assignees.keep_initiator_off(
                found,
                rule=self.node.get("assignee", {}),
                initiator=self._engine.instance.initiator,
                mode=spec.self_approval,
                node_id=spec.id,
                node_name=spec.name,
            )
        if assignment.note is not None:
            self.audit("self_approval", **assignment.note)
        if assignment.skipped:
            self.complete("skipped")
        return [user.username for user in assignment.users]

    def tasks(self) -> list[TaskView]:
        return [task_view(task) for task in self._engine.tasks_of(self._activation)]

    def create_task(
        self,
        username: str,
        *,
        role: str = "primary",
        waiting: bool = False,
        sequence: int = 0,
        blocking: bool = True,
        parent: TaskView | None = None,
    ) -> TaskView:
        task = self._engine.create_task(
            self._activation,
            username,
            role=role,
            waiting=waiting,
            sequence=sequence,
            blocking=blocking,
            parent_id=parent.id if parent else None,
        )
        return task_view(task)

    def open_task(self, task: TaskView) -> None:
        self._engine.open_task(self._engine.task(task.id))

    def cancel_task(self, task: TaskView, reason: str) -> None:
        self._engine.cancel_task(self._engine.task(task.id), reason)

    def complete(self, outcome: str = "agree") -> None:
        self._engine.schedule_leave(self._activation, outcome)

    def return_to_initiator(self, reason: str) -> None:
        self._engine.schedule(lambda: self._engine.return_to_initiator(reason))

    def terminate(self, reason: str) -> None:
        self._engine.schedule(lambda: self._engine.terminate(reason))

    def finish(self) -> None:
        self._engine.schedule(lambda: self._engine.finish(self._activation))

    def holds(self, source: str) -> bool:
        return expression.holds(source, self._engine.expression_values())

    def contacts(self) -> list[tuple[str, str]]:
        return [(user.username, user.email) for user in self._engine.assignees(self.node)]

    def set_value(self, key: str, value: Any) -> None:
        self._engine.set_value(self._activation.node_id, key, value)

    def notify(self, usernames: Sequence[str], subject: str) -> None:
        digest = hashlib.sha256(subject.encode()).hexdigest()[:16]
        key = f"notice:{self._activation.id}:{digest}"
        notices.node_notice(
            self._engine.session, self._engine.instance, key, list(usernames), subject
        )

    def set_timer(self, hours: float, name: str, **data: Any) -> None:
        self._engine.set_timer(self._activation, hours, name, data)

    def run_job(self, function: str, payload: Mapping[str, Any]) -> None:
        self._engine.defer_job(self._activation, function, payload)

    def audit(self, event: str, **detail: Any) -> None:
        self._engine.audit(event, node_id=self._activation.node_id, detail=detail, system=True)
