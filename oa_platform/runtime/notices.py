"""What the runtime tells people, through the notification centre (one notice per event per
person: the keys below name the event)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from form_builder.chain import node_name
from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.notifications.service import notify, notify_users
from oa_platform.runtime.models import Instance, Question, Task


def _link(instance: Instance, task: Task | None = None) -> str:
    return f"/instances/{instance.id}" + (f"?task={task.id}" if task else "")


def _node_name(instance: Instance, node_id: str) -> str:
    return node_name(instance.definition_version.document, node_id)


def task_arrived(session: Session, task: Task) -> None:
    """A to-do (or a copy to read) reached its handler."""
    instance = task.instance
    what = "To do" if task.blocking else "For your information"
    notify(
        session,
        [task.assignee_id],
        kind="task" if task.blocking else "copy",
        key=f"task:{task.id}",
        subject=f"{what}: {_node_name(instance, task.node_id)} — {instance.title}",
        link=_link(instance, task),
        task_id=task.id,
    )


def urged(session: Session, instance: Instance, handlers: list[str]) -> None:
    """The initiator urged the handlers: at most one reminder an hour (no floods)."""
    hour = utcnow().strftime("%Y-%m-%dT%H")
    notify_users(
        session,
        handlers,
        kind="urged",
        key=f"urge:{instance.id}:{hour}",
        subject=f"Please handle soon: {instance.title}",
        link=_link(instance),
    )


def overdue(session: Session, task: Task) -> None:
    """A deadline passed: the handler and their department head are told (§3.3)."""
    people = [task.assignee_id]
    assignee: OAUser = task.assignee
    head = assignee.department.head if assignee.department else None
    if head is not None and head.id != assignee.id:
        people.append(head.id)
    notify(
        session,
        people,
        kind="overdue",
        key=f"task:{task.id}",
        subject=f"Overdue: {_node_name(task.instance, task.node_id)} — {task.instance.title} "
        f"({assignee.get_full_name()})",
        link=_link(task.instance),
        task_id=task.id,
    )


def escalated(session: Session, task: Task, head: OAUser) -> None:
    """An overdue to-do was moved to the head: the late handler is told where it went."""
    notify(
        session,
        [task.assignee_id],
        kind="escalated",
        key=f"task:{task.id}",
        subject=f"Passed to {head.get_full_name()} as it was overdue: "
        f"{_node_name(task.instance, task.node_id)} — {task.instance.title}",
        link=_link(task.instance),
    )


def reminder(session: Session, task: Task) -> None:
    """Most of the task's time has passed (``OA_REMINDER_PERCENT``)."""
    notify(
        session,
        [task.assignee_id],
        kind="reminder",
        key=f"task:{task.id}",
        subject=f"Due soon: {_node_name(task.instance, task.node_id)} — {task.instance.title}",
        link=_link(task.instance, task),
        task_id=task.id,
    )


def question_overdue(session: Session, question: Question) -> None:
    """A question was not answered within its 24 hours (§3.3): both sides are told."""
    recipients = [question.asked_to_id, question.asked_by_id]
    _about_question(session, question, recipients, "overdue", "Unanswered question on {}")


def question_asked(session: Session, question: Question) -> None:
    subject = "Question on {} (answer within 24 hours)"
    _about_question(session, question, [question.asked_to_id], "question", subject)


def question_answered(session: Session, question: Question) -> None:
    subject = "Your question on {} was answered"
    _about_question(session, question, [question.asked_by_id], "answer", subject)


def _about_question(
    session: Session, question: Question, user_ids: list[int], kind: str, subject: str
) -> None:
    instance = session.get(Instance, question.instance_id)
    notify(
        session,
        user_ids,
        kind=kind,
        key=f"question:{question.id}",
        subject=subject.format(instance.title),
        link=_link(instance),
    )


def node_notice(
    session: Session, instance: Instance, key: str, usernames: list[str], subject: str
) -> None:
    """A node type's own notice (``NodeContext.notify``)."""
    notify_users(session, usernames, kind="notice", key=key, subject=subject, link=_link(instance))
