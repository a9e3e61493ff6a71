"""The timer subject of process instances (``process``): a task's deadline and the reminder
before it, an unanswered question, a node's escalation and node types' own timers
(regulations §3.3), fired by :class:`~oa_platform.runtime.timer_handlers.TimerHandlers`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from oa_platform.runtime import audit
from oa_platform.runtime.models import PROCESS_SUBJECT, Instance, Task, Timer
from plugins.contract import N_
from plugins.timer_subject import TimerSubject


class ProcessTimers(TimerSubject):
    """Timers whose subject is a process instance (``subject_id`` = ``instance_id``)."""

    name = PROCESS_SUBJECT
    label = N_("Process instance")

    def handler(self, session: Session) -> Callable[[Timer], None]:
        from oa_platform.runtime.services import runtime  # the app's commands, at call time

        return runtime().timer_fired

    def load(self, session: Session, timers: Sequence[Timer]) -> list[Any]:
        """The instances (with their definition versions), tasks and audit chain heads of
        ``timers`` in a few queries, so the handlers find them in the session."""
        instance_ids = {timer.instance_id for timer in timers}
        audit.read_heads(session, instance_ids)
        task_ids = {timer.task_id for timer in timers if timer.task_id is not None}
        loaded: list[Any] = []
        if instance_ids:
            loaded += session.scalars(
                select(Instance)
                .where(Instance.id.in_(instance_ids))
                .options(selectinload(Instance.definition_version))
            )
        if task_ids:
            loaded += session.scalars(select(Task).where(Task.id.in_(task_ids)))
        return loaded

    def titles(self, session: Session, ids: Sequence[int]) -> dict[int, str]:
        named = select(Instance.id, Instance.title).where(Instance.id.in_(ids))
        return {instance_id: title for instance_id, title in session.execute(named)}

    def retried(self, session: Session, timer: Timer, actor_id: int) -> None:
        audit.append(
            session,
            timer.instance_id,
            "timer_retried",
            actor_id=actor_id,
            detail={"timer": timer.id, "kind": timer.kind},
        )
