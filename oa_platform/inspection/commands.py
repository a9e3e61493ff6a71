"""The inspection's write path: each use case asks ``policy`` and runs in one unit of work;
pages and the REST API call these and render what they answer. A refused command raises
:class:`InspectionCommandError` with the person's message and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext, pgettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.inspection import defaults, history, policy, responsibility, sampling
from oa_platform.inspection.models import (
    ChecklistItem,
    Finding,
    Inspection,
    InspectionReport,
    SampledInstance,
    Ticket,
    TicketRule,
)
from oa_platform.notifications.service import tell
from oa_platform.runtime.models import Instance, OvertimeRecord, Task
from oa_platform.unit_of_work import unit_of_work

COLOURS = ("red", "white")
MAX_SAMPLE = 10_000
TEXT_LIMIT = 2000


class InspectionCommandError(ValueError):
    """A refused inspection command; the message names the field or says why."""


def _zone() -> str:
    return current_app.config.get("OA_TIMEZONE") or "UTC"


def quarter_of(at: datetime) -> str:
    """ "2026Q3": the company's quarter of the stored (naive UTC) moment ``at``."""
    local = at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(_zone()))
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def _text(field: str, value: str | None, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InspectionCommandError(gettext("%(field)s: this field is required.", field=field))
    if len(value) > TEXT_LIMIT:
        raise InspectionCommandError(
            gettext("%(field)s: at most %(n)s characters.", field=field, n=TEXT_LIMIT)
        )
    return value


@dataclass(frozen=True)
class InspectionRequest:
    """What IT asks for: a period (a quarter by default), a scope and a size or a rate."""

    title: str
    first: date
    last: date
    companies: tuple[str, ...] = ()
    departments: tuple[int, ...] = ()
    definitions: tuple[str, ...] = ()
    sample_size: int | None = None
    sample_rate: float | None = None
    seed: str | None = None


def open_inspection(session: Session, user, request: InspectionRequest) -> Inspection:
    """Open an inspection and draw its sample (§8.5), the seed recorded."""

    def work() -> Inspection:
        if not policy.may_inspect(user):
            raise policy.InspectionNotFoundError("inspect")
        title = _text(gettext("Title"), request.title)[:255]
        if request.last < request.first:
            raise InspectionCommandError(gettext("Period: the last day is before the first."))
        size, rate = request.sample_size, request.sample_rate
        if not size and not rate:
            raise InspectionCommandError(gettext("Sample: give a size or a rate."))
        if size is not None and not 0 < size <= MAX_SAMPLE:
            raise InspectionCommandError(gettext("Sample size: between 1 and %(n)s.", n=MAX_SAMPLE))
        if rate is not None and not 0 < rate <= 1:
            raise InspectionCommandError(
                gettext("Sample rate: a percentage above 0 and at most 100.")
            )
        defaults.ensure(session)
        found = Inspection(
            title=title,
            period_first=request.first,
            period_last=request.last,
            scope={
                "companies": list(request.companies),
                "departments": list(request.departments),
                "definitions": list(request.definitions),
            },
            sample_size=size or None,
            sample_rate=None if size else rate,
            seed=request.seed or sampling.new_seed(),
            created_by_id=user.id,
        )
        session.add(found)
        session.flush()
        total, drawn = sampling.draw(session, found, _zone())
        found.population = total
        session.add_all(
            SampledInstance(inspection_id=found.id, instance_id=i, definition_id=d)
            for i, d in drawn
        )
        session.flush()
        return found

    return unit_of_work(session).run(work, conflicts=())


def _check_open(user, found: Inspection | None, key: int) -> None:
    """IT works on an open inspection; a closed one says so; anyone else is told nothing
    exists (404)."""
    if found is None or not policy.is_inspector(user):
        raise policy.InspectionNotFoundError(key)
    if not policy.may_inspect(user, found):
        raise InspectionCommandError(gettext("The inspection is closed: its report is kept."))


def _item(session: Session, code: str) -> ChecklistItem:
    item = session.scalar(select(ChecklistItem).where(ChecklistItem.code == code))
    if item is None or not item.active:
        raise InspectionCommandError(gettext("Checklist item: choose one from the list."))
    return item


def _ticket_for(
    session: Session,
    proposal: responsibility.Proposal,
    *,
    colour: str,
    points: int,
    reason: str,
    **links,
) -> Ticket | None:
    if proposal.person_id is None:
        return None
    found = Ticket(
        colour=colour,
        person_id=proposal.person_id,
        department_id=proposal.department_id,
        quarter=quarter_of(proposal.at),
        reason=reason,
        points=points,
        proposed_at=utcnow(),
        **links,
    )
    session.add(found)
    return found


def record_finding(
    session: Session, user, sample_id: int, item_code: str, note: str, task_id: int | None = None
) -> Finding:
    """A finding on a sampled instance under one checklist item: who answers for it is
    proposed from the org structure at the time (§8.6) and a ticket is proposed to them for
    an inspector to confirm (§8.7)."""

    def work() -> Finding:
        sample = session.get(SampledInstance, sample_id)
        found = session.get(Inspection, sample.inspection_id) if sample else None
        _check_open(user, found, sample_id)
        item = _item(session, item_code)
        text = _text(gettext("Finding"), note)
        instance = session.get(Instance, sample.instance_id)
        task = None
        if task_id is not None:
            task = session.get(Task, task_id)
            if task is None or task.instance_id != instance.id:
                raise InspectionCommandError(gettext("Node: choose a step of this instance."))
        if item.responsibility == responsibility.HANDLER and task is None:
            raise InspectionCommandError(
                gettext("Node: this item needs the step whose handler answers for it.")
            )
        proposal = responsibility.propose(session, instance, item.responsibility, task)
        finding = Finding(
            inspection_id=found.id,
            sample_id=sample.id,
            instance_id=instance.id,
            item_code=item.code,
            note=text,
            task_id=task.id if task else None,
            node_id=task.node_id if task else "",
            responsibility=item.responsibility,
            responsible_id=proposal.person_id,
            department_id=proposal.department_id,
            action_at=proposal.at,
            recorded_by_id=user.id,
        )
        session.add(finding)
        session.flush()
        _ticket_for(
            session,
            proposal,
            colour=item.colour,
            points=item.points,
            reason=f"{item.name_zh or item.name} / {item.name}: {text}"[:TEXT_LIMIT],
            inspection_id=found.id,
            finding_id=finding.id,
            instance_id=instance.id,
        )
        sample.checked_at = sample.checked_at or utcnow()
        sample.checked_by_id = sample.checked_by_id or user.id
        session.flush()
        return finding

    return unit_of_work(session).run(work, conflicts=())


def mark_checked(session: Session, user, sample_id: int) -> SampledInstance:
    """The inspector went through the instance's checklist (with or without findings)."""

    def work() -> SampledInstance:
        sample = session.get(SampledInstance, sample_id)
        found = session.get(Inspection, sample.inspection_id) if sample else None
        _check_open(user, found, sample_id)
        sample.checked_at = utcnow()
        sample.checked_by_id = user.id
        return sample

    return unit_of_work(session).run(work)


def _rule_exists(session: Session, code: str, key: str) -> bool:
    return (
        session.scalar(select(Ticket.id).where(Ticket.rule_code == code, Ticket.source_key == key))
        is not None
    )


def propose_by_rules(session: Session, user, inspection_id: int) -> int:
    """Run the active ticket rules over the inspection's period (§8.7): overtime records
    later than N hours, and people with N or more missing-opinion findings. Each source is
    proposed once; how many tickets were proposed."""

    def work() -> int:
        found = session.get(Inspection, inspection_id)
        _check_open(user, found, inspection_id)
        defaults.ensure(session)
        period = sampling.period_of(found, _zone())
        made = 0
        rules = session.scalars(select(TicketRule).where(TicketRule.active.is_(True)))
        for rule in rules:
            if rule.kind == "overtime_hours":
                late = session.scalars(
                    select(OvertimeRecord).where(
                        OvertimeRecord.due_at >= period.starts_at,
                        OvertimeRecord.due_at < period.ends_before,
                        OvertimeRecord.minutes_late > rule.threshold * 60,
                    )
                )
                for record in late:
                    key = f"overtime:{record.id}"
                    if _rule_exists(session, rule.code, key):
                        continue
                    at = record.due_at
                    proposal = responsibility.Proposal(
                        responsibility.HANDLER,
                        record.handler_id,
                        record.department_id
                        or history.department_at(session, record.handler_id, at),
                        at,
                    )
                    hours = round((record.minutes_late or 0) / 60, 1)
                    reason = f"超时 {hours} 小时 / overtime {hours} h (> {rule.threshold:g} h)"
                    made += bool(
                        _ticket_for(
                            session,
                            proposal,
                            colour=rule.colour,
                            points=rule.points,
                            reason=reason,
                            inspection_id=found.id,
                            overtime_id=record.id,
                            instance_id=record.instance_id,
                            rule_code=rule.code,
                            source_key=key,
                        )
                    )
            elif rule.kind == "missing_opinions":
                counts = session.execute(
                    select(
                        Finding.responsible_id,
                        func.count(),
                        func.min(Finding.action_at),
                        func.min(Finding.department_id),
                    )
                    .join(Inspection, Inspection.id == Finding.inspection_id)
                    .where(
                        Finding.item_code == defaults.MISSING_OPINIONS_ITEM,
                        Finding.responsible_id.is_not(None),
                        Inspection.period_first == found.period_first,
                        Inspection.period_last == found.period_last,
                    )
                    .group_by(Finding.responsible_id)
                )
                for person, n, at, department in counts:
                    key = f"opinions:{person}:{found.period_first}:{found.period_last}"
                    if n < rule.threshold or _rule_exists(session, rule.code, key):
                        continue
                    proposal = responsibility.Proposal(
                        responsibility.HANDLER, person, department, at or utcnow()
                    )
                    made += bool(
                        _ticket_for(
                            session,
                            proposal,
                            colour=rule.colour,
                            points=rule.points,
                            reason=f"多次未签署意见 {n} 次 / opinions missing {n} times",
                            inspection_id=found.id,
                            rule_code=rule.code,
                            source_key=key,
                        )
                    )
        session.flush()
        return made

    return unit_of_work(session).run(work, conflicts=())


def _ticket_link(ticket: Ticket) -> str:
    return f"/inspection/tickets/{ticket.id}"


def issue_ticket(session: Session, user, ticket_id: int) -> Ticket:
    """An inspector confirms a proposed ticket: it counts, and the person is told (§8.7)."""

    def work() -> Ticket:
        found = policy.ticket(session, user, ticket_id)
        if not policy.may_issue(user, found):
            raise InspectionCommandError(gettext("Only a proposed ticket is issued, by IT."))
        found.status = "issued"
        found.issued_at = utcnow()
        found.issued_by_id = user.id
        person = session.get(OAUser, found.person_id)
        colour = found.colour
        tell(
            session,
            [person],
            kind="ticket",
            key=f"ticket:{found.id}",
            link=_ticket_link(found),
            message=lambda: gettext(
                "A %(colour)s ticket was issued to you: %(reason)s",
                colour=gettext("red") if colour == "red" else gettext("white"),
                reason=found.reason[:150],
            ),
        )
        return found

    return unit_of_work(session).run(work)


def dismiss_ticket(session: Session, user, ticket_id: int) -> Ticket:
    """An inspector turns a proposal down: it never counts and the person is not told."""

    def work() -> Ticket:
        found = policy.ticket(session, user, ticket_id)
        if not policy.may_issue(user, found):
            raise InspectionCommandError(gettext("Only a proposed ticket is dismissed, by IT."))
        found.status = "dismissed"
        return found

    return unit_of_work(session).run(work)


def appeal(session: Session, user, ticket_id: int, text: str) -> Ticket:
    """The person appeals once (§8.7); the leader in charge of their department decides and
    is told."""

    def work() -> Ticket:
        found = policy.ticket(session, user, ticket_id)
        if not policy.may_appeal(user, found):
            raise InspectionCommandError(gettext("A ticket is appealed once, by its person."))
        reason = _text(gettext("Appeal"), text)
        decider = responsibility.leader_in_charge_now(session, user.id)
        if decider is None or decider == user.id:
            raise InspectionCommandError(
                gettext("Your department has no leader in charge to decide an appeal.")
            )
        found.appeal_text = reason
        found.appealed_at = utcnow()
        found.appeal_decider_id = decider
        name = user.get_full_name()
        tell(
            session,
            [session.get(OAUser, decider)],
            kind="ticket",
            key=f"appeal:{found.id}",
            link=_ticket_link(found),
            message=lambda: gettext("%(name)s appeals a ticket: decide it.", name=name),
        )
        return found

    return unit_of_work(session).run(work)


def decide_appeal(session: Session, user, ticket_id: int, granted: bool, reason: str) -> Ticket:
    """The leader in charge decides: upheld (the ticket stands) or granted (cancelled: it
    leaves the tallies). The person is told."""

    def work() -> Ticket:
        found = policy.ticket(session, user, ticket_id)
        if not policy.may_decide(user, found):
            raise InspectionCommandError(
                gettext("Only the leader in charge named on the appeal decides it, once.")
            )
        found.appeal_reason = _text(gettext("Reason"), reason)
        found.appeal_decision = "granted" if granted else "upheld"
        found.appeal_decided_at = utcnow()
        if granted:
            found.status = "cancelled"
        tell(
            session,
            [session.get(OAUser, found.person_id)],
            kind="ticket",
            key=f"decided:{found.id}",
            link=_ticket_link(found),
            message=lambda: (
                gettext("Your appeal was granted: the ticket is cancelled.")
                if granted
                else gettext("Your appeal was turned down: the ticket stands.")
            ),
        )
        return found

    return unit_of_work(session).run(work)


def close_inspection(session: Session, user, inspection_id: int, render) -> Inspection:
    """Close the inspection and keep its report (§8.5) in each format ``render(format)``
    returns (bytes)."""

    def work() -> Inspection:
        found = session.get(Inspection, inspection_id)
        if found is None or not policy.may_inspect(user, found):
            raise InspectionCommandError(gettext("Only an open inspection is closed, by IT."))
        found.status = "closed"
        found.closed_at = utcnow()
        session.flush()
        for kind in ("pdf", "xlsx"):
            session.add(InspectionReport(inspection_id=found.id, format=kind, content=render(kind)))
        session.flush()
        return found

    return unit_of_work(session).run(work, conflicts=())


def save_item(
    session: Session,
    user,
    code: str,
    name: str,
    name_zh: str,
    who: str,
    colour: str,
    points: int,
    active: bool,
) -> ChecklistItem:
    """Add or change a checklist item (IT)."""

    def work() -> ChecklistItem:
        if not policy.is_inspector(user):
            raise policy.InspectionNotFoundError("checklist")
        key = _text(gettext("Code"), code)[:32]
        if who not in responsibility.KINDS:
            raise InspectionCommandError(gettext("Who answers: choose one from the list."))
        if colour not in COLOURS:
            raise InspectionCommandError(gettext("Colour: red or white."))
        if not 0 <= points <= 100:
            raise InspectionCommandError(gettext("Points: between 0 and 100."))
        item = session.scalar(select(ChecklistItem).where(ChecklistItem.code == key))
        if item is None:
            item = ChecklistItem(code=key, position=100)
            session.add(item)
        item.name = _text(pgettext("checklist item", "Name"), name)[:128]
        item.name_zh = _text(gettext("Chinese name"), name_zh, required=False)[:128] or None
        item.responsibility, item.colour, item.points, item.active = who, colour, points, active
        session.flush()
        return item

    return unit_of_work(session).run(work, conflicts=())


def save_rule(
    session: Session, user, code: str, threshold: float, colour: str, points: int, active: bool
) -> TicketRule:
    """Change a ticket rule's threshold, colour, points or whether it runs (IT)."""

    def work() -> TicketRule:
        if not policy.is_inspector(user):
            raise policy.InspectionNotFoundError("rules")
        rule = session.scalar(select(TicketRule).where(TicketRule.code == code))
        if rule is None:
            raise InspectionCommandError(gettext("Rule: choose one from the list."))
        if not 0 < threshold <= 10_000:
            raise InspectionCommandError(gettext("Threshold: above 0 and at most 10000."))
        if colour not in COLOURS:
            raise InspectionCommandError(gettext("Colour: red or white."))
        if not 0 <= points <= 100:
            raise InspectionCommandError(gettext("Points: between 0 and 100."))
        rule.threshold, rule.colour, rule.points, rule.active = threshold, colour, points, active
        return rule

    return unit_of_work(session).run(work)
