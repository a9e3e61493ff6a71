"""Receipts (回执, seed 2 §4.4, §4.5): per recipient, delivered, opened (first and last time)
and acknowledged (签收), with the agent who acted; the board the sender reads; urging the
unopened and the automatic reminders by urgency.

Functions here change the caller's transaction; the commands (commands.py) decide who may.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy import Integer, Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.documents.models import Document, Recipient, Urging
from oa_platform.notifications.service import notify
from oa_platform.org.models import person_name
from oa_platform.unit_of_work import unit_of_work

URGENCY_RANK = {"especially_urgent": 0, "urgent": 1, "routine": 2}
# Most rows one board page lists; the unit summary covers them all.
BOARD_PAGE = 200


class UrgeTooSoonError(ValueError):
    """Urged again before the interval (``OA_DOCUMENT_URGE_MINUTES``) passed."""


def record_open(session: Session, recipient: Recipient, at: datetime | None = None) -> None:
    """The recipient (or their agent) opened the document: first and last time."""
    at = at or utcnow()
    recipient.first_opened_at = recipient.first_opened_at or at
    recipient.last_opened_at = at


def acknowledge(session: Session, recipient: Recipient, by: OAUser) -> bool:
    """签收: once; ``by`` is the recipient or the agent who acted. False if done before."""
    if recipient.acknowledged_at is not None:
        return False
    now = utcnow()
    record_open(session, recipient, now)
    recipient.acknowledged_at = now
    recipient.acknowledged_by_id = by.id
    return True


@dataclass(frozen=True)
class BoardRow:
    username: str
    name: str
    unit: str
    copy: bool
    delivered_at: datetime
    first_opened_at: datetime | None
    last_opened_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    urged_count: int


@dataclass(frozen=True)
class UnitSummary:
    unit: str
    recipients: int
    opened: int
    acknowledged: int


@dataclass(frozen=True)
class Board:
    """A document's receipts: unopened first, then opened, then acknowledged, by unit."""

    document: Document
    units: list[UnitSummary]
    rows: list[BoardRow]
    total: int
    unopened: int
    acknowledged: int


# A board row: the recipient's receipt with their name and the agent who acknowledged.
_AGENT = OAUser.__table__.alias("agent")


def _state_page(*condition: Any) -> Select:
    """One page of a document's recipients in one state, by unit and person: the page's rows
    are picked from the recipients alone, then joined to their names.

    Picked first because PostgreSQL, before autovacuum has seen a new document's 10,000
    rows (no statistics: one row expected), joined every unopened recipient to their user
    and sorted them all to keep 200 (131 ms; EXPLAIN in docs/performance.md).
    """
    picked = (
        select(Recipient.id, Recipient.unit, Recipient.user_id)
        .where(Recipient.document_id == bindparam("document_id"), *condition)
        .order_by(Recipient.unit, Recipient.user_id)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("picked")
    )
    return (
        select(
            OAUser.username,
            OAUser.first_name,
            OAUser.last_name,
            Recipient.unit,
            Recipient.copy,
            Recipient.delivered_at,
            Recipient.first_opened_at,
            Recipient.last_opened_at,
            Recipient.acknowledged_at,
            _AGENT.c.username,
            Recipient.urged_count,
            OAUser.name_zh,  # the name in the reader's language (issue 18)
        )
        .select_from(picked)
        .join(Recipient, Recipient.id == picked.c.id)
        .join(OAUser, OAUser.id == Recipient.user_id)
        .outerjoin(_AGENT, _AGENT.c.id == Recipient.acknowledged_by_id)
        .order_by(picked.c.unit, picked.c.user_id)
    )


# Unopened, then opened, then acknowledged (§4.5: by priority), each by unit and person. The
# unopened come straight from ix_document_recipient_board in order, so the first page of a
# large document reads a page of rows, not all of them.
_STATES = (
    _state_page(Recipient.first_opened_at.is_(None)),
    _state_page(Recipient.first_opened_at.is_not(None), Recipient.acknowledged_at.is_(None)),
    _state_page(Recipient.acknowledged_at.is_not(None)),
)
_OPENED = func.count(Recipient.first_opened_at)
# Units with the most unopened first; read from the covering ix_document_recipient_units.
_UNITS = (
    select(Recipient.unit, func.count(), _OPENED, func.count(Recipient.acknowledged_at))
    .where(Recipient.document_id == bindparam("document_id"))
    .group_by(Recipient.unit)
    .order_by((func.count() - _OPENED).desc(), Recipient.unit)
)


def board(session: Session, document: Document, page: int = 0) -> Board:
    """The receipt board of ``document`` (§4.5: by priority): ``page`` counts from 0."""
    units = [
        UnitSummary(unit, total, seen, done)
        for unit, total, seen, done in session.execute(_UNITS, {"document_id": document.id})
    ]
    total = sum(u.recipients for u in units)
    unopened = sum(u.recipients - u.opened for u in units)
    acknowledged = sum(u.acknowledged for u in units)
    # Where the page starts within each state's part of the order.
    skip, wanted, rows = page * BOARD_PAGE, BOARD_PAGE, []
    for statement, size in zip(
        _STATES, (unopened, total - unopened - acknowledged, acknowledged), strict=True
    ):
        if wanted == 0:
            break
        if skip >= size:
            skip -= size
            continue
        found = session.execute(
            statement, {"document_id": document.id, "limit": wanted, "offset": skip}
        ).all()
        rows += found
        wanted -= len(found)
        skip = 0
    return Board(
        document=document,
        units=units,
        rows=[
            BoardRow(
                username=r[0],
                name=person_name(r[1], r[2], r[11]),
                unit=r[3],
                copy=r[4],
                delivered_at=r[5],
                first_opened_at=r[6],
                last_opened_at=r[7],
                acknowledged_at=r[8],
                acknowledged_by=r[9] if r[9] and r[9] != r[0] else None,
                urged_count=r[10],
            )
            for r in rows
        ],
        total=total,
        unopened=unopened,
        acknowledged=acknowledged,
    )


def unopened_ids(session: Session, document_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Recipient.user_id).where(
                Recipient.document_id == document_id, Recipient.first_opened_at.is_(None)
            )
        )
    )


def _round(
    session: Session, document: Document, *, key: str, subject: str, by: OAUser | None
) -> Urging:
    """Tell the unopened (the normal notifications), count it on their rows and record the
    round: urged by ``by``, or an automatic reminder when ``by`` is None."""
    people = unopened_ids(session, document.id)
    kind = "reminder" if by is None else "urged"
    now = utcnow()
    if people:
        link = f"/documents/{document.id}"
        notify(session, people, kind=kind, key=key, subject=subject, link=link)
        counted = Recipient.reminded_count if by is None else Recipient.urged_count
        values: dict[Any, Any] = {counted: counted + 1}
        if by is not None:
            values[Recipient.last_urged_at] = now
        session.execute(
            update(Recipient)
            .where(Recipient.document_id == document.id, Recipient.first_opened_at.is_(None))
            .values(values)
        )
    urging = Urging(
        document_id=document.id,
        by_id=by.id if by else None,
        at=now,
        recipients=len(people),
        automatic=by is None,
    )
    session.add(urging)
    return urging


def urge(session: Session, document: Document, by: OAUser) -> Urging:
    """Urge the unopened (§4.5): rate-limited per document, recorded, notified."""
    minutes = current_app.config.get("OA_DOCUMENT_URGE_MINUTES", 60)
    last = session.scalar(
        select(func.max(Urging.at)).where(
            Urging.document_id == document.id, Urging.automatic.is_(False)
        )
    )
    if last is not None and utcnow() - last < timedelta(minutes=minutes):
        raise UrgeTooSoonError(
            gettext("This document was urged less than %(minutes)s minutes ago.", minutes=minutes)
        )
    subject = gettext(
        "Please read the document %(number)s: %(title)s",
        number=document.number,
        title=document.title,
    )
    key = f"document-urge:{document.id}:{utcnow().isoformat()}"
    return _round(session, document, key=key, subject=subject, by=by)


def remind(session: Session, document: Document, round_: int) -> int:
    """An automatic reminder round (the ``distribute`` node's timer): how many were told."""
    subject = gettext(
        "Reminder: the document %(number)s is waiting for you: %(title)s",
        number=document.number,
        title=document.title,
    )
    key = f"document-remind:{document.id}:{round_}"
    return _round(session, document, key=key, subject=subject, by=None).recipients


def remind_job(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The ``distribute`` node's reminder job: one round, and what is still unopened."""
    from oa_platform.extensions import db

    def work() -> dict[str, Any]:
        document = db.session.get(Document, payload["document_id"])
        outstanding = remind(db.session, document, payload["round"])
        return {
            "stage": "reminded",
            "document_id": document.id,
            "outstanding": outstanding,
            "urgency": document.urgency,
            "round": payload["round"],
        }

    return unit_of_work(db.session).run(work)
