"""The usage view's figures (regulations §2.1.1), each one SQL query over the indexed task,
instance, account-event and delegation tables, on SQLite and PostgreSQL alike.

What counts where:

- a person belongs to the unit of their department (as it is now);
- an instance is *started* in the period it was submitted in, *finished* in the period it
  completed in, by its initiator's unit; its *throughput* is submission to completion;
- a task is *handled* in the period its handler acted in (``completed_at``), by its
  handler's unit; its *handling time* runs from when it reached the handler's to-do list
  (``created_at``) to the action; it is *late* when handled after its deadline (§3.3), and
  the *overtime rate* is the late share of the handled tasks that had a deadline;
- an *active user* signed in, submitted an instance or acted on a task in the period;
- an *agent in use* is a delegation in force on some day of the period (§3.4, §4.4);
- an *idle account* is an active account whose last sign-in is older than N days (or never).

Medians and 90th percentiles are the nearest-rank kind (the smallest value with at least
half, or nine tenths, of the values at or below it, as PostgreSQL's ``percentile_disc``),
computed in SQL over a bounded aggregate: the tasks are first counted per whole minute of
handling time, then a running sum over those counts finds the rank. No task row reaches
Python, and the same statement runs on both databases (SQLite has no percentile function).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, func, literal, or_, select, true, union
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from form_builder import localized
from form_builder.chain import node_name
from form_builder.models import DefinitionVersion, ProcessDefinition
from oa_platform.accounts.models import AccountEvent, OAUser
from oa_platform.agents.models import AgentDelegation
from oa_platform.org.models import Company, Department, shown_name
from oa_platform.reports.minutes import minutes_between
from oa_platform.reports.periods import Period
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.states import InstanceStatus, TaskStatus

AGREE = "agree"
# The initiator's submission (and resubmission) closes the start node's task: that is
# starting an instance, not handling one.
SUBMIT = "submit"
LOGIN = "login_success"
ENDED_OTHERWISE = (InstanceStatus.TERMINATED, InstanceStatus.CANCELLED)


@dataclass(frozen=True)
class Scope:
    """What the view covers: a period, and the departments whose people count (None: the
    whole group, people in no department included)."""

    period: Period
    department_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class Summary:
    active_users: int
    started: int
    finished: int
    ended_otherwise: int  # terminated or cancelled in the period
    handled: int
    with_deadline: int
    late: int
    not_agree: int  # tasks closed in the period with an action other than agree
    agents: int  # delegations in force
    on_behalf: int  # tasks agents handled for people of the scope
    idle: int

    @property
    def overtime_rate(self) -> float | None:
        """The late share of the handled tasks that had a deadline (None: none had)."""
        return self.late / self.with_deadline if self.with_deadline else None


@dataclass(frozen=True)
class DefinitionLine:
    key: str
    name: str
    started: int
    finished: int
    median_minutes: int | None
    p90_minutes: int | None


@dataclass(frozen=True)
class NodeLine:
    definition: str
    node_id: str
    node: str
    handled: int
    median_minutes: int | None  # None: no task handled there (only closed otherwise)
    p90_minutes: int | None
    with_deadline: int
    late: int
    not_agree: int

    @property
    def overtime_rate(self) -> float | None:
        return self.late / self.with_deadline if self.with_deadline else None


@dataclass(frozen=True)
class ActionLine:
    action: str
    tasks: int


@dataclass(frozen=True)
class AgentLine:
    principal: str
    principal_username: str
    agent: str
    agent_username: str
    starts_on: date
    ends_on: date
    revoked_at: datetime | None
    on_behalf: int  # tasks the agent handled for the principal in the period


@dataclass(frozen=True)
class IdleLine:
    username: str
    name: str
    department: str
    last_login: datetime | None


@dataclass(frozen=True)
class Bar:
    """One bar group of the started/finished chart: a day or a month of the period."""

    label: str
    started: int
    finished: int


def _name(default: str, texts: dict[str, str] | None) -> str:
    """A process's name in the request's language (``ProcessDefinition.name``)."""
    return localized.text(texts or default)


def _people(scope: Scope) -> Select | None:
    """The ids of the people of the scope's departments (None: everyone counts)."""
    if scope.department_ids is None:
        return None
    return select(OAUser.id).where(OAUser.department_id.in_(sorted(scope.department_ids)))


def _of_scope(column: ColumnElement, scope: Scope) -> ColumnElement[bool]:
    people = _people(scope)
    return true() if people is None else column.in_(people)


def _during(column: ColumnElement, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.starts_at, column < period.ends_before)


def _handling() -> list[ColumnElement[bool]]:
    """Tasks done by handling them (not the initiator's submission)."""
    return [Task.status == TaskStatus.DONE, or_(Task.action.is_(None), Task.action != SUBMIT)]


def _closed_not_agreeing(scope: Scope) -> list[ColumnElement[bool]]:
    """Tasks closed in the period by people of the scope with an action other than agree
    (disagree, roll back, terminate, transfer, ...)."""
    return [
        _during(Task.completed_at, scope.period),
        Task.action.is_not(None),
        Task.action.not_in([AGREE, SUBMIT]),
        _of_scope(Task.assignee_id, scope),
    ]


def _late() -> ColumnElement[bool]:
    return and_(Task.due_at.is_not(None), Task.completed_at > Task.due_at)


def _in_force(period: Period) -> list[ColumnElement[bool]]:
    """Delegations in force on some day of the period (revoked ones until revoked)."""
    return [
        AgentDelegation.starts_on <= period.last,
        AgentDelegation.ends_on >= period.first,
        or_(AgentDelegation.revoked_at.is_(None), AgentDelegation.revoked_at >= period.starts_at),
    ]


def active_users(session: Session, scope: Scope) -> int:
    """People who signed in, submitted an instance or acted on a task in the period."""
    period = scope.period
    acting = union(
        select(AccountEvent.subject_id.label("user_id")).where(
            AccountEvent.kind == LOGIN, _during(AccountEvent.occurred_at, period)
        ),
        select(Instance.initiator_id).where(_during(Instance.submitted_at, period)),
        select(Task.completed_by_id).where(_during(Task.completed_at, period)),
    ).subquery()
    query = select(func.count()).select_from(acting).where(acting.c.user_id.is_not(None))
    query = query.where(_of_scope(acting.c.user_id, scope))
    return int(session.scalar(query) or 0)


def idle_cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _idle(scope: Scope, now: datetime, days: int) -> list[ColumnElement[bool]]:
    cutoff = idle_cutoff(now, days)
    return [
        OAUser.active.is_(True),
        or_(OAUser.last_login.is_(None), OAUser.last_login < cutoff),
        true()
        if scope.department_ids is None
        else OAUser.department_id.in_(sorted(scope.department_ids)),
    ]


def summary(
    session: Session, scope: Scope, now: datetime, idle_days: int, nodes: Sequence[NodeLine]
) -> Summary:
    """Every headline figure; the task counts are the nodes' (:func:`by_node`) added up, so
    the summary and the table agree by construction."""
    period = scope.period
    started_at = _during(Instance.submitted_at, period)
    finished_at = _during(Instance.finished_at, period)
    instances = session.execute(
        select(
            func.count(Instance.id).filter(started_at),
            func.count(Instance.id).filter(
                finished_at, Instance.status == InstanceStatus.COMPLETED
            ),
            func.count(Instance.id).filter(finished_at, Instance.status.in_(ENDED_OTHERWISE)),
        ).where(or_(started_at, finished_at), _of_scope(Instance.initiator_id, scope))
    ).one()
    # For people of the scope, whoever the agent is (an agent may be of another unit).
    on_behalf = session.scalar(
        select(func.count(Task.id)).where(
            _during(Task.completed_at, period),
            *_handling(),
            Task.principal_id.is_not(None),
            _of_scope(Task.principal_id, scope),
        )
    )
    agents = session.scalar(
        select(func.count(AgentDelegation.id)).where(
            *_in_force(period), _of_scope(AgentDelegation.principal_id, scope)
        )
    )
    idle = session.scalar(select(func.count(OAUser.id)).where(*_idle(scope, now, idle_days)))
    return Summary(
        active_users=active_users(session, scope),
        started=int(instances[0]),
        finished=int(instances[1]),
        ended_otherwise=int(instances[2]),
        handled=sum(line.handled for line in nodes),
        with_deadline=sum(line.with_deadline for line in nodes),
        late=sum(line.late for line in nodes),
        not_agree=sum(line.not_agree for line in nodes),
        agents=int(agents or 0),
        on_behalf=int(on_behalf or 0),
        idle=int(idle or 0),
    )


def _percentiles(histogram, keys: Sequence[str], sums: Sequence[str] = ()):
    """Per ``keys`` of ``histogram`` (a subquery of key columns, ``minutes`` and ``n``, the
    number of values of that many minutes, and optionally columns to add up, ``sums``):
    (count, median, 90th percentile, the sums), nearest rank.

    The running sum reaches half of the values first at the median: ``2 * cum >= total``
    (integers on both sides, so no rounding). Rows with ``n`` = 0 never come first: the row
    before them reached the same running sum at fewer minutes."""
    partition = [histogram.c[key] for key in keys]
    ranked = select(
        *partition,
        histogram.c.minutes,
        *(histogram.c[name] for name in sums),
        func.sum(histogram.c.n)
        .over(partition_by=partition, order_by=histogram.c.minutes)
        .label("cum"),
        func.sum(histogram.c.n).over(partition_by=partition).label("total"),
    ).subquery()
    groups = [ranked.c[key] for key in keys]
    found = ranked.c.total > 0
    return (
        select(
            *groups,
            func.max(ranked.c.total).label("count"),
            func.min(
                case((and_(found, 2 * ranked.c.cum >= ranked.c.total), ranked.c.minutes))
            ).label("median"),
            func.min(
                case((and_(found, 10 * ranked.c.cum >= 9 * ranked.c.total), ranked.c.minutes))
            ).label("p90"),
            *(func.sum(ranked.c[name]).label(name) for name in sums),
        )
        .group_by(*groups)
        .subquery()
    )


def by_node(session: Session, scope: Scope) -> list[NodeLine]:
    """Per process and node: tasks handled, median and 90th percentile handling time, late
    share, actions other than agree; the most handled first. A node's name is the newest
    version's among the period's instances (a node keeps its id across versions).

    One pass over the period's tasks: they are counted per node and whole minute of handling
    time, with the late ones and those closed otherwise than agreeing beside them; the
    percentiles and totals come from those counts (the summary adds the nodes up)."""
    minutes = minutes_between(Task.created_at, Task.completed_at)
    handled = and_(*_handling())
    not_agreeing = and_(Task.action.is_not(None), Task.action.not_in([AGREE, SUBMIT]))
    histogram = (
        select(
            Instance.definition_id.label("definition_id"),
            Task.node_id.label("node_id"),
            minutes.label("minutes"),
            func.count(Task.id).filter(handled).label("n"),
            func.count(Task.id).filter(handled, Task.due_at.is_not(None)).label("with_deadline"),
            func.count(Task.id).filter(handled, _late()).label("late"),
            func.count(Task.id).filter(not_agreeing).label("not_agree"),
            func.max(Instance.definition_version_id).label("version_id"),
        )
        .join(Instance, Instance.id == Task.instance_id)
        .where(
            _during(Task.completed_at, scope.period),
            _of_scope(Task.assignee_id, scope),
            or_(handled, not_agreeing),
        )
        .group_by(Instance.definition_id, Task.node_id, minutes)
        .subquery()
    )
    ranks = _percentiles(
        histogram, ["definition_id", "node_id"], ["with_deadline", "late", "not_agree"]
    )
    versions = (
        select(
            histogram.c.definition_id,
            histogram.c.node_id,
            func.max(histogram.c.version_id).label("version_id"),
        )
        .group_by(histogram.c.definition_id, histogram.c.node_id)
        .subquery()
    )
    query = (
        select(
            ranks,
            ProcessDefinition.default_name,
            ProcessDefinition.name_texts,
            DefinitionVersion.document,
        )
        .join(
            versions,
            and_(
                versions.c.definition_id == ranks.c.definition_id,
                versions.c.node_id == ranks.c.node_id,
            ),
        )
        .join(ProcessDefinition, ProcessDefinition.id == ranks.c.definition_id)
        .join(DefinitionVersion, DefinitionVersion.id == versions.c.version_id)
        .order_by(
            ranks.c["count"].desc(),
            ranks.c.not_agree.desc(),
            ProcessDefinition.default_name,
            ranks.c.node_id,
        )
    )
    return [
        NodeLine(
            definition=_name(row.default_name, row.name_texts),
            node_id=row.node_id,
            node=node_name(row.document, row.node_id),
            handled=int(row.count),
            median_minutes=None if row.median is None else int(row.median),
            p90_minutes=None if row.p90 is None else int(row.p90),
            with_deadline=int(row.with_deadline),
            late=int(row.late),
            not_agree=int(row.not_agree),
        )
        for row in session.execute(query)
    ]


def by_definition(session: Session, scope: Scope) -> list[DefinitionLine]:
    """Per process: instances started and finished in the period, and the median and 90th
    percentile time from submission to completion of those finished; the most started
    first. Processes with neither are left out."""
    period = scope.period
    finished = and_(
        _during(Instance.finished_at, period), Instance.status == InstanceStatus.COMPLETED
    )
    started = _during(Instance.submitted_at, period)
    of_scope = _of_scope(Instance.initiator_id, scope)
    minutes = minutes_between(Instance.submitted_at, Instance.finished_at)
    histogram = (
        select(
            Instance.definition_id.label("definition_id"),
            minutes.label("minutes"),
            func.count().label("n"),
        )
        .where(finished, of_scope, Instance.submitted_at.is_not(None))
        .group_by(Instance.definition_id, minutes)
        .subquery()
    )
    ranks = _percentiles(histogram, ["definition_id"])
    counts = (
        select(
            Instance.definition_id.label("definition_id"),
            func.count(Instance.id).filter(started).label("started"),
            func.count(Instance.id).filter(finished).label("finished"),
        )
        .where(or_(started, finished), of_scope)
        .group_by(Instance.definition_id)
        .subquery()
    )
    query = (
        select(
            ProcessDefinition.key,
            ProcessDefinition.default_name,
            ProcessDefinition.name_texts,
            counts.c.started,
            counts.c.finished,
            ranks.c.median,
            ranks.c.p90,
        )
        .join(ProcessDefinition, ProcessDefinition.id == counts.c.definition_id)
        .outerjoin(ranks, ranks.c.definition_id == counts.c.definition_id)
        .order_by(counts.c.started.desc(), counts.c.finished.desc(), ProcessDefinition.default_name)
    )
    return [
        DefinitionLine(
            key=row.key,
            name=_name(row.default_name, row.name_texts),
            started=int(row.started),
            finished=int(row.finished),
            median_minutes=None if row.median is None else int(row.median),
            p90_minutes=None if row.p90 is None else int(row.p90),
        )
        for row in session.execute(query)
    ]


def actions(session: Session, scope: Scope) -> list[ActionLine]:
    """How often each action other than agree closed a task in the period, most first."""
    tasks = func.count(Task.id).label("tasks")
    query = (
        select(Task.action, tasks)
        .where(*_closed_not_agreeing(scope))
        .group_by(Task.action)
        .order_by(tasks.desc(), Task.action)
    )
    return [ActionLine(action, int(count)) for action, count in session.execute(query)]


def agents(session: Session, scope: Scope) -> list[AgentLine]:
    """The delegations in force in the period whose principal is of the scope, with the
    tasks the agent handled for the principal in the period."""
    principal = aliased(OAUser, name="principal")
    agent = aliased(OAUser, name="agent")
    on_behalf = (
        select(
            Task.principal_id.label("principal_id"),
            Task.assignee_id.label("agent_id"),
            func.count(Task.id).label("tasks"),
        )
        .where(
            _during(Task.completed_at, scope.period),
            *_handling(),
            Task.principal_id.is_not(None),
            _of_scope(Task.principal_id, scope),
        )
        .group_by(Task.principal_id, Task.assignee_id)
        .subquery()
    )
    query = (
        select(
            AgentDelegation,
            principal,
            agent,
            func.coalesce(on_behalf.c.tasks, 0),
        )
        .join(principal, principal.id == AgentDelegation.principal_id)
        .join(agent, agent.id == AgentDelegation.agent_id)
        .outerjoin(
            on_behalf,
            and_(
                on_behalf.c.principal_id == AgentDelegation.principal_id,
                on_behalf.c.agent_id == AgentDelegation.agent_id,
            ),
        )
        .where(*_in_force(scope.period), _of_scope(AgentDelegation.principal_id, scope))
        .order_by(AgentDelegation.starts_on, principal.username, AgentDelegation.id)
    )
    return [
        AgentLine(
            principal=who.get_full_name(),
            principal_username=who.username,
            agent=by.get_full_name(),
            agent_username=by.username,
            starts_on=delegation.starts_on,
            ends_on=delegation.ends_on,
            revoked_at=delegation.revoked_at,
            on_behalf=int(tasks),
        )
        for delegation, who, by, tasks in session.execute(query)
    ]


def idle_accounts(session: Session, scope: Scope, now: datetime, days: int) -> list[IdleLine]:
    """Active accounts of the scope not signed in for ``days`` days (never first, then the
    longest ago)."""
    query = (
        select(OAUser, Department.name, Department.name_zh, Company.code)
        .outerjoin(Department, Department.id == OAUser.department_id)
        .outerjoin(Company, Company.id == Department.company_id)
        .where(*_idle(scope, now, days))
        .order_by(OAUser.last_login.is_not(None), OAUser.last_login, OAUser.username)
    )
    return [
        IdleLine(
            username=person.username,
            name=person.get_full_name(),
            department=f"{shown_name(name, name_zh)} ({company})" if name else "",
            last_login=person.last_login,
        )
        for person, name, name_zh, company in session.execute(query)
    ]


def bars(session: Session, scope: Scope, parts: Sequence[tuple[str, Period]]) -> list[Bar]:
    """Instances started and finished in each part of the period (one statement: each
    part is a CASE branch over its bounds)."""
    if not parts:
        return []

    def part_of(column: ColumnElement) -> ColumnElement:
        return case(
            *(
                (_during(column, period), literal(index))
                for index, (_label, period) in enumerate(parts)
            ),
            else_=literal(-1),
        )

    period = scope.period
    started = (
        select(part_of(Instance.submitted_at).label("part"), func.count().label("n"))
        .where(_during(Instance.submitted_at, period), _of_scope(Instance.initiator_id, scope))
        .group_by("part")
    )
    finished = (
        select(part_of(Instance.finished_at).label("part"), func.count().label("n"))
        .where(
            _during(Instance.finished_at, period),
            Instance.status == InstanceStatus.COMPLETED,
            _of_scope(Instance.initiator_id, scope),
        )
        .group_by("part")
    )
    started_by = {int(part): int(n) for part, n in session.execute(started)}
    finished_by = {int(part): int(n) for part, n in session.execute(finished)}
    return [
        Bar(label, started_by.get(index, 0), finished_by.get(index, 0))
        for index, (label, _period) in enumerate(parts)
    ]
