"""Questions between participants, answered within 24 hours like any to-do (§3.3, §3.6)."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.runtime import notices, policy
from oa_platform.runtime.business_calendar import calendar
from oa_platform.runtime.commands.base import CommandContext
from oa_platform.runtime.exceptions import (
    InstanceNotFoundError,
    NotAllowedError,
    TaskAlreadyHandledError,
)
from oa_platform.runtime.models import Question, Timer
from oa_platform.runtime.states import ACTIONABLE_TASK
from oa_platform.runtime.texts import QUESTION, bounded
from oa_platform.runtime.visibility import visible_instance


def ask(ctx: CommandContext, actor: OAUser, instance_id: int, to: str, text: str) -> Question:
    """A participant asks the initiator (or another participant) a question."""
    instance = visible_instance(ctx.session, actor, instance_id)
    refusal = policy.ask_refusal(instance, actor)
    if refusal:
        raise NotAllowedError(refusal)
    text = bounded(gettext("question"), text, QUESTION)
    target = ctx.active_user(to)
    participants = {instance.initiator_id} | {t.assignee_id for t in instance.tasks}
    if target.id not in participants or target.id == actor.id:
        raise NotAllowedError(gettext("Questions go to the initiator or another participant."))
    if not text:
        raise NotAllowedError(gettext("Write the question."))
    live = [t for t in instance.tasks if t.assignee_id == actor.id and t.status in ACTIONABLE_TASK]
    question = Question(
        instance_id=instance.id,
        task_id=live[0].id if live else None,
        asked_by_id=actor.id,
        asked_to_id=target.id,
        text=text,
    )
    ctx.session.add(question)
    ctx.session.flush()
    ctx.engine(instance, actor).audit(
        "question",
        detail={"question": question.id, "to": target.username, "text": question.text},
    )
    notices.question_asked(ctx.session, question)
    # §3.3: a question is answered within 24 hours, like any to-do.
    hours = current_app.config["OA_QUESTION_HOURS"]
    ctx.session.add(
        Timer(
            due_at=calendar().add(question.asked_at, hours),
            kind="question",
            instance_id=instance.id,
            data={"question": question.id},
        )
    )
    instance.updated_at = utcnow()
    return question


def answer(ctx: CommandContext, actor: OAUser, question_id: int, text: str) -> Question:
    """The person asked answers the question."""
    question = ctx.session.get(Question, question_id)
    if question is None:
        raise InstanceNotFoundError("question")
    instance = visible_instance(ctx.session, actor, question.instance_id)
    if question.asked_to_id != actor.id:
        raise NotAllowedError(gettext("The question was asked of someone else."))
    if question.answered_at is not None:
        raise TaskAlreadyHandledError(gettext("The question is already answered."))
    text = bounded(gettext("answer"), text, QUESTION)
    if not text:
        raise NotAllowedError(gettext("Write the answer."))
    question.answer = text
    question.answered_at = utcnow()
    ctx.engine(instance, actor).audit(
        "answer", detail={"question": question.id, "text": question.answer}
    )
    notices.question_answered(ctx.session, question)
    instance.updated_at = utcnow()
    return question
