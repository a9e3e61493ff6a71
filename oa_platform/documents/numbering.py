"""Uniform numbering (统一编号, seed 2 §4.2): per issuing unit, kind and year, gap-free and
never reused.

The counter row of (unit, kind, year) is created if missing and then locked (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite the insert that starts the transaction takes the database's
write lock, which serialises writers) before it is incremented, so two documents numbered at
the same moment wait for each other and get consecutive numbers. Every number taken is a
:class:`DocumentNumber` row; a withdrawn document's number is marked void there, with the
reason, and the counter never goes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.documents.kinds import kind as kind_of
from oa_platform.documents.models import DocumentNumber, NumberCounter
from oa_platform.i18n import local_time
from oa_platform.unit_of_work import unit_of_work


class NumberPatternError(ValueError):
    """A pattern that does not make a number (unknown placeholder, no ``{seq}``)."""


def format_number(pattern: str, *, unit: str, year: int, seq: int) -> str:
    """``pattern`` filled in; :class:`NumberPatternError` names what is wrong with it."""
    if "{seq" not in pattern:
        raise NumberPatternError(f"number pattern '{pattern}' has no {{seq}}")
    try:
        return pattern.format(unit=unit, year=year, seq=seq)
    except (KeyError, IndexError, ValueError) as error:
        raise NumberPatternError(f"number pattern '{pattern}': {error}") from error


def take(
    session: Session,
    *,
    unit: str,
    kind: str,
    abbreviation: str,
    pattern: str | None = None,
    instance_id: int | None = None,
    year: int | None = None,
) -> DocumentNumber:
    """Take the next number of ``unit``'s ``kind`` this year (the caller's transaction).

    An instance that already holds a valid number of this kind gets it back: a job run twice
    never takes two.
    """
    if instance_id is not None:
        held = session.scalar(
            select(DocumentNumber).where(
                DocumentNumber.instance_id == instance_id,
                DocumentNumber.kind == kind,
                DocumentNumber.void.is_(False),
            )
        )
        if held is not None:
            return held
    pattern = pattern or kind_of(kind).pattern
    year = year or local_time(utcnow()).year  # the company's year (OA_TIMEZONE)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(NumberCounter)
        .values(unit=unit, kind=kind, year=year, last_seq=0)
        .on_conflict_do_nothing()
    )
    counter = session.scalars(
        select(NumberCounter)
        .where(NumberCounter.unit == unit, NumberCounter.kind == kind, NumberCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    counter.last_seq += 1
    number = DocumentNumber(
        unit=unit,
        kind=kind,
        year=year,
        seq=counter.last_seq,
        number=format_number(pattern, unit=abbreviation, year=year, seq=counter.last_seq),
        instance_id=instance_id,
        taken_at=utcnow(),
    )
    session.add(number)
    session.flush()
    return number


def void(session: Session, number: str, reason: str) -> DocumentNumber | None:
    """Mark ``number`` void (its document was withdrawn): listed, never given again."""
    row = session.scalar(select(DocumentNumber).where(DocumentNumber.number == number))
    if row is not None and not row.void:
        row.void, row.void_reason, row.voided_at = True, reason, utcnow()
    return row


def voided(session: Session, *, unit: str, kind: str, year: int) -> list[DocumentNumber]:
    """The void numbers of ``unit``'s ``kind`` in ``year``, in order."""
    return list(
        session.scalars(
            select(DocumentNumber)
            .where(
                DocumentNumber.unit == unit,
                DocumentNumber.kind == kind,
                DocumentNumber.year == year,
                DocumentNumber.void.is_(True),
            )
            .order_by(DocumentNumber.seq)
        )
    )


def number_job(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The ``document_number`` node's background job: one short transaction that takes the
    number (nothing read before the counter, so SQLite's write lock is taken first)."""
    from oa_platform.extensions import db

    def work() -> dict[str, Any]:
        taken = take(
            db.session,
            unit=payload["unit"],
            kind=payload["kind"],
            abbreviation=payload["abbreviation"],
            pattern=payload.get("pattern"),
            instance_id=payload["instance_id"],
        )
        return {"number": taken.number, "seq": taken.seq}

    return unit_of_work(db.session).run(work)
