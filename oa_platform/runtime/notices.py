"""What the runtime tells people, through the notification centre: one line each, saying what
happened and why, in the reader's language, linking to the place (issue 19, deliver 1).

One notice per event per person: the keys below name the event. A notice about a to-do
carries its id and is cleared once the to-do is handled (``notifications.service.withdraw``).
The engine and the commands call the functions here for what they start (a to-do, a
reminder, a question); what a step decided (approved, returned, terminated, finished, taken
over by an agent) is read from the trail the step wrote (``runtime/trail_notices.py``).
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from form_builder.chain import node_name
from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.notifications.service import clear, notify_users, tell
from oa_platform.runtime.models import Instance, Question, Task
from oa_platform.runtime.states import LIVE_TASK


def link(instance: Instance, task: Task | None = None) -> str:
    """The instance page (opened on ``task`` when given)."""
    return f"/instances/{instance.id}" + (f"?task={task.id}" if task else "")


class step:
    """The name of node ``node_id`` of the instance's definition, in the language of whoever
    reads it: written out when the notice's line is, in its reader's language."""

    def __init__(self, instance: Instance, node_id: str) -> None:
        self.document, self.node_id = instance.definition_version.document, node_id

    def __str__(self) -> str:
        return node_name(self.document, self.node_id)


def _people(session: Session, user_ids: list[int]) -> list[OAUser]:
    # Usually in the session already (the engine loaded them): no query then.
    return [person for person in (session.get(OAUser, i) for i in user_ids) if person]


def task_arrived(session: Session, task: Task) -> None:
    """A to-do (or a copy to read) reached its handler."""
    instance = task.instance
    where = step(instance, task.node_id)

    def message() -> str:  # in the recipient's language, as the title
        title = instance.shown_title
        if task.blocking:
            return gettext("To do: %(step)s — %(title)s", step=where, title=title)
        return gettext("For your information: %(step)s — %(title)s", step=where, title=title)

    tell(
        session,
        _people(session, [task.assignee_id]),
        kind="task" if task.blocking else "copy",
        key=f"task:{task.id}",
        link=link(instance, task),
        message=message,
        task_id=task.id,
    )


def urged(session: Session, instance: Instance, handlers: list[str]) -> None:
    """The initiator urged the handlers: at most one reminder an hour (no floods); each
    handler's notice names their to-do, so handling it clears the urge."""
    hour = utcnow().strftime("%Y-%m-%dT%H")
    by = instance.initiator.get_full_name()
    tasks = session.scalars(
        select(Task)
        .join(OAUser, Task.assignee_id == OAUser.id)
        .where(
            Task.instance_id == instance.id,
            Task.status.in_(LIVE_TASK),
            Task.blocking.is_(True),
            OAUser.username.in_(handlers),
        )
        .order_by(Task.id)
    )
    for task in tasks:
        where = step(instance, task.node_id)
        tell(
            session,
            [task.assignee],
            kind="urged",
            key=f"urge:{instance.id}:{hour}",
            link=link(instance, task),
            message=lambda where=where: gettext(
                "%(person)s urges you to handle %(step)s — %(title)s",
                person=by,
                step=where,
                title=instance.shown_title,
            ),
            task_id=task.id,
        )


def overdue(session: Session, task: Task) -> None:
    """A deadline passed: the handler and their department head are told (§3.3)."""
    assignee: OAUser = task.assignee
    people = [assignee]
    head = assignee.department.head if assignee.department else None
    if head is not None and head.id != assignee.id:
        people.append(head)
    instance, who = task.instance, assignee.get_full_name()
    where = step(instance, task.node_id)
    tell(
        session,
        people,
        kind="overdue",
        key=f"task:{task.id}",
        link=link(instance),
        message=lambda: gettext(
            "Overdue: %(step)s — %(title)s (%(person)s)",
            step=where,
            title=instance.shown_title,
            person=who,
        ),
        task_id=task.id,
    )


def escalated(session: Session, task: Task, head: OAUser) -> None:
    """An overdue to-do was moved to the head: the late handler is told where it went."""
    instance, where, to = task.instance, step(task.instance, task.node_id), head.get_full_name()
    tell(
        session,
        [task.assignee],
        kind="escalated",
        key=f"task:{task.id}",
        link=link(instance),
        message=lambda: gettext(
            "Passed to %(person)s as it was overdue: %(step)s — %(title)s",
            person=to,
            step=where,
            title=instance.shown_title,
        ),
    )


def reminder(session: Session, task: Task) -> None:
    """Most of the task's time has passed (``OA_REMINDER_PERCENT``)."""
    instance, where = task.instance, step(task.instance, task.node_id)
    tell(
        session,
        [task.assignee],
        kind="reminder",
        key=f"task:{task.id}",
        link=link(instance, task),
        message=lambda: gettext(
            "Due soon: %(step)s — %(title)s", step=where, title=instance.shown_title
        ),
        task_id=task.id,
    )


def question_overdue(session: Session, question: Question) -> None:
    """A question was not answered within its 24 hours (§3.3): both sides are told."""
    instance = session.get(Instance, question.instance_id)
    tell(
        session,
        _people(session, [question.asked_to_id, question.asked_by_id]),
        kind="overdue",
        key=f"question:{question.id}",
        link=link(instance),
        message=lambda: gettext("Unanswered question on %(title)s", title=instance.shown_title),
    )


def question_asked(session: Session, question: Question) -> None:
    """The person asked is told who asks (the question's text is on the page)."""
    instance = session.get(Instance, question.instance_id)
    [by] = _people(session, [question.asked_by_id])
    tell(
        session,
        _people(session, [question.asked_to_id]),
        kind="question",
        key=f"question:{question.id}",
        link=link(instance),
        message=lambda: gettext(
            "%(person)s asks you about %(title)s (answer within 24 hours)",
            person=by.get_full_name(),
            title=instance.shown_title,
        ),
    )


def question_answered(session: Session, question: Question) -> None:
    """The asker is told who answered; the question's notice to the answerer is cleared."""
    instance = session.get(Instance, question.instance_id)
    [to] = _people(session, [question.asked_to_id])
    clear(session, user_id=question.asked_to_id, kind="question", key=f"question:{question.id}")
    tell(
        session,
        _people(session, [question.asked_by_id]),
        kind="answer",
        key=f"question:{question.id}",
        link=link(instance),
        message=lambda: gettext(
            "%(person)s answered your question on %(title)s",
            person=to.get_full_name(),
            title=instance.shown_title,
        ),
    )


def node_notice(
    session: Session, instance: Instance, key: str, usernames: list[str], subject: str
) -> None:
    """A node type's own notice (``NodeContext.notify``), as the node type wrote it."""
    notify_users(session, usernames, kind="notice", key=key, subject=subject, link=link(instance))
