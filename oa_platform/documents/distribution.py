"""Distribution by scope (seed 2 §4.2, §6.3): the issued document is frozen and its recipient
list expanded from units to their current members and recorded, in one bulk write.

A recipient entry names a company, a department (with its sub-departments), a position or a
person. The recipients are written by one ``INSERT ... SELECT`` from the users, their units and
the units' clerks (each entry a SELECT of a UNION ALL, the first entry reaching a person wins),
so 10,000 recipients cost one statement in the database and no Python row each, not 10,000
engine steps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    Select,
    String,
    cast,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.documents import kinds, search, signatures
from oa_platform.documents.models import Clerk, Document, Recipient
from oa_platform.i18n import local_time
from oa_platform.org.models import Company, Department, Position
from oa_platform.runtime.models import Instance
from oa_platform.unit_of_work import unit_of_work
from plugins.contract import PermanentJobError
from plugins.document_content import content_digest
from plugins.field_types.recipients import parse
from plugins.sanitize import clean_html

# The definition category whose agents act for a person on documents (§4.4, My Agents).
CATEGORY = "Documents"
REMIND_HOURS = {"especially_urgent": 2.0, "urgent": 12.0, "routine": 24.0}


class DistributionError(ValueError):
    """The document cannot be issued as it stands; the message names the entry or field."""


def _people_of(session: Session, entry: str, tree: dict[int | None, list[int]]) -> Select:
    """(user id, unit) of the active people ``entry`` names now, the unit as the board shows
    it ("Sales Department (SLS)", the person's department at issue).

    The one reading of a recipient entry: a company (its departments' people), a department
    (with its sub-departments), a position or a person. An entry that names nothing that
    exists raises :class:`DistributionError` naming it.
    """
    what, _, code = entry.partition(":")
    unit = Department.name + " (" + Company.code + ")"  # as _unit_names writes it
    people = (
        select(OAUser.id.label("user_id"), func.coalesce(unit, "").label("unit"))
        .outerjoin(Department, Department.id == OAUser.department_id)
        .outerjoin(Company, Company.id == Department.company_id)
        .where(OAUser.active.is_(True), OAUser.deactivated_at.is_(None))
    )
    if what == "company":
        company = session.scalar(select(Company.id).where(Company.code == code))
        if company is None:
            raise DistributionError(f"recipient '{entry}': no such company")
        return people.where(Department.company_id == company)
    if what == "department":
        department = _department_id(session, code)
        if department is None:
            raise DistributionError(f"recipient '{entry}': no such department")
        return people.where(OAUser.department_id.in_(_subtree(tree, department)))
    if what == "position":
        position = session.scalar(select(Position.id).where(Position.name == code))
        if position is None:
            raise DistributionError(f"recipient '{entry}': no such position")
        return people.where(OAUser.position_id == position)
    if what == "user":
        person = people.where(OAUser.username == code)
        if session.scalar(person.with_only_columns(OAUser.id)) is None:
            raise DistributionError(f"recipient '{entry}': no such active user")
        return person
    raise DistributionError(f"recipient '{entry}': not a company, department, position or user")


def _reach(session: Session, groups: Sequence[tuple[Sequence[str], bool]]) -> Select:
    """One SELECT of (user_id, unit, via, copy): everyone the ``groups`` (entries, as copy
    recipients or not) reach now, each person once. The first entry that reaches a person
    wins, in order (main recipients before copy recipients); what is addressed to a unit
    reaches its clerks too, after the group's entries (§4.6).
    """
    tree = _children(session)
    parts: list[Select] = []
    for entries, copy in groups:
        for entry in entries:
            parts.append(
                _people_of(session, entry, tree).add_columns(
                    cast(literal(entry), String).label("via"),
                    literal(copy, Boolean).label("copy"),
                    literal(len(parts), Integer).label("ordinal"),
                )
            )
        if entries:
            parts.append(
                select(
                    Clerk.user_id,
                    Clerk.unit,
                    cast(literal("clerk:"), String) + Clerk.unit,
                    literal(copy, Boolean),
                    literal(len(parts), Integer),
                )
                .join(OAUser, OAUser.id == Clerk.user_id)
                # A clerk who left keeps the naming till IT changes it; nothing waits for them.
                .where(
                    Clerk.unit.in_(list(entries)),
                    OAUser.active.is_(True),
                    OAUser.deactivated_at.is_(None),
                )
            )
    reached = union_all(*parts).subquery("reached")
    rank = func.row_number().over(
        partition_by=reached.c.user_id, order_by=(reached.c.ordinal, reached.c.unit)
    )
    ranked = select(*reached.c, rank.label("rank")).subquery("ranked")
    return select(ranked.c.user_id, ranked.c.unit, ranked.c.via, ranked.c.copy).where(
        ranked.c.rank == 1
    )


def deliver(
    session: Session,
    document_id: int,
    groups: Sequence[tuple[Sequence[str], bool]],
    *,
    at: datetime,
    via: str | None = None,
    only_new: bool = False,
) -> int:
    """Record everyone ``groups`` reach (:func:`_reach`) as recipients of the document with one
    Core ``INSERT ... SELECT`` straight from the users, units and clerks (no row passes through
    Python); ``via`` replaces the entry that brought each one; ``only_new`` leaves out who
    already is a recipient (a clerk passing the document on). How many were added."""
    if not any(entries for entries, _copy in groups):
        return 0
    reached = _reach(session, groups).subquery("found")
    rows = select(
        literal(document_id, Integer),
        reached.c.user_id,
        reached.c.copy,
        reached.c.unit,
        reached.c.via if via is None else cast(literal(via), String),
        literal(at, DateTime),
        literal(0, Integer),
        literal(0, Integer),
    )
    if only_new:
        # NOT IN, not NOT EXISTS: PostgreSQL reads the existing recipients once into a hash.
        # A correlated NOT EXISTS probed the table being written per row, and without
        # statistics for it the planner chose a sequential scan each time: 26 s for 10,000.
        have = select(Recipient.user_id).where(Recipient.document_id == document_id)
        rows = rows.where(reached.c.user_id.not_in(have))
    columns = (
        "document_id", "user_id", "copy", "unit", "via", "delivered_at", "urged_count",
        "reminded_count",
    )  # fmt: skip
    statement = insert(Recipient.__table__).from_select(columns, rows)
    # psycopg reports no row count for an INSERT ... SELECT unless asked to keep it.
    result = session.execute(statement.execution_options(preserve_rowcount=True))
    return int(result.rowcount)


def issue(session: Session, instance: Instance) -> Document:
    """Freeze the instance's document and record its recipients (the caller's transaction).

    Refused (:class:`DistributionError`) when the content is confidential (§6.3) or has no
    valid issuer's signature (§4.3).
    """
    values = instance.values
    reason = kinds.refusal(values.get("security_level"))
    if reason:
        raise DistributionError(reason)
    found = signatures.signatures(session, instance.id, values)
    issuer = signatures.valid_issuer(found)
    if issuer is None:
        raise DistributionError("the document has no valid issuer's signature (§4.3)")
    main_entries = parse(values.get("main_recipients"))
    copy_entries = parse(values.get("copy_recipients"))
    unit = values.get("issuing_unit") or ""
    department = _department_id(session, unit)
    names = _unit_names(session).get(department, (unit, None))
    now = utcnow()
    urgency = values.get("urgency") or "routine"
    document = Document(
        instance_id=instance.id,
        kind=values.get("kind") or "document",
        issuing_unit=unit,
        issuing_unit_name=names[0],
        issuing_unit_name_zh=names[1],
        number=values["number"],
        title=values.get("title") or instance.title,
        urgency=urgency,
        security_level=values.get("security_level") or "ordinary",
        issue_date=local_time(now).date(),
        body=clean_html(values.get("body")),
        attachments=list(values.get("attachments") or []),
        main_recipients=main_entries,
        copy_recipients=copy_entries,
        content_sha256=content_digest(values),
        drafter_id=instance.initiator_id,
        issuer_id=session.scalar(select(OAUser.id).where(OAUser.username == issuer.signer)),
        issued_at=now,
        recipient_count=0,  # counted as they are written, below
        remind_after_hours=REMIND_HOURS.get(urgency, 24.0),
        revision_of_id=_revised(session, values),
    )
    document.search_text = search_text(document)
    session.add(document)
    session.flush()
    search.index(session, document.id, document.search_text)
    groups = ((main_entries, False), (copy_entries, True))
    document.recipient_count = deliver(session, document.id, groups, at=now)
    if document.revision_of_id is not None:
        session.get(Document, document.revision_of_id).status = "superseded"
    return document


def search_text(document: Document) -> str:
    """What the library searches: number, title, unit and the body's text."""
    body = " ".join(signatures.plain_lines(document.body))
    units = f"{document.issuing_unit_name} {document.issuing_unit_name_zh or ''}"
    return f"{document.number} {document.title} {units} {body}".lower()


def distribute_job(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The ``distribute`` node's background job: issue once (a second run finds the
    document), and say how many recipients have not opened it yet."""
    from oa_platform.extensions import db

    def work() -> dict[str, Any]:
        instance = db.session.get(Instance, payload["instance_id"])
        document = db.session.scalar(select(Document).where(Document.instance_id == instance.id))
        if document is None:
            try:
                document = issue(db.session, instance)
            except DistributionError as error:
                raise PermanentJobError(str(error)) from error
        return {
            "stage": "distributed",
            "document_id": document.id,
            "recipients": document.recipient_count,
            "outstanding": document.recipient_count,
            "urgency": document.urgency,
            "round": 0,
        }

    return unit_of_work(db.session).run(work)


def _revised(session: Session, values: Mapping[str, Any]) -> int | None:
    """The issued document this one corrects (the ``revision_of`` field: its number)."""
    number = values.get("revision_of")
    if not number:
        return None
    found = session.scalar(select(Document.id).where(Document.number == number))
    if found is None:
        raise DistributionError(f"revision_of: no issued document numbered '{number}'")
    return found


def _department_id(session: Session, code: str) -> int | None:
    company, _, bare = code.rpartition("/")
    query = select(Department.id).where(Department.code == bare)
    if company:
        query = query.join(Company).where(Company.code == company)
    ids = session.scalars(query.limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def _unit_names(session: Session) -> dict[int, tuple[str, str | None]]:
    """Each department's names as a document freezes them: (English, Chinese or None), each
    with its company's code."""
    rows = session.execute(
        select(Department.id, Department.name, Department.name_zh, Company.code).join(Company)
    )
    return {
        id_: (f"{name} ({company})", f"{name_zh} ({company})" if name_zh else None)
        for id_, name, name_zh, company in rows
    }


def _children(session: Session) -> dict[int | None, list[int]]:
    tree: dict[int | None, list[int]] = {}
    for id_, parent in session.execute(select(Department.id, Department.parent_id)):
        tree.setdefault(parent, []).append(id_)
    return tree


def _subtree(tree: dict[int | None, list[int]], root: int) -> list[int]:
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        if node not in found:
            found.append(node)
            stack.extend(tree.get(node, ()))
    return found


def today() -> date:
    """The company's date now."""
    return local_time(utcnow()).date()
