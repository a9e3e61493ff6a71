"""Distribution by scope (seed 2 §4.2, §6.3): the issued document is frozen and its recipient
list expanded from units to their current members and recorded, in one bulk write.

A recipient entry names a company, a department (with its sub-departments), a position or a
person. Expansion reads each kind of entry with one query; the recipients are written with one
multi-row INSERT (SQLAlchemy's insertmanyvalues batches), so 10,000 recipients cost a few
statements, not 10,000 engine steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.documents import kinds, search, signatures
from oa_platform.documents.models import Document, Recipient
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


@dataclass(frozen=True)
class Reached:
    """A person a recipient entry reaches."""

    user_id: int
    unit: str
    via: str


def expand(session: Session, entries: list[str]) -> list[Reached]:
    """The active people ``entries`` name now, each once (first entry wins), in entry order.

    An entry that names nothing that exists raises :class:`DistributionError` naming it.
    """
    units = _unit_names(session)
    tree = _children(session)
    found: dict[int, Reached] = {}
    people = (
        select(OAUser.id, OAUser.department_id)
        .where(OAUser.active.is_(True), OAUser.deactivated_at.is_(None))
        .order_by(OAUser.id)
    )
    for entry in entries:
        what, _, code = entry.partition(":")
        if what == "company":
            company = session.scalar(select(Company.id).where(Company.code == code))
            if company is None:
                raise DistributionError(f"recipient '{entry}': no such company")
            departments = select(Department.id).where(Department.company_id == company)
            rows = session.execute(people.where(OAUser.department_id.in_(departments)))
        elif what == "department":
            department = _department_id(session, code)
            if department is None:
                raise DistributionError(f"recipient '{entry}': no such department")
            rows = session.execute(
                people.where(OAUser.department_id.in_(_subtree(tree, department)))
            )
        elif what == "position":
            position = session.scalar(select(Position.id).where(Position.name == code))
            if position is None:
                raise DistributionError(f"recipient '{entry}': no such position")
            rows = session.execute(people.where(OAUser.position_id == position))
        elif what == "user":
            rows = session.execute(people.where(OAUser.username == code)).all()
            if not rows:
                raise DistributionError(f"recipient '{entry}': no such active user")
        else:
            raise DistributionError(
                f"recipient '{entry}': not a company, department, position or user"
            )
        for user_id, department_id in rows:
            found.setdefault(user_id, Reached(user_id, units.get(department_id, ""), entry))
    # §4.6: what is addressed to a unit reaches its clerks, members of it or not.
    from oa_platform.documents.clerks import clerks_of

    for user_id, unit in clerks_of(session, list(entries)).items():
        found.setdefault(user_id, Reached(user_id, unit, f"clerk:{unit}"))
    return list(found.values())


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
    main = expand(session, main_entries)
    copies = [
        r for r in expand(session, copy_entries) if r.user_id not in {m.user_id for m in main}
    ]
    unit = values.get("issuing_unit") or ""
    department = _department_id(session, unit)
    now = utcnow()
    urgency = values.get("urgency") or "routine"
    document = Document(
        instance_id=instance.id,
        kind=values.get("kind") or "document",
        issuing_unit=unit,
        issuing_unit_name=_unit_names(session).get(department, unit),
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
        recipient_count=len(main) + len(copies),
        remind_after_hours=REMIND_HOURS.get(urgency, 24.0),
        revision_of_id=_revised(session, values),
    )
    document.search_text = search_text(document)
    session.add(document)
    session.flush()
    search.index(session, document.id, document.search_text)
    deliver(session, document.id, main, copy=False, at=now)
    deliver(session, document.id, copies, copy=True, at=now)
    if document.revision_of_id is not None:
        session.get(Document, document.revision_of_id).status = "superseded"
    return document


def deliver(
    session: Session, document_id: int, reached: list[Reached], *, copy: bool, at: Any
) -> None:
    """Record ``reached`` as recipients of the document: one multi-row INSERT."""
    if not reached:
        return
    session.execute(
        insert(Recipient.__table__),  # Core: one multi-row INSERT, no ORM bookkeeping
        [
            {
                "document_id": document_id,
                "user_id": person.user_id,
                "copy": copy,
                "unit": person.unit,
                "via": person.via,
                "delivered_at": at,
                "urged_count": 0,
                "reminded_count": 0,
            }
            for person in reached
        ],
    )


def search_text(document: Document) -> str:
    """What the library searches: number, title, unit and the body's text."""
    body = " ".join(signatures.plain_lines(document.body))
    return f"{document.number} {document.title} {document.issuing_unit_name} {body}".lower()


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


def _unit_names(session: Session) -> dict[int, str]:
    rows = session.execute(select(Department.id, Department.name, Company.code).join(Company))
    return {id_: f"{name} ({company})" for id_, name, company in rows}


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
