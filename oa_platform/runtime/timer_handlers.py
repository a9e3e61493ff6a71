"""What a due timer does (regulations §3.3): a passed deadline, a reminder before it, an
unanswered question, a node's escalation, and node types' own timers.

Each runs inside the transaction that marks its timer done (``timers.fire_claimed`` commits
a chunk of timers together, ``timers.fire`` one timer or records its failure), so a timer's
effects happen once or not at all. Handlers never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from form_builder.clock import utcnow
from oa_platform.runtime import deferred, notices, overtime
from oa_platform.runtime.assignees import head_for
from oa_platform.runtime.business_calendar import calendar
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.models import (
    PROCESS_SUBJECT,
    Activation,
    Instance,
    Question,
    Task,
    Timer,
)
from oa_platform.runtime.states import ACTIONABLE_TASK, ActivationStatus, InstanceStatus
from plugins.contract import Action

if TYPE_CHECKING:
    from oa_platform.runtime.commands import Runtime

# Timer kinds whose handlers change nothing but the audit trail and notifications.
_NOTICES_ONLY = frozenset({"reminder", "question"})


class TimerHandlers:
    """Dispatches a process instance's due timer by its kind to the handler that knows what
    it means (the ``process`` timer subject's handler, ``process_timers.py``)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.session = runtime.session

    def fire(self, timer: Timer) -> None:
        handlers = {
            "deadline": self._deadline_passed,
            "reminder": self._reminder_due,
            "question": self._question_due,
            "escalation": self._escalation_due,
            "node": self._node_timer_due,
        }
        if timer.subject_kind != PROCESS_SUBJECT:
            raise ValueError(f"timer {timer.id} is a {timer.subject_kind!r} timer, not a process's")
        if timer.kind not in handlers:
            raise ValueError(f"unknown timer kind {timer.kind!r}")
        instance = self.session.get(Instance, timer.instance_id)
        if instance.status not in {InstanceStatus.RUNNING, InstanceStatus.RETURNED}:
            return  # finished, revoked or in error: nothing is waiting any more
        handlers[timer.kind](Engine(self.session, self.runtime.types, instance, None), timer)
        # A reminder or an overdue question only tells people: the instance keeps its
        # revision (a racing command still conflicts on the audit chain's sequence, as a
        # view does), and a chunk of them writes no instance rows.
        if timer.kind not in _NOTICES_ONLY:
            instance.updated_at = utcnow()

    def _live_task(self, timer: Timer) -> Task | None:
        task = self.session.get(Task, timer.task_id)
        return task if task is not None and task.status in ACTIONABLE_TASK else None

    def _deadline_passed(self, engine: Engine, timer: Timer) -> None:
        task = self._live_task(timer)
        if task is None:
            return  # handled in time, or the chain moved on
        due = task.due_at.isoformat(timespec="seconds")
        engine.audit(
            "overdue",
            node_id=task.node_id,
            task_id=task.id,
            detail={"assignee": task.assignee.username, "due_at": due},
            system=True,
        )
        deferred.defer_task_event(self.session, "deadline_passed", task, due_at=due)
        notices.overdue(self.session, task)
        overtime.record(self.session, task)
        rule = engine.nodes[task.node_id].get("escalation")
        if rule is None:
            return
        hours = rule.get("after_hours", 0)
        if hours:
            self.session.add(
                Timer(
                    due_at=calendar().add(task.due_at, hours),
                    kind="escalation",
                    instance_id=task.instance_id,
                    activation_id=task.activation_id,
                    task_id=task.id,
                )
            )
        else:
            self._escalate(engine, task, rule)

    def _escalation_due(self, engine: Engine, timer: Timer) -> None:
        task = self._live_task(timer)
        rule = engine.nodes[task.node_id].get("escalation") if task else None
        if task is not None and rule is not None:
            self._escalate(engine, task, rule)

    def _escalate(self, engine: Engine, task: Task, rule: Mapping[str, Any]) -> None:
        """Move the overdue to-do to the handler's head, or act on it as the system."""
        late = task.assignee
        detail: dict[str, Any] = {"from": late.username, "rule": dict(rule)}
        if "reassign_to" in rule:
            head = head_for(late)
            if head is None:
                detail["reason"] = "no head above the handler"
                self._audit(engine, "escalation_failed", task, detail)
                return
            # If the head already signs at this node, the node now waits for them alone.
            engine.reassign(task, head, "escalated: overdue", principal_id=None)
            self._audit(engine, "escalated", task, {**detail, "to": head.username})
            notices.escalated(self.session, task, head)
            return
        self._audit(engine, "escalated", task, detail)
        # Publishing checked the action against the node; should it fail now all the same,
        # the timer's transaction rolls back and is retried, then shown to admins as failed.
        action = Action(rule["action"])
        self.runtime.act_automatically(engine, task, action, rule.get("opinion", ""))

    @staticmethod
    def _audit(engine: Engine, event: str, task: Task, detail: dict[str, Any]) -> None:
        engine.audit(event, node_id=task.node_id, task_id=task.id, detail=detail, system=True)

    def _reminder_due(self, engine: Engine, timer: Timer) -> None:
        task = self._live_task(timer)
        if task is None:
            return
        engine.audit("reminded", node_id=task.node_id, task_id=task.id, system=True)
        notices.reminder(self.session, task)

    def _question_due(self, engine: Engine, timer: Timer) -> None:
        question = self.session.get(Question, timer.data["question"])
        if question is None or question.answered_at is not None:
            return
        engine.audit("question_overdue", detail={"question": question.id}, system=True)
        notices.question_overdue(self.session, question)

    def _node_timer_due(self, engine: Engine, timer: Timer) -> None:
        activation = self.session.get(Activation, timer.activation_id)
        if activation is None or activation.status is not ActivationStatus.ACTIVE:
            return
        engine.audit(
            "timer_fired", node_id=activation.node_id, detail={"name": timer.name}, system=True
        )
        engine.call_hook(activation, "on_timer", timer.name, timer.data)
        engine.run()
