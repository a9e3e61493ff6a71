"""What the documents pages list: a person's received documents (their own and, as agent,
their principals'), the documents they issued with their receipt counts, and the library of
issued documents, searched by number, title, kind, unit, year and full text. Every list is
filtered by ``policy`` (what the reader may open)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, case, extract, func, or_, select
from sqlalchemy.orm import Session

from oa_platform.documents import policy, search
from oa_platform.documents.models import Document, DocumentTerm, Recipient
from oa_platform.documents.receipts import URGENCY_RANK

PAGE = 50
_URGENCY = case(URGENCY_RANK, value=Document.urgency, else_=9)


@dataclass(frozen=True)
class Received:
    document: Document
    copy: bool
    first_opened_at: object
    acknowledged_at: object
    principal: str | None  # when the reader acts as agent: for whom


def received(session: Session, user, on: date, limit: int = PAGE) -> list[Received]:
    """Documents sent to ``user`` (or to those they act for): unacknowledged first, urgent
    first, newest first."""
    from oa_platform.accounts.models import OAUser

    people = [user.id, *policy.principals(session, user.id, on)]
    rows = session.execute(
        select(
            Document,
            Recipient.copy,
            Recipient.first_opened_at,
            Recipient.acknowledged_at,
            OAUser.username,
        )
        .join(Recipient, Recipient.document_id == Document.id)
        .join(OAUser, OAUser.id == Recipient.user_id)
        .where(Recipient.user_id.in_(people))
        .order_by(Recipient.acknowledged_at.is_not(None), _URGENCY, Document.issued_at.desc())
        .limit(limit)
    )
    return [
        Received(doc, copy, opened, acked, name if name != user.username else None)
        for doc, copy, opened, acked, name in rows
    ]


def sent(session: Session, user, limit: int = PAGE) -> list[tuple[Document, int, int]]:
    """Documents ``user``'s side issued with (unopened, unacknowledged) counts: urgent and
    most unopened first (§4.5: checked by priority)."""
    unopened = func.count(Recipient.id) - func.count(Recipient.first_opened_at)
    unacked = func.count(Recipient.id) - func.count(Recipient.acknowledged_at)
    rows = session.execute(
        select(Document, unopened, unacked)
        .outerjoin(Recipient, Recipient.document_id == Document.id)
        .where(policy.issuing_side(user))
        .group_by(Document.id)
        .order_by(_URGENCY, unopened.desc(), Document.issued_at.desc())
        .limit(limit)
    )
    return [(doc, int(a), int(b)) for doc, a, b in rows]


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
            )
        )
    if query.year:
        statement = statement.where(extract("year", Document.issue_date) == query.year)
    if query.direction:
        statement = statement.where(Document.direction == query.direction)
    return statement


def library(
    session: Session, user, query: LibraryQuery, on: date, limit: int = PAGE
) -> list[Document]:
    """Issued documents ``user`` may open that match ``query``, newest first."""
    statement = library_query(session, user, query, on)
    return list(
        session.scalars(
            statement.order_by(Document.issue_date.desc(), Document.id.desc()).limit(limit)
        )
    )
