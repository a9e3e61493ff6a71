"""Agreeing to many to-dos at once from the inbox (批量审批; issue 19, deliver 2).

The rule (regulations §3.5): a to-do is agreed in bulk only where agreeing needs no opinion,
or with the one opinion the person typed for all of them. Nothing else about the batch is a
rule of its own: each to-do is agreed through the same command as its page's Agree button
(``Runtime.act``), in its own transaction, so one refused or conflicting item changes nothing
of the others, and every item gets its result, with the command's own reason when refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import TextAreaField

from oa_platform.accounts.models import OAUser
from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.exceptions import RuntimeCommandError
from oa_platform.runtime.models import Instance, Task, shown_title
from oa_platform.runtime.services import runtime
from oa_platform.runtime.texts import OPINION, bounded
from plugins.contract import Action

# At most this many to-dos in one batch: a page of the inbox is 50; two pages' worth.
MAX_ITEMS = 100


class BulkApprovalForm(FlaskForm):
    """The inbox's batch: the chosen to-dos come as ``task`` values, beside the token."""

    opinion = TextAreaField(lazy_gettext("One opinion for all (optional)"))


class BulkApprovalRefusedError(RuntimeCommandError):
    """The batch as a whole cannot be taken (nothing chosen, too many, opinion too long)."""

    status = 422


@dataclass(frozen=True)
class ItemResult:
    """What happened to one chosen to-do."""

    task_id: int
    instance_id: int | None
    title: str
    agreed: bool
    reason: str = ""  # why not, as the command words it


def batch_refusal(task_ids: Sequence[int], opinion: str) -> str | None:
    """Why the batch cannot be taken at all, or None."""
    if not task_ids:
        return gettext("Choose the to-dos to agree to.")
    if len(task_ids) > MAX_ITEMS:
        return gettext("Agree to at most %(count)s to-dos at once.", count=MAX_ITEMS)
    try:
        bounded(gettext("opinion"), opinion, OPINION)
    except RuntimeCommandError as error:
        return error.message
    return None


def _titles(session: Session, actor: OAUser, task_ids: Sequence[int]) -> dict[int, tuple]:
    """(instance id, title) of the chosen to-dos that are the actor's own: another person's
    task id gets no title (it is "not found", as its page would be)."""
    query = (
        select(Task.id, Instance.id, Instance.title, Instance.title_texts)
        .join(Instance, Task.instance_id == Instance.id)
        .where(Task.id.in_(task_ids), Task.assignee_id == actor.id)
    )
    return {
        task_id: (instance_id, shown_title(title, texts))
        for task_id, instance_id, title, texts in session.execute(query)
    }


def agree_to_all(
    session: Session, actor: OAUser, task_ids: Sequence[int], opinion: str = ""
) -> list[ItemResult]:
    """Agree to each of ``task_ids`` (in the order given, each once) with ``opinion``; one
    result per to-do. Raises :class:`BulkApprovalRefusedError` for a batch that cannot be
    taken at all."""
    chosen = list(dict.fromkeys(task_ids))
    refusal = batch_refusal(chosen, opinion)
    if refusal:
        raise BulkApprovalRefusedError(refusal)
    titles = _titles(session, actor, chosen)
    results = []
    for task_id in chosen:
        instance_id, title = titles.get(task_id, (None, ""))
        if instance_id is None:
            results.append(ItemResult(task_id, None, "", False, gettext("There is no such to-do.")))
            continue
        try:
            runtime().act(actor, task_id, ActionRequest(str(Action.AGREE), opinion=opinion))
        except RuntimeCommandError as error:
            results.append(ItemResult(task_id, instance_id, title, False, error.message))
        else:
            results.append(ItemResult(task_id, instance_id, title, True))
    return results
