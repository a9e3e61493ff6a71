"""Deleting an account (issue 19, defect 6).

Deleting is for an account made by mistake. An account the records name (a task, an
instance, the trail, a department it heads) is never deleted: the records must keep saying
who acted (§6.1), so the delete is refused with the records named, and the person is
deactivated instead (§4.2). A delete that goes ahead is recorded in the account audit by the
same transaction.
"""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext
from sqlalchemy import Column, exists, select
from sqlalchemy.orm import Session

from oa_platform.accounts.audit import record_account_event
from oa_platform.accounts.exceptions import AccountError
from oa_platform.accounts.models import OAUser
from oa_platform.unit_of_work import command

# What a table that names a person is, as the refusal says it.
_RECORDS = {
    "process_task": lazy_gettext("process tasks"),
    "process_instance": lazy_gettext("process instances"),
    "process_audit": lazy_gettext("the process audit trail"),
    "process_question": lazy_gettext("questions on processes"),
    "process_overtime": lazy_gettext("overtime records"),
    "org_department": lazy_gettext("departments (as head or leader in charge)"),
    "agent_delegation": lazy_gettext("agent delegations"),
    "definition_version": lazy_gettext("process definitions"),
    "definition_event": lazy_gettext("process definitions"),
    "form_attachment": lazy_gettext("uploaded files"),
    "ab_user": lazy_gettext("other accounts (as successor or creator)"),
}


class UserDeleteRefusedError(AccountError):
    """The account may not be deleted; the message says why and what to do instead."""


def _references() -> list[Column]:
    """The columns that name a person and keep their row when the person goes (no
    ``ON DELETE CASCADE`` or ``SET NULL``): each one stops a delete."""
    table = OAUser.__table__
    found = []
    for other in table.metadata.tables.values():
        for key in other.foreign_keys:
            if key.column is table.c.id and (key.ondelete or "").upper() not in {
                "CASCADE",
                "SET NULL",
            }:
                found.append(key.parent)
    return found


def delete_refusal(session: Session, actor: OAUser, target: OAUser) -> str | None:
    """Why ``actor`` may not delete ``target``, or None when they may."""
    if actor.id == target.id:
        return gettext("You cannot delete your own account.")
    records = []
    for column in _references():
        if session.scalar(select(exists().where(column == target.id))):
            label = str(_RECORDS.get(column.table.name, column.table.name))
            if label not in records:
                records.append(label)
    if records:
        return gettext(
            "%(name)s cannot be deleted: the account is named in %(records)s, which must keep "
            "saying who acted (§6.1). Deactivate it instead (§4.2).",
            name=target.signature(),
            records=", ".join(records),
        )
    return None


@command
def delete_user(session: Session, actor: OAUser, target: OAUser) -> None:
    """Delete ``target`` and record it in the account audit, or refuse with the reason."""
    refusal = delete_refusal(session, actor, target)
    if refusal:
        raise UserDeleteRefusedError(refusal)
    record_account_event(
        session,
        "user_deleted",
        subject_username=target.username,
        actor_id=actor.id,
        detail={"name": target.get_full_name(), "email": target.email},
    )
    session.delete(target)
