"""Who may see and do what in inspections and tickets: the one owner of the rule (§2.1.1,
§8.5-§8.7; issue 22 item 5). Views and the API only render what it answers.

- IT (Admin) inspects: opens inspections, records findings, issues or dismisses tickets,
  configures the checklist and the ticket rules.
- Auditors read everything and change nothing.
- A unit head reads the tickets and findings of the departments they head (and those below).
- Everyone reads their own tickets and appeals each once; the leader in charge of the
  person's department decides the appeal and reads the ticket meanwhile.

Whoever may not see a thing is told it does not exist (404).
"""

from __future__ import annotations

from sqlalchemy import false, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from oa_platform.inspection.models import Finding, Inspection, Ticket
from oa_platform.org.models import Department
from oa_platform.runtime.visibility import is_auditor

INSPECTOR_ROLE = "Admin"


class InspectionNotFoundError(LookupError):
    """Missing, or not for this person to know (404)."""


def is_inspector(user) -> bool:
    """IT inspects (§2.1.1, §8.5)."""
    return any(role.name == INSPECTOR_ROLE for role in user.roles)


def sees_everything(user) -> bool:
    return is_inspector(user) or is_auditor(user)


def headed_units(session: Session, user) -> list[int]:
    """The departments ``user`` heads now, with every department below them."""
    found = list(session.scalars(select(Department.id).where(Department.head_id == user.id)))
    frontier = list(found)
    while frontier:
        below = list(
            session.scalars(select(Department.id).where(Department.parent_id.in_(frontier)))
        )
        frontier = [d for d in below if d not in found]
        found.extend(frontier)
    return found


def may_read_inspections(session: Session, user) -> bool:
    """The inspections' list and reports: IT, Auditors, and unit heads (their unit's part)."""
    return sees_everything(user) or bool(headed_units(session, user))


def readable_findings(session: Session, user) -> ColumnElement[bool]:
    """A filter on :class:`Finding`: all for IT and Auditors, a unit head's units' only."""
    if sees_everything(user):
        return true()
    units = headed_units(session, user)
    return Finding.department_id.in_(units) if units else false()


def inspection(session: Session, user, inspection_id: int) -> Inspection:
    found = session.get(Inspection, inspection_id)
    if found is None or not may_read_inspections(session, user):
        raise InspectionNotFoundError(inspection_id)
    return found


def may_inspect(user, found: Inspection | None = None) -> bool:
    """Open inspections, draw, record findings, propose and issue tickets, close: IT, while
    the inspection is open."""
    return is_inspector(user) and (found is None or found.status == "open")


def may_read_samples(user) -> bool:
    """The sampled instances' forms, trails, opinions and timing: IT and Auditors."""
    return sees_everything(user)


def readable_tickets(session: Session, user) -> ColumnElement[bool]:
    """A filter on :class:`Ticket` for what ``user`` may read. Proposed and dismissed tickets
    are IT's and the Auditors' only: a person hears of a ticket once it is issued."""
    if sees_everything(user):
        return true()
    units = headed_units(session, user)
    seen = Ticket.status.in_(("issued", "cancelled"))
    mine = or_(Ticket.person_id == user.id, Ticket.appeal_decider_id == user.id)
    return seen & (or_(mine, Ticket.department_id.in_(units)) if units else mine)


def ticket(session: Session, user, ticket_id: int) -> Ticket:
    found = session.scalar(
        select(Ticket).where(Ticket.id == ticket_id, readable_tickets(session, user))
    )
    if found is None:
        raise InspectionNotFoundError(ticket_id)
    return found


def may_issue(user, found: Ticket) -> bool:
    """Confirm or dismiss a proposed ticket: IT."""
    return is_inspector(user) and found.status == "proposed"


def may_appeal(user, found: Ticket) -> bool:
    """The person appeals an issued ticket once (§8.7)."""
    return found.person_id == user.id and found.status == "issued" and found.appealed_at is None


def may_decide(user, found: Ticket) -> bool:
    """The leader in charge named when the appeal was made decides it, once."""
    return (
        found.appealed_at is not None
        and found.appeal_decision is None
        and found.appeal_decider_id == user.id
    )
