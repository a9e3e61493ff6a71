"""What the documents pages list: a person's received documents (their own and, as agent,
their principals'), the documents they issued with their receipt counts, and the library of
issued documents, searched by number, title, kind, unit, year and full text. Every list is
filtered by ``policy`` (what the reader may open)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, case, extract, func, or_, select
from sqlalchemy.orm import Session

from oa_platform.documents import policy, search
from oa_platform.documents.models import Document, DocumentTerm, Recipient
from oa_platform.documents.receipts import URGENCY_RANK
from oa_platform.org.models import shown_name

PAGE = 50
_URGENCY = case(URGENCY_RANK, value=Document.urgency, else_=9)


@dataclass(frozen=True)
class Received:
    document: Document
    copy: bool
    first_opened_at: object
    acknowledged_at: object
    principal: str | None  # when the reader acts as agent: for whom


@dataclass(frozen=True, slots=True)
class ReceivedRow:
    """One received copy as a list of them shows it: plain values, no document body."""

    document_id: int
    number: str
    title: str
    kind: str
    urgency: str
    issuing_unit_name: str
    issuing_unit_name_zh: str | None
    issue_date: date
    status: str  # the document's: issued, withdrawn, superseded
    copy: bool
    first_opened_at: datetime | None
    acknowledged_at: datetime | None
    recipient_id: int  # whose copy: the reader's, or a principal's (§4.4)
    principal: str | None  # the principal's name when the reader acts as agent

    @property
    def state(self) -> str:
        """The receipt: acknowledged, opened or new (unopened)."""
        if self.acknowledged_at is not None:
            return "acknowledged"
        return "opened" if self.first_opened_at is not None else "new"

    @property
    def unit_shown(self) -> str:
        """The issuing unit in the reader's language (``Document.unit_shown``)."""
        return shown_name(self.issuing_unit_name, self.issuing_unit_name_zh)

    @property
    def may_acknowledge(self) -> bool:
        return policy.may_acknowledge(self.acknowledged_at, self.status)


# Whose copies a list reads: ``policy.receiving`` of the reader, bound at execution.
_PEOPLE = bindparam("people", expanding=True)
# Unread (awaiting acknowledgement) first, urgent first, newest first.
_RECEIVED_ORDER = (
    case((policy.awaiting_acknowledgement(), 0), else_=1),
    _URGENCY,
    Document.issued_at.desc(),
    Recipient.id.desc(),
)
RECEIVED_STATES = ("unread", "acknowledged")


def _received(*columns: Any, state: str = "") -> Select:
    """The copies of the bound ``people`` with ``columns``, in the lists' order; ``state``
    narrows to the unread or the acknowledged."""
    query = (
        select(*columns)
        .select_from(Recipient)
        .join(Document, Document.id == Recipient.document_id)
        .where(Recipient.user_id.in_(_PEOPLE))
    )
    if state == "unread":
        query = query.where(policy.awaiting_acknowledgement())
    elif state == "acknowledged":
        query = query.where(Recipient.acknowledged_at.is_not(None))
    return query.order_by(*_RECEIVED_ORDER)


@cache
def _received_page(state: str) -> Select:
    """One page of a person's received copies with the total as a window count, built once
    per state (the inbox's Documents tab renders on every visit)."""
    from oa_platform.accounts.models import OAUser

    return (
        _received(
            Document.id,
            Document.number,
            Document.title,
            Document.kind,
            Document.urgency,
            Document.issuing_unit_name,
            Document.issuing_unit_name_zh,
            Document.issue_date,
            Document.status,
            Recipient.copy,
            Recipient.first_opened_at,
            Recipient.acknowledged_at,
            Recipient.user_id,
            OAUser.first_name,
            OAUser.last_name,
            OAUser.name_zh,
            func.count().over().label("total"),
            state=state,
        )
        .join(OAUser, OAUser.id == Recipient.user_id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


def received_page(
    session: Session, user_id: int, on: date, *, state: str = "", offset: int = 0, limit: int = PAGE
) -> tuple[list[ReceivedRow], int]:
    """(rows, total) of the documents sent to ``user_id`` or to those they act for on ``on``
    (``policy.receiving``): unread first, urgent first, newest first; ``state`` is "",
    "unread" or "acknowledged"."""
    from oa_platform.org.models import person_name

    state = state if state in RECEIVED_STATES else ""
    people = policy.receiving(session, user_id, on)
    params = {"people": people, "limit": limit, "offset": offset}
    rows = session.execute(_received_page(state), params).all()
    items = [
        ReceivedRow(*row[:13], principal=None if row[12] == user_id else person_name(*row[13:16]))
        for row in rows
    ]
    total = rows[0].total if rows else 0
    if not rows and offset:  # past the last page: count what there is
        total = int(session.scalar(_count(state), {"people": people}) or 0)
    return items, total


@cache
def _count(state: str) -> Select:
    """How many copies of the bound ``people`` are in ``state`` (built once: every page with
    the badges runs it, inside the inbox's counts)."""
    return _received(func.count(), state=state).order_by(None)


def unread_count_query() -> Select:
    """The badge's statement (the bound ``people``: ``policy.receiving``): the documents
    awaiting acknowledgement, for a scalar subquery (the inbox's counts) or on its own."""
    return _count("unread")


def unread(session: Session, user_id: int, on: date) -> int:
    """How many received documents ``user_id`` (or whoever they act for) has not
    acknowledged (the dashboard, the inbox's and the documents page's badges)."""
    people = policy.receiving(session, user_id, on)
    return int(session.scalar(unread_count_query(), {"people": people}) or 0)


def _page(
    session: Session,
    statement: Select,
    params: dict[str, Any],
    offset: int,
    limit: int,
) -> tuple[list[Any], int]:
    """(rows, total) of ``statement`` from ``offset``: the total rides along as a window
    count, so a page is one query; past the last page (no row to carry it) it is counted
    on its own. Each row ends with the total, which the caller drops."""
    rows = session.execute(
        statement.add_columns(func.count().over().label("total")).limit(limit).offset(offset),
        params,
    ).all()
    if rows:
        return rows, int(rows[0].total)
    if not offset:
        return rows, 0
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    return rows, int(session.scalar(counted, params) or 0)


def received(
    session: Session, user, on: date, *, offset: int = 0, limit: int = PAGE
) -> tuple[list[Received], int]:
    """(page, total) of the documents sent to ``user`` (or to those they act for), whole:
    unread first, urgent first, newest first (the documents page and the API); the same
    statement and order as ``received_page``, so pages neither skip nor repeat a copy."""
    from oa_platform.accounts.models import OAUser

    people = policy.receiving(session, user.id, on)
    statement = _received(
        Document,
        Recipient.copy,
        Recipient.first_opened_at,
        Recipient.acknowledged_at,
        OAUser.username,
    ).join(OAUser, OAUser.id == Recipient.user_id)
    rows, total = _page(session, statement, {"people": people}, offset, limit)
    items = [
        Received(doc, copy, opened, acked, name if name != user.username else None)
        for doc, copy, opened, acked, name, _total in rows
    ]
    return items, total


def sent(
    session: Session, user, *, offset: int = 0, limit: int = PAGE
) -> tuple[list[tuple[Document, int, int]], int]:
    """(page, total) of the documents ``user``'s side issued with (unopened,
    unacknowledged) counts: urgent and most unopened first (§4.5: checked by priority); the
    id last so that ties keep one order from page to page."""
    unopened = func.count(Recipient.id) - func.count(Recipient.first_opened_at)
    unacked = func.count(Recipient.id) - func.count(Recipient.acknowledged_at)
    statement = (
        select(Document, unopened, unacked)
        .outerjoin(Recipient, Recipient.document_id == Document.id)
        .where(policy.issuing_side(user))
        .group_by(Document.id)
        .order_by(_URGENCY, unopened.desc(), Document.issued_at.desc(), Document.id.desc())
    )
    rows, total = _page(session, statement, {}, offset, limit)
    return [(doc, int(a), int(b)) for doc, a, b, _total in rows], total


@dataclass(frozen=True)
class LibraryQuery:
    """The library's filters; empty members filter nothing."""

    text: str = ""
    number: str = ""
    kind: str = ""
    unit: str = ""
    year: int | None = None
    direction: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return any((self.text, self.number, self.kind, self.unit, self.year, self.direction))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def library_query(session: Session, user, query: LibraryQuery, on: date) -> Select:
    """The statement of the library's search (ids and what a row shows)."""
    statement = select(Document).where(
        Document.status != "withdrawn", policy.readable(session, user, on)
    )
    if query.text:
        # Each word must occur: its Chinese pairs narrow the candidates through the word
        # index (search.py), a substring match on the lower-cased text confirms them.
        for word in query.text.lower().split()[:5]:
            for term in sorted(search.query_terms(word)):
                statement = statement.where(
                    Document.id.in_(
                        select(DocumentTerm.document_id).where(DocumentTerm.term == term)
                    )
                )
            statement = statement.where(Document.search_text.like(_like(word), escape="\\"))
    if query.number:
        statement = statement.where(Document.number.ilike(_like(query.number), escape="\\"))
    if query.kind:
        statement = statement.where(Document.kind == query.kind)
    if query.unit:
        statement = statement.where(
            or_(
                Document.issuing_unit == query.unit,
                Document.issuing_unit_name.ilike(_like(query.unit), escape="\\"),
                Document.issuing_unit_name_zh.ilike(_like(query.unit), escape="\\"),
            )
        )
    if query.year:
        statement = statement.where(extract("year", Document.issue_date) == query.year)
    if query.direction:
        statement = statement.where(Document.direction == query.direction)
    return statement


def _library_ordered(session: Session, user, query: LibraryQuery, on: date) -> Select:
    """The library's search, newest first, the id last so that pages keep one order."""
    return library_query(session, user, query, on).order_by(
        Document.issue_date.desc(), Document.id.desc()
    )


def library_page(
    session: Session, user, query: LibraryQuery, on: date, *, offset: int = 0, limit: int = PAGE
) -> tuple[list[Document], int]:
    """(page, total) of the issued documents ``user`` may open that match ``query``,
    newest first (the library tab)."""
    statement = _library_ordered(session, user, query, on)
    rows, total = _page(session, statement, {}, offset, limit)
    return [row[0] for row in rows], total


def library(
    session: Session, user, query: LibraryQuery, on: date, limit: int = PAGE
) -> list[Document]:
    """The first ``limit`` issued documents ``user`` may open that match ``query``, newest
    first, without counting the rest (``library_page`` counts)."""
    return list(session.scalars(_library_ordered(session, user, query, on).limit(limit)))
