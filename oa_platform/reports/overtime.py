"""The overtime inspection's queries (regulations §8.5): totals, the summaries by handler and
by node, and the detailed records, for a period and optional department, process and handler.

Each list is one SELECT over ``process_overtime`` with what the page shows joined in; the
lateness of every record is one SQL expression, so sums and maxima are computed by the
database:

- handled (the task is done) or closed (it left its handler unhandled: transferred, handed
  over, cancelled by a rollback or termination): the ``minutes_late`` the runtime recorded,
  or, where it recorded none (today the runtime fills it only when the task is done), up to
  the task's ``completed_at``;
- still open: up to ``now``.

A record belongs to the period its due time falls in, and to the department its handler was
in when the deadline passed (kept on the record: people move, the report does not).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Select, case, func, literal, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from form_builder import localized
from form_builder.chain import node_name
from form_builder.models import DefinitionVersion, ProcessDefinition
from oa_platform.accounts.models import OAUser
from oa_platform.org.models import Company, Department, person_name, shown_name
from oa_platform.reports.minutes import minutes_between
from oa_platform.reports.periods import Period
from oa_platform.runtime.inbox import Page, _paged
from oa_platform.runtime.models import Instance, OvertimeRecord, Task
from oa_platform.runtime.states import LIVE_TASK, TaskStatus
from oa_platform.runtime.visibility import visible_to

# Aliased so that ``visible_to``'s own subquery over process_task is not correlated with the
# record's task.
_task = aliased(Task, name="late_task")
_STILL_OPEN = _task.status.in_(LIVE_TASK)


@dataclass(frozen=True)
class OvertimeFilters:
    """What the inspection covers: a period, and optionally one department (the handler's,
    when late), one process (definition key) and one handler (user name)."""

    period: Period
    department_id: int | None = None
    definition: str = ""
    handler: str = ""


@dataclass(frozen=True)
class Totals:
    records: int
    handlers: int
    still_open: int
    minutes: int
    max_minutes: int


@dataclass(frozen=True)
class HandlerSummary:
    username: str
    name: str
    department: str
    records: int
    still_open: int
    minutes: int
    max_minutes: int


@dataclass(frozen=True)
class NodeSummary:
    definition: str
    node: str
    records: int
    still_open: int
    minutes: int
    max_minutes: int


@dataclass(frozen=True)
class DepartmentSummary:
    """The late tasks of one department (the handler's when the deadline passed); an empty
    ``department`` gathers handlers who had none."""

    department: str
    records: int
    still_open: int
    minutes: int
    max_minutes: int


@dataclass(frozen=True)
class QuarterSummary:
    """The late tasks whose deadline fell in ``quarter``: the trend from one inspection to
    the next (§8.5)."""

    quarter: Period
    records: int
    still_open: int
    minutes: int


@dataclass(frozen=True)
class OvertimeRow:
    """One late task. ``title`` is None when the viewer may not see the instance."""

    instance_id: int
    title: str | None
    definition: str
    node: str
    handler_username: str
    handler: str
    department: str
    due_at: datetime
    state: str  # "handled", "closed" (left the handler unhandled) or "open"
    ended_at: datetime | None  # when it was handled or left the handler
    closed_by: str | None  # for "closed": the task's last action (e.g. "transfer"), if any
    minutes_late: int


def totals(session: Session, filters: OvertimeFilters, now: datetime) -> Totals:
    """Records, distinct handlers, still open, total and longest lateness, in one query."""
    late = _lateness(now)
    row = session.execute(
        _scoped(
            select(
                func.count(OvertimeRecord.id),
                func.count(func.distinct(OvertimeRecord.handler_id)),
                func.count(OvertimeRecord.id).filter(_STILL_OPEN),
                func.coalesce(func.sum(late), 0),
                func.coalesce(func.max(late), 0),
            ),
            filters,
        )
    ).one()
    return Totals(*(int(value) for value in row))


def by_handler(session: Session, filters: OvertimeFilters, now: datetime) -> list[HandlerSummary]:
    """One line per handler, the most records (then the most minutes) first."""
    late = _lateness(now)
    records = func.count(OvertimeRecord.id).label("records")
    minutes = func.sum(late).label("minutes")
    query = (
        _scoped(
            select(
                OAUser.username,
                OAUser.first_name,
                OAUser.last_name,
                OAUser.name_zh,
                Department.name,
                Department.name_zh,
                Company.code,
                records,
                func.count(OvertimeRecord.id).filter(_STILL_OPEN),
                minutes,
                func.max(late),
            ),
            filters,
        )
        .outerjoin(Department, OvertimeRecord.department_id == Department.id)
        .outerjoin(Company, Department.company_id == Company.id)
        .group_by(
            OAUser.id,
            OAUser.username,
            OAUser.first_name,
            OAUser.last_name,
            OAUser.name_zh,
            Department.name,
            Department.name_zh,
            Company.code,
        )
        .order_by(records.desc(), minutes.desc(), OAUser.username)
    )
    return [
        HandlerSummary(
            username=username,
            name=person_name(first, last, name_zh),
            department=_department(department, department_zh, company),
            records=count,
            still_open=still_open,
            minutes=int(total),
            max_minutes=int(longest),
        )
        for (
            username,
            first,
            last,
            name_zh,
            department,
            department_zh,
            company,
            count,
            still_open,
            total,
            longest,
        ) in session.execute(query)
    ]


def by_node(session: Session, filters: OvertimeFilters, now: datetime) -> list[NodeSummary]:
    """One line per process and node, the most records first. The node's name is taken from
    the newest version among the late instances (a node keeps its id across versions)."""
    late = _lateness(now)
    grouped = (
        _scoped(
            select(
                OvertimeRecord.definition_id,
                OvertimeRecord.node_id,
                func.count(OvertimeRecord.id).label("records"),
                func.count(OvertimeRecord.id).filter(_STILL_OPEN).label("still_open"),
                func.sum(late).label("minutes"),
                func.max(late).label("max_minutes"),
                func.max(Instance.definition_version_id).label("version_id"),
            ).join(Instance, Instance.id == OvertimeRecord.instance_id),
            filters,
        )
        .group_by(OvertimeRecord.definition_id, OvertimeRecord.node_id)
        .subquery()
    )
    query = (
        select(
            grouped,
            ProcessDefinition.name,
            ProcessDefinition.name_texts,
            DefinitionVersion.document,
        )
        .join(ProcessDefinition, ProcessDefinition.id == grouped.c.definition_id)
        .join(DefinitionVersion, DefinitionVersion.id == grouped.c.version_id)
        .order_by(
            grouped.c.records.desc(),
            grouped.c.minutes.desc(),
            ProcessDefinition.name,
            grouped.c.node_id,
        )
    )
    return [
        NodeSummary(
            definition=localized.text(row.name_texts or row.name),
            node=node_name(row.document, row.node_id),
            records=row.records,
            still_open=row.still_open,
            minutes=int(row.minutes),
            max_minutes=int(row.max_minutes),
        )
        for row in session.execute(query)
    ]


def by_department(
    session: Session, filters: OvertimeFilters, now: datetime
) -> list[DepartmentSummary]:
    """One line per department, the most minutes late first: where lateness concentrates."""
    late = _lateness(now)
    records = func.count(OvertimeRecord.id).label("records")
    minutes = func.sum(late).label("minutes")
    query = (
        _scoped(
            select(
                Department.name,
                Department.name_zh,
                Company.code,
                records,
                func.count(OvertimeRecord.id).filter(_STILL_OPEN),
                minutes,
                func.max(late),
            ),
            filters,
        )
        .outerjoin(Department, OvertimeRecord.department_id == Department.id)
        .outerjoin(Company, Department.company_id == Company.id)
        .group_by(OvertimeRecord.department_id, Department.name, Department.name_zh, Company.code)
        .order_by(minutes.desc(), records.desc(), Department.name)
    )
    return [
        DepartmentSummary(
            department=_department(department, department_zh, company),
            records=count,
            still_open=still_open,
            minutes=int(total),
            max_minutes=int(longest),
        )
        for department, department_zh, company, count, still_open, total, longest in (
            session.execute(query)
        )
    ]


def by_quarter(
    session: Session, filters: OvertimeFilters, now: datetime, quarters: Sequence[Period]
) -> list[QuarterSummary]:
    """The late tasks of each of ``quarters`` (consecutive, oldest first), with the filter's
    department, process and handler but not its period: one query, each record put in its
    quarter by a CASE over the quarters' bounds (no date functions, so SQLite and PostgreSQL
    agree, and quarters are the company's days, not UTC's). Quarters without overtime are
    listed with zeros so the trend shows them."""
    if not quarters:
        return []
    span = Period(quarters[0].first, quarters[-1].last, quarters[0].zone)
    quarter = case(
        *(
            (OvertimeRecord.due_at < period.ends_before, index)
            for index, period in enumerate(quarters)
        ),
        else_=len(quarters),
    ).label("quarter")
    query = _scoped(
        select(
            quarter,
            func.count(OvertimeRecord.id),
            func.count(OvertimeRecord.id).filter(_STILL_OPEN),
            func.coalesce(func.sum(_lateness(now)), 0),
        ),
        replace(filters, period=span),
    ).group_by(quarter)
    found = {
        index: (count, still_open, int(total))
        for index, count, still_open, total in (session.execute(query))
    }
    return [
        QuarterSummary(period, *found.get(index, (0, 0, 0)))
        for index, period in enumerate(quarters)
    ]


def details(
    session: Session, filters: OvertimeFilters, now: datetime, viewer: Any, page: int
) -> Page[OvertimeRow]:
    """One page of the late tasks, oldest due first, with the total count."""
    query = _details(filters, now, viewer)
    found = _paged(session, query, page, width=len(query.selected_columns))
    return Page([_row(*values) for values in found.items], found.total, found.number)


def all_details(
    session: Session, filters: OvertimeFilters, now: datetime, viewer: Any
) -> Iterator[OvertimeRow]:
    """Every late task of the filter, oldest due first, streamed (for the CSV export)."""
    for values in session.execute(_details(filters, now, viewer)).yield_per(500):
        yield _row(*values)


def _lateness(now: datetime) -> ColumnElement[int]:
    ended = func.coalesce(_task.completed_at, literal(now, DateTime()))
    return func.coalesce(OvertimeRecord.minutes_late, minutes_between(OvertimeRecord.due_at, ended))


def _scoped(query: Select, filters: OvertimeFilters) -> Select:
    """``query`` over the records of ``filters``, with the task, handler and process joined."""
    query = (
        query.select_from(OvertimeRecord)
        .join(_task, _task.id == OvertimeRecord.task_id)
        .join(OAUser, OAUser.id == OvertimeRecord.handler_id)
        .where(
            OvertimeRecord.due_at >= filters.period.starts_at,
            OvertimeRecord.due_at < filters.period.ends_before,
        )
    )
    if filters.department_id is not None:
        query = query.where(OvertimeRecord.department_id == filters.department_id)
    if filters.definition:
        query = query.where(
            OvertimeRecord.definition_id.in_(
                select(ProcessDefinition.id).where(ProcessDefinition.key == filters.definition)
            )
        )
    if filters.handler:
        query = query.where(OAUser.username == filters.handler)
    return query


def _details(filters: OvertimeFilters, now: datetime, viewer: Any) -> Select:
    return (
        _scoped(
            select(
                OvertimeRecord.instance_id,
                Instance.title,
                visible_to(viewer).label("visible"),
                ProcessDefinition.name,
                ProcessDefinition.name_texts,
                DefinitionVersion.document,
                OvertimeRecord.node_id,
                OAUser.username,
                OAUser.first_name,
                OAUser.last_name,
                OAUser.name_zh,
                Department.name,
                Department.name_zh,
                Company.code,
                OvertimeRecord.due_at,
                _task.status,
                _task.completed_at,
                _task.action,
                _lateness(now),
            ),
            filters,
        )
        .join(Instance, Instance.id == OvertimeRecord.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == OvertimeRecord.definition_id)
        .join(DefinitionVersion, DefinitionVersion.id == Instance.definition_version_id)
        .outerjoin(Department, OvertimeRecord.department_id == Department.id)
        .outerjoin(Company, Department.company_id == Company.id)
        .order_by(OvertimeRecord.due_at, OvertimeRecord.id)
    )


def _row(
    instance_id: int,
    title: str,
    visible: bool,
    definition: str,
    definition_texts: Mapping[str, str] | None,
    document: Mapping[str, Any],
    node_id: str,
    username: str,
    first: str,
    last: str,
    name_zh: str | None,
    department: str | None,
    department_zh: str | None,
    company: str | None,
    due_at: datetime,
    status: TaskStatus,
    completed_at: datetime | None,
    action: str | None,
    minutes_late: int,
) -> OvertimeRow:
    state = {TaskStatus.DONE: "handled", TaskStatus.CANCELLED: "closed"}.get(status, "open")
    return OvertimeRow(
        instance_id=instance_id,
        title=title if visible else None,
        definition=localized.text(definition_texts or definition),
        node=node_name(document, node_id),
        handler_username=username,
        handler=person_name(first, last, name_zh),
        department=_department(department, department_zh, company),
        due_at=due_at,
        state=state,
        ended_at=completed_at,
        closed_by=action if state == "closed" else None,
        minutes_late=int(minutes_late),
    )


def _department(name: str | None, name_zh: str | None, company: str | None) -> str:
    """The handler's department as the pickers name it, in the request's language."""
    return f"{shown_name(name, name_zh)} ({company})" if name else ""
