"""What the inspection pages and the API read: inspections, their sample, one sampled
instance's steps and trail, the report (findings by department, node and person), tickets
and their tallies. Every list is filtered by ``policy``."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from form_builder.chain import node_name
from form_builder.models import DefinitionVersion, ProcessDefinition
from oa_platform.accounts.models import OAUser
from oa_platform.inspection import defaults, policy
from oa_platform.inspection.models import (
    ChecklistItem,
    Finding,
    Inspection,
    SampledInstance,
    Ticket,
    TicketRule,
)
from oa_platform.org.models import Department
from oa_platform.runtime.models import AuditEntry, Instance, Task


def inspections(session: Session) -> list[Inspection]:
    return list(session.scalars(select(Inspection).order_by(Inspection.id.desc())))


def items(session: Session, active_only: bool = False) -> list[ChecklistItem]:
    query = select(ChecklistItem).order_by(ChecklistItem.position, ChecklistItem.id)
    if active_only:
        query = query.where(ChecklistItem.active.is_(True))
    return list(session.scalars(query))


def rules(session: Session) -> list[TicketRule]:
    return list(session.scalars(select(TicketRule).order_by(TicketRule.id)))


def item_names(session: Session) -> dict[str, ChecklistItem]:
    return {item.code: item for item in items(session)}


@dataclass(frozen=True)
class SampleRow:
    sample: SampledInstance
    title: str
    definition: str
    initiator: str
    findings: int


def sample(session: Session, inspection_id: int) -> list[SampleRow]:
    """The sampled instances by definition (the strata), each with its number of findings."""
    findings = (
        select(Finding.sample_id, func.count().label("n"))
        .where(Finding.inspection_id == inspection_id)
        .group_by(Finding.sample_id)
        .subquery()
    )
    rows = session.execute(
        select(SampledInstance, Instance.title, ProcessDefinition, OAUser, findings.c.n)
        .join(Instance, Instance.id == SampledInstance.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == Instance.definition_id)
        .join(OAUser, OAUser.id == Instance.initiator_id)
        .outerjoin(findings, findings.c.sample_id == SampledInstance.id)
        .where(SampledInstance.inspection_id == inspection_id)
        .order_by(ProcessDefinition.key, SampledInstance.instance_id)
    )
    return [SampleRow(s, title, d.name, u.get_full_name(), n or 0) for s, title, d, u, n in rows]


@dataclass(frozen=True)
class Step:
    task: Task
    node: str
    handler: str
    late_minutes: int | None


def steps(session: Session, instance: Instance) -> list[Step]:
    """The instance's steps with handler, opinion and timing (opened, due, done)."""
    version = session.get(DefinitionVersion, instance.definition_version_id)
    document = version.document if version is not None else {}
    found = []
    for task in session.scalars(
        select(Task).where(Task.instance_id == instance.id).order_by(Task.id)
    ):
        handler = session.get(OAUser, task.completed_by_id or task.assignee_id)
        late = None
        if task.due_at and task.completed_at and task.completed_at > task.due_at:
            late = int((task.completed_at - task.due_at).total_seconds() // 60)
        found.append(
            Step(
                task,
                node_name(document, task.node_id),
                handler.get_full_name() if handler else "",
                late,
            )
        )
    return found


# The trail's common events as the inspector reads them; any other shows its stored name.
EVENTS = {
    "created": lazy_gettext("created"),
    "fields_changed": lazy_gettext("fields changed"),
    "status": lazy_gettext("status changed"),
    "node_entered": lazy_gettext("arrived at the node"),
    "node_left": lazy_gettext("left the node"),
    "assigned": lazy_gettext("assigned"),
    "action": lazy_gettext("handled"),
}


def event_label(event: str) -> str:
    found = EVENTS.get(event)
    return str(found) if found is not None else event


def action_label(action: str | None) -> str:
    """A task's action as its button names it (同意, 不同意, ...), empty when none."""
    from oa_platform.runtime.opinions import button

    return button(action) if action else ""


def hints(session: Session, instance: Instance, found: list[Step]) -> dict[str, str]:
    """What the records say about some checklist items, for the inspector to judge: late
    steps (deadlines), steps handled without an opinion (opinions, §3.5), files attached
    (attachments). Amounts, approvers and content are the inspector's reading."""
    from flask_babel import gettext

    from oa_platform.runtime.models import InstanceAttachment, OvertimeRecord

    late = sum(1 for step in found if step.late_minutes)
    recorded = session.scalar(select(func.count()).where(OvertimeRecord.instance_id == instance.id))
    silent = sum(
        1
        for step in found
        if step.task.completed_at
        and step.task.action not in (None, "submit", "read")
        and not (step.task.opinion or "").strip()
    )
    files = session.scalar(
        select(func.count()).where(InstanceAttachment.instance_id == instance.id)
    )
    return {
        "deadlines": gettext(
            "%(late)s steps handled late, %(records)s overtime records.",
            late=late,
            records=recorded or 0,
        ),
        "opinions": gettext("%(n)s steps handled without an opinion.", n=silent),
        "attachments": gettext("%(n)s files attached.", n=files or 0),
    }


def rejections(session: Session, found: list[Step]) -> dict[int, str]:
    """Task id -> who answers for a rejection there (§8.6: the initiator's business error)."""
    from oa_platform.inspection import responsibility

    answers = {}
    for step in found:
        if step.task.action in responsibility.REJECTIONS:
            proposal = responsibility.for_rejection(session, step.task)
            person = session.get(OAUser, proposal.person_id) if proposal.person_id else None
            answers[step.task.id] = person.get_full_name() if person else "—"
    return answers


def trail(session: Session, instance_id: int) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.instance_id == instance_id).order_by(AuditEntry.seq)
        )
    )


def findings(session: Session, user, inspection_id: int) -> list[Finding]:
    return list(
        session.scalars(
            select(Finding)
            .where(Finding.inspection_id == inspection_id, policy.readable_findings(session, user))
            .order_by(Finding.id)
        )
    )


@dataclass(frozen=True)
class Report:
    """The inspection report (§8.5): findings by department, by node and by person, and
    each finding; the page, the PDF and the XLSX are made from this one object."""

    inspection: Inspection
    sampled: int
    checked: int
    total: int
    by_department: list[tuple[str, int]]
    by_node: list[tuple[str, str, int]]
    by_person: list[tuple[str, str, int]]
    details: list[tuple[int, str, str, str, str, str, str]]


def report(session: Session, user, found: Inspection) -> Report:
    rows = findings(session, user, found.id)
    names = item_names(session)
    departments = {d.id: d for d in session.scalars(select(Department))}
    by_department: dict[str, int] = {}
    by_node: dict[tuple[str, str], int] = {}
    by_person: dict[tuple[str, str], int] = {}
    details = []
    documents: dict[int, tuple[str, dict]] = {}
    for finding in rows:
        instance = session.get(Instance, finding.instance_id)
        if instance.definition_version_id not in documents:
            version = session.get(DefinitionVersion, instance.definition_version_id)
            definition = session.get(ProcessDefinition, instance.definition_id)
            documents[instance.definition_version_id] = (
                definition.name,
                version.document if version else {},
            )
        definition_name, document = documents[instance.definition_version_id]
        unit = departments.get(finding.department_id)
        unit_name = unit.shown_name if unit else "—"
        person = finding.responsible.get_full_name() if finding.responsible else "—"
        node = node_name(document, finding.node_id) if finding.node_id else "—"
        by_department[unit_name] = by_department.get(unit_name, 0) + 1
        by_node[(definition_name, node)] = by_node.get((definition_name, node), 0) + 1
        by_person[(person, unit_name)] = by_person.get((person, unit_name), 0) + 1
        item = names.get(finding.item_code)
        item_name = defaults.item_label(item) if item else finding.item_code
        details.append(
            (instance.id, instance.title, item_name, node, person, unit_name, finding.note)
        )
    samples = list(
        session.scalars(select(SampledInstance).where(SampledInstance.inspection_id == found.id))
    )
    return Report(
        inspection=found,
        sampled=len(samples),
        checked=sum(1 for s in samples if s.checked_at),
        total=len(rows),
        by_department=sorted(by_department.items(), key=lambda r: (-r[1], r[0])),
        by_node=sorted(
            ((d, n, c) for (d, n), c in by_node.items()), key=lambda r: (-r[2], r[0], r[1])
        ),
        by_person=sorted(
            ((p, u, c) for (p, u), c in by_person.items()), key=lambda r: (-r[2], r[0], r[1])
        ),
        details=details,
    )


def tickets(session: Session, user, status: str | None = None) -> list[Ticket]:
    query = select(Ticket).where(policy.readable_tickets(session, user))
    if status:
        query = query.where(Ticket.status == status)
    return list(session.scalars(query.order_by(Ticket.id.desc()).limit(500)))


def proposed(session: Session, inspection_id: int) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .where(Ticket.inspection_id == inspection_id, Ticket.status == "proposed")
            .order_by(Ticket.id)
        )
    )


@dataclass(frozen=True)
class Tally:
    key: str
    red: int
    white: int
    points: int


def tallies(session: Session, user, by: str) -> list[Tally]:
    """Issued tickets (an appeal granted takes one out) counted by ``by``: "person",
    "department" (the person's when they acted) or "quarter"; what ``user`` may read."""
    red = func.sum(case((Ticket.colour == "red", 1), else_=0))
    white = func.sum(case((Ticket.colour == "white", 1), else_=0))
    points = func.sum(Ticket.points)
    where = (Ticket.status == "issued", policy.readable_tickets(session, user))
    if by == "person":
        rows = session.execute(
            select(OAUser, red, white, points)
            .join(Ticket, Ticket.person_id == OAUser.id)
            .where(*where)
            .group_by(OAUser.id)
            .order_by(OAUser.username)
        )
        return [Tally(u.get_full_name(), r or 0, w or 0, p or 0) for u, r, w, p in rows]
    if by == "department":
        rows = session.execute(
            select(Ticket.department_id, red, white, points)
            .where(*where)
            .group_by(Ticket.department_id)
            .order_by(Ticket.department_id)
        )
        names = {d.id: d.shown_name for d in session.scalars(select(Department))}
        return [Tally(names.get(d, "—"), r or 0, w or 0, p or 0) for d, r, w, p in rows]
    if by == "quarter":
        rows = session.execute(
            select(Ticket.quarter, red, white, points)
            .where(*where)
            .group_by(Ticket.quarter)
            .order_by(Ticket.quarter)
        )
        return [Tally(q, r or 0, w or 0, p or 0) for q, r, w, p in rows]
    raise ValueError(by)
