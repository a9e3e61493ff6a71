"""Who may open what among official documents: the one owner of the rule (seed 2 §6.2, §6.3).

A document opens for its recipients (and the agents they named for documents, §4.4), the
issuing side (the drafter, the signers and everyone who handled its issuing instance) and
Auditors. Everyone else is told it does not exist (404), on every page, the API, the
attachments and the PDF. Only the issuing side sees the receipt board and urges; only a
recipient, or their agent, acknowledges.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from oa_platform.agents.models import AgentDelegation
from oa_platform.documents.distribution import CATEGORY
from oa_platform.documents.models import Document, Recipient
from oa_platform.runtime.models import Task
from oa_platform.runtime.visibility import is_auditor


class DocumentNotFoundError(LookupError):
    """The document does not exist, or the person may not know it does (404)."""


def principals(session: Session, agent_id: int, on: date) -> list[int]:
    """The people whose documents ``agent_id`` handles today (their delegation covers the
    documents category, or every category)."""
    rows = session.execute(
        select(AgentDelegation.principal_id, AgentDelegation.categories).where(
            AgentDelegation.agent_id == agent_id,
            AgentDelegation.starts_on <= on,
            AgentDelegation.ends_on >= on,
            AgentDelegation.revoked_at.is_(None),
        )
    )
    return [principal for principal, categories in rows if not categories or CATEGORY in categories]


def receiving(session: Session, user_id: int, on: date) -> list[int]:
    """Whose received documents ``user_id`` reads and acknowledges on ``on``: their own and
    those of the principals who named them agent for documents (§4.4). The one rule behind
    the library's "received", the Received lists, the inbox's Documents tab and its badge."""
    return [user_id, *principals(session, user_id, on)]


def may_acknowledge(acknowledged_at: datetime | None, status: str) -> bool:
    """A received copy is acknowledged (签收, §4.4) once, while the document is not withdrawn
    (a withdrawn document is no longer in force: there is nothing to sign for)."""
    return acknowledged_at is None and status != "withdrawn"


def awaiting_acknowledgement() -> ColumnElement[bool]:
    """:func:`may_acknowledge` as a filter on :class:`Recipient` joined to its
    :class:`Document`: the unread documents that lists put first and badges count."""
    return and_(Recipient.acknowledged_at.is_(None), Document.status != "withdrawn")


def issuing_side(user) -> ColumnElement[bool]:
    """A filter on :class:`Document`: ``user`` drafted, signed or handled its issue."""
    handled = exists().where(
        Task.instance_id == Document.instance_id,
        or_(Task.assignee_id == user.id, Task.principal_id == user.id),
    )
    return or_(Document.drafter_id == user.id, Document.issuer_id == user.id, handled)


def readable(session: Session, user, on: date) -> ColumnElement[bool]:
    """A filter on :class:`Document` for what ``user`` may open (``on``: today, for agents)."""
    if is_auditor(user):
        return Document.id.is_not(None)
    people = receiving(session, user.id, on)
    received = exists().where(Recipient.document_id == Document.id, Recipient.user_id.in_(people))
    return or_(received, issuing_side(user))


def openable(session: Session, user, document_id: int, on: date) -> Document:
    """The document, or :class:`DocumentNotFoundError` whether missing or not for ``user``."""
    found = session.scalar(
        select(Document).where(Document.id == document_id, readable(session, user, on))
    )
    if found is None:
        raise DocumentNotFoundError(document_id)
    return found


def is_issuing_side(session: Session, user, document: Document) -> bool:
    return (
        session.scalar(select(Document.id).where(Document.id == document.id, issuing_side(user)))
        is not None
    )


def may_see_board(session: Session, user, document: Document) -> bool:
    """The receipt board: the issuing side and Auditors (§4.5)."""
    return is_auditor(user) or is_issuing_side(session, user, document)


def may_urge(session: Session, user, document: Document) -> bool:
    """Urging the unopened: the issuing side only (Auditors change nothing)."""
    return document.status == "issued" and is_issuing_side(session, user, document)


def own_copy(
    session: Session, user, document: Document, on: date, whose: int | None = None
) -> Recipient | None:
    """The recipient row ``user`` acts on: their own, else one of a principal who named them
    agent for documents (§4.4); None when they received nothing. ``whose`` picks the copy of
    that person (``user`` or a principal: a row of their list), None when it is not theirs."""
    if whose is not None:
        if whose != user.id and whose not in principals(session, user.id, on):
            return None
        return session.scalar(
            select(Recipient).where(
                Recipient.document_id == document.id, Recipient.user_id == whose
            )
        )
    own = session.scalar(
        select(Recipient).where(Recipient.document_id == document.id, Recipient.user_id == user.id)
    )
    if own is not None:
        return own
    people = principals(session, user.id, on)
    if not people:
        return None
    return session.scalar(
        select(Recipient)
        .where(Recipient.document_id == document.id, Recipient.user_id.in_(people))
        .order_by(Recipient.id)
        .limit(1)
    )


PRINT_REQUEST = "document_print_request"  # the shipped print request definition (§4.1)


def print_allowances(session: Session, user, document: Document) -> list[tuple[int, int, int]]:
    """(request instance id, copies approved, copies printed) of ``user``'s approved print
    requests for ``document`` (§4.1: paper copies only with approval; none: none offered)."""
    from sqlalchemy import func

    from form_builder.models import ProcessDefinition
    from oa_platform.documents.models import PrintedCopy
    from oa_platform.runtime.models import Instance
    from oa_platform.runtime.states import InstanceStatus

    approved = session.scalars(
        select(Instance)
        .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
        .where(
            ProcessDefinition.key == PRINT_REQUEST,
            Instance.initiator_id == user.id,
            Instance.status == InstanceStatus.COMPLETED,
        )
        .order_by(Instance.id)
    )
    found = []
    for request in approved:
        if request.values.get("document_number") != document.number:
            continue
        printed = session.scalar(
            select(func.count()).where(PrintedCopy.request_instance_id == request.id)
        )
        found.append((request.id, int(request.values.get("copies") or 0), int(printed or 0)))
    return found
