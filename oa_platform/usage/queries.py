"""The usage view's figures (regulations §2.1.1), on SQLite and PostgreSQL alike, each a fixed
number of SQL statements whatever the data's size.

A period's closed days that the daily rollup holds (:mod:`oa_platform.usage.rollup`) are read
from it, a few rows per day; the other days (today always, and any day not rolled up yet)
from the tasks and instances themselves, through the same statements the rollup stores
(:mod:`oa_platform.usage.facts`, which says what counts where). Counts are exact either way.

- tasks, actions and instances count for the unit their person was in at the time (the
  handler's when acting, the initiator's when submitting);
- an *active user* signed in, submitted an instance or acted on a task in the period, and
  counts for their department now, as do *idle accounts* (active, last sign-in older than N
  days, or never) and the *agents in use* (delegations in force on some day of the period,
  by their principal) with the tasks agents handled for them.

Medians and 90th percentiles are the nearest-rank kind (the smallest value with at least
half, or nine tenths, of the values at or below it, as PostgreSQL's ``percentile_disc``):
from the days not rolled up the database counts the values per whole minute (exact); a
rolled-up day's values count at their log-scale bucket's midpoint
(:mod:`oa_platform.usage.buckets`: exact under 16 minutes, within 6.25 % above). No task row
reaches Python, only counts per process, node and minute or bucket.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Select,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from form_builder import localized
from form_builder.chain import node_name
from form_builder.models import DefinitionVersion, ProcessDefinition
from oa_platform.accounts.models import AccountEvent, OAUser
from oa_platform.accounts.names import full_name
from oa_platform.agents.models import AgentDelegation
from oa_platform.org.models import Company, Department, shown_name
from oa_platform.reports.periods import Period
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.states import InstanceStatus
from oa_platform.usage import facts
from oa_platform.usage.buckets import COLUMNS, MEDIAN, P90, as_values, nearest_rank
from oa_platform.usage.models import ActionDay, AgentDay, InstanceDay, TaskDay
from oa_platform.usage.rollup import rolled_days

LOGIN = "login_success"


def _runs(days: Sequence[date], period: Period) -> tuple[Period, ...]:
    """``days`` (sorted) as runs of consecutive days, each a :class:`Period` in the
    period's zone."""
    found: list[Period] = []
    for day in days:
        if found and found[-1].last + timedelta(days=1) == day:
            found[-1] = Period(found[-1].first, day, period.zone)
        else:
            found.append(Period(day, day, period.zone))
    return tuple(found)


@dataclass(frozen=True)
class Scope:
    """What the view covers: a period, the departments whose people count (None: the whole
    group, people in no department included), and the runs of the period's days read from
    the rollup (none: every day from the tasks, as :func:`with_rollup` would find before
    the first rollup)."""

    period: Period
    department_ids: frozenset[int] | None = None
    rolled: tuple[Period, ...] = field(default=(), compare=False)

    @property
    def live(self) -> tuple[Period, ...]:
        """The runs of the period's days counted from the tasks and instances themselves."""
        covered = {
            run.first + timedelta(days=n)
            for run in self.rolled
            for n in range((run.last - run.first).days + 1)
        }
        first, last = self.period.first, self.period.last
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return _runs([day for day in days if day not in covered], self.period)


def with_rollup(session: Session, scope: Scope) -> Scope:
    """``scope`` reading the period's rolled-up days from the rollup (one statement)."""
    period = scope.period
    days = sorted(rolled_days(session, period.first, period.last))
    return Scope(period, scope.department_ids, _runs(days, period))


def _on_days(column: ColumnElement, runs: Sequence[Period]) -> ColumnElement[bool]:
    """A rollup row's day lies in one of ``runs`` (none: in nothing)."""
    if not runs:
        return false()
    return or_(*(column.between(run.first, run.last) for run in runs))


def _rolled(table, scope: Scope) -> list[ColumnElement[bool]]:
    """The rollup rows of the scope's rolled-up days and units."""
    found = [_on_days(table.day, scope.rolled)]
    units = facts.in_units(table.department_id, scope.department_ids)
    return found if units is None else [*found, units]


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
    """The ids of the people of the scope's departments now (None: everyone counts)."""
    if scope.department_ids is None:
        return None
    return select(OAUser.id).where(OAUser.department_id.in_(sorted(scope.department_ids)))


def _of_scope(column: ColumnElement, scope: Scope) -> ColumnElement[bool]:
    people = _people(scope)
    return true() if people is None else column.in_(people)


def _during(column: ColumnElement, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.starts_at, column < period.ends_before)


def _in_force(period: Period) -> list[ColumnElement[bool]]:
    """Delegations in force on some day of the period (revoked ones until revoked)."""
    return [
        AgentDelegation.starts_on <= period.last,
        AgentDelegation.ends_on >= period.first,
        or_(AgentDelegation.revoked_at.is_(None), AgentDelegation.revoked_at >= period.starts_at),
    ]


# Up to a month, reading the period's activity is cheaper than asking after every person.
ACTIVITY_READ_DAYS = 31


def active_users(session: Session, scope: Scope) -> int:
    """People of the scope who signed in, submitted an instance or acted on a task in the
    period (one statement either way). A month: the period's sign-ins, submissions and
    actions, read by time and counted once per person. Longer: for each person, up to three
    index look-ups (``ix_task_completed_by``, ``ix_account_event_subject_time``,
    ``ix_instance_initiator_submitted``), so a year costs what a quarter does."""
    period = scope.period
    if (period.last - period.first).days < ACTIVITY_READ_DAYS:
        acting = union(
            select(AccountEvent.subject_id.label("user_id")).where(
                AccountEvent.kind == LOGIN, _during(AccountEvent.occurred_at, period)
            ),
            select(Instance.initiator_id).where(_during(Instance.submitted_at, period)),
            select(Task.completed_by_id).where(_during(Task.completed_at, period)),
        ).subquery()
        query = select(func.count()).select_from(acting).where(acting.c.user_id.is_not(None))
        return int(session.scalar(query.where(_of_scope(acting.c.user_id, scope))) or 0)

    def found(column: ColumnElement, *conditions) -> ColumnElement[bool]:
        # A scalar look-up, not EXISTS: PostgreSQL would turn EXISTS into a hash of the
        # whole period's rows (a year's 125,000 instances) instead of one probe a person.
        return select(column).where(*conditions).limit(1).scalar_subquery().is_not(None)

    acted = found(
        Task.completed_by_id,
        Task.completed_by_id == OAUser.id,
        _during(Task.completed_at, period),
    )
    signed_in = found(
        AccountEvent.subject_id,
        AccountEvent.subject_id == OAUser.id,
        _during(AccountEvent.occurred_at, period),
        AccountEvent.kind == LOGIN,
    )
    submitted = found(
        Instance.initiator_id,
        Instance.initiator_id == OAUser.id,
        _during(Instance.submitted_at, period),
    )
    # Acting first: most active people handle tasks, and OR stops at the first found.
    query = select(func.count(OAUser.id)).where(or_(acted, signed_in, submitted))
    if scope.department_ids is not None:
        query = query.where(OAUser.department_id.in_(sorted(scope.department_ids)))
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


def _on_behalf(scope: Scope):
    """Per principal and agent, the tasks the agent handled for the principal in the period:
    the rolled-up days' and the others' added up (a subquery)."""
    rolled = select(AgentDay.principal_id, AgentDay.agent_id, AgentDay.tasks).where(
        _on_days(AgentDay.day, scope.rolled)
    )
    both = union_all(rolled, facts.on_behalf(scope.live)).subquery()
    return (
        select(
            both.c.principal_id,
            both.c.agent_id,
            func.sum(both.c.tasks).label("tasks"),
        )
        .group_by(both.c.principal_id, both.c.agent_id)
        .subquery()
    )


@dataclass(frozen=True)
class Throughput:
    """The instances of the period: per process (:class:`DefinitionLine`, the ones started
    or finished) and in all."""

    lines: list[DefinitionLine]
    started: int
    finished: int
    ended_otherwise: int


def summary(
    session: Session,
    scope: Scope,
    now: datetime,
    idle_days: int,
    nodes: Sequence[NodeLine],
    instances: Throughput | None = None,
) -> Summary:
    """Every headline figure; the task counts are the nodes' (:func:`by_node`) added up and
    the instance counts the processes' (:func:`throughput`), so the summary and the tables
    agree by construction."""
    instances = instances if instances is not None else throughput(session, scope)
    behalf = _on_behalf(scope)
    # For people of the scope, whoever the agent is (an agent may be of another unit).
    on_behalf = session.scalar(
        select(func.sum(behalf.c.tasks)).where(_of_scope(behalf.c.principal_id, scope))
    )
    agents = session.scalar(
        select(func.count(AgentDelegation.id)).where(
            *_in_force(scope.period), _of_scope(AgentDelegation.principal_id, scope)
        )
    )
    idle = session.scalar(select(func.count(OAUser.id)).where(*_idle(scope, now, idle_days)))
    return Summary(
        active_users=active_users(session, scope),
        started=instances.started,
        finished=instances.finished,
        ended_otherwise=instances.ended_otherwise,
        handled=sum(line.handled for line in nodes),
        with_deadline=sum(line.with_deadline for line in nodes),
        late=sum(line.late for line in nodes),
        not_agree=sum(line.not_agree for line in nodes),
        agents=int(agents or 0),
        on_behalf=int(on_behalf or 0),
        idle=int(idle or 0),
    )


@functools.cache
def _histogram_sums(table) -> tuple:
    """The 121 bucket sums of a rollup table's rows, built once (building them takes longer
    than the database takes to add a year's rows up)."""
    return tuple(func.sum(getattr(table, name)).label(name) for name in COLUMNS)


def _histogram_of(row) -> Counter:
    return Counter(as_values(int(row._mapping[name] or 0) for name in COLUMNS))


def _percentile(values: Counter, share: tuple[int, int]) -> int | None:
    return nearest_rank(values, share)


@dataclass
class _Node:
    version_id: int = 0
    handled: int = 0
    with_deadline: int = 0
    late: int = 0
    not_agree: int = 0
    values: Counter = field(default_factory=Counter)

    def add(self, row, values: Counter) -> None:
        self.version_id = max(self.version_id, int(row.version_id))
        self.with_deadline += int(row.with_deadline or 0)
        self.late += int(row.late or 0)
        self.not_agree += int(row.not_agree or 0)
        self.values.update(values)
        self.handled += sum(values.values())


def _definitions(session: Session, ids: set[int]) -> dict[int, tuple[str, str, dict | None]]:
    """{id: (key, default name, names per language)} of the processes ``ids``."""
    query = select(
        ProcessDefinition.id,
        ProcessDefinition.key,
        ProcessDefinition.default_name,
        ProcessDefinition.name_texts,
    ).where(ProcessDefinition.id.in_(sorted(ids)))
    return {row.id: (row.key, row.default_name, row.name_texts) for row in session.execute(query)}


def by_node(session: Session, scope: Scope) -> list[NodeLine]:
    """Per process and node: tasks handled, median and 90th percentile handling time, late
    share, actions other than agree; the most handled first. A node's name is the newest
    version's among the period's instances (a node keeps its id across versions).

    Two passes and two look-ups: the rolled-up days' rows added up per node, bucket by
    bucket; the other days' tasks counted per node and whole minute of handling time; then
    the processes' names and the versions' node names (the summary adds the nodes up)."""
    nodes: dict[tuple[int, str], _Node] = {}
    rolled = (
        select(
            TaskDay.definition_id,
            TaskDay.node_id,
            func.max(TaskDay.version_id).label("version_id"),
            func.sum(TaskDay.with_deadline).label("with_deadline"),
            func.sum(TaskDay.late).label("late"),
            func.sum(TaskDay.not_agree).label("not_agree"),
            *_histogram_sums(TaskDay),
        )
        .where(*_rolled(TaskDay, scope))
        .group_by(TaskDay.definition_id, TaskDay.node_id)
    )
    for row in session.execute(rolled):
        nodes.setdefault((row.definition_id, row.node_id), _Node()).add(row, _histogram_of(row))
    live = facts.tasks_by_minute(scope.live, scope.department_ids, by_department=False)
    for row in session.execute(live):
        values = Counter({int(row.minutes): int(row.n)}) if row.n else Counter()
        nodes.setdefault((row.definition_id, row.node_id), _Node()).add(row, values)
    names = _definitions(session, {definition for definition, _node in nodes})
    versions = {node.version_id for node in nodes.values()}
    documents = dict(
        session.execute(
            select(DefinitionVersion.id, DefinitionVersion.document).where(
                DefinitionVersion.id.in_(sorted(versions))
            )
        ).all()
    )
    found = []
    for (definition_id, node_id), node in nodes.items():
        _key, default_name, name_texts = names[definition_id]
        found.append(
            (
                default_name,
                NodeLine(
                    definition=_name(default_name, name_texts),
                    node_id=node_id,
                    node=node_name(documents[node.version_id], node_id),
                    handled=node.handled,
                    median_minutes=_percentile(node.values, MEDIAN),
                    p90_minutes=_percentile(node.values, P90),
                    with_deadline=node.with_deadline,
                    late=node.late,
                    not_agree=node.not_agree,
                ),
            )
        )
    found.sort(key=lambda item: (-item[1].handled, -item[1].not_agree, item[0], item[1].node_id))
    return [line for _default, line in found]


@dataclass
class _Process:
    started: int = 0
    finished: int = 0
    ended_otherwise: int = 0
    values: Counter = field(default_factory=Counter)


def throughput(session: Session, scope: Scope) -> Throughput:
    """Per process: instances started and finished in the period, and the median and 90th
    percentile time from submission to completion of those finished; the most started
    first. Processes with neither are left out of the lines (not of the totals, which also
    count the instances terminated or cancelled)."""
    processes: dict[int, _Process] = {}
    rolled = (
        select(
            InstanceDay.definition_id,
            func.sum(InstanceDay.started).label("started"),
            func.sum(InstanceDay.finished).label("finished"),
            func.sum(InstanceDay.ended_otherwise).label("ended_otherwise"),
            *_histogram_sums(InstanceDay),
        )
        .where(*_rolled(InstanceDay, scope))
        .group_by(InstanceDay.definition_id)
    )
    for row in session.execute(rolled):
        process = processes.setdefault(row.definition_id, _Process())
        process.started += int(row.started or 0)
        process.finished += int(row.finished or 0)
        process.ended_otherwise += int(row.ended_otherwise or 0)
        process.values.update(_histogram_of(row))
    live = facts.started(scope.live, scope.department_ids, by_department=False)
    for row in session.execute(live):
        processes.setdefault(row.definition_id, _Process()).started += int(row.started)
    live = facts.finished_by_minute(scope.live, scope.department_ids, by_department=False)
    for row in session.execute(live):
        process = processes.setdefault(row.definition_id, _Process())
        process.finished += int(row.finished)
        process.ended_otherwise += int(row.ended_otherwise)
        if row.n:
            process.values[int(row.minutes)] += int(row.n)
    names = _definitions(session, set(processes))
    lines = []
    for definition_id, process in processes.items():
        if not (process.started or process.finished):
            continue
        key, default_name, name_texts = names[definition_id]
        lines.append(
            (
                default_name,
                DefinitionLine(
                    key=key,
                    name=_name(default_name, name_texts),
                    started=process.started,
                    finished=process.finished,
                    median_minutes=_percentile(process.values, MEDIAN),
                    p90_minutes=_percentile(process.values, P90),
                ),
            )
        )
    lines.sort(key=lambda item: (-item[1].started, -item[1].finished, item[0]))
    return Throughput(
        lines=[line for _default, line in lines],
        started=sum(p.started for p in processes.values()),
        finished=sum(p.finished for p in processes.values()),
        ended_otherwise=sum(p.ended_otherwise for p in processes.values()),
    )


def by_definition(session: Session, scope: Scope) -> list[DefinitionLine]:
    """The per-process lines of :func:`throughput`."""
    return throughput(session, scope).lines


def actions(session: Session, scope: Scope) -> list[ActionLine]:
    """How often each action other than agree closed a task in the period, most first."""
    counts: Counter = Counter()
    rolled = (
        select(ActionDay.action, func.sum(ActionDay.tasks).label("tasks"))
        .where(*_rolled(ActionDay, scope))
        .group_by(ActionDay.action)
    )
    live = facts.actions(scope.live, scope.department_ids, by_department=False)
    for query in (rolled, live):
        for action, tasks in session.execute(query):
            counts[action] += int(tasks)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [ActionLine(action, tasks) for action, tasks in ordered if tasks]


def agents(session: Session, scope: Scope) -> list[AgentLine]:
    """The delegations in force in the period whose principal is of the scope, with the
    tasks the agent handled for the principal in the period."""
    principal = aliased(OAUser, name="principal")
    agent = aliased(OAUser, name="agent")
    on_behalf = _on_behalf(scope)
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
    # Columns, not accounts: a whole group's idle list is thousands of people.
    query = (
        select(
            OAUser.username,
            OAUser.first_name,
            OAUser.last_name,
            OAUser.name_zh,
            OAUser.last_login,
            Department.name,
            Department.name_zh,
            Company.code,
        )
        .outerjoin(Department, Department.id == OAUser.department_id)
        .outerjoin(Company, Company.id == Department.company_id)
        .where(*_idle(scope, now, days))
        .order_by(OAUser.last_login.is_not(None), OAUser.last_login, OAUser.username)
    )
    return [
        IdleLine(
            username=username,
            # As OAUser.get_full_name writes it.
            name=shown_name(full_name(first, last), name_zh),
            department=f"{shown_name(unit, unit_zh)} ({company})" if unit else "",
            last_login=last_login,
        )
        for username, first, last, name_zh, last_login, unit, unit_zh, company in session.execute(
            query
        )
    ]


def bars(session: Session, scope: Scope, parts: Sequence[tuple[str, Period]]) -> list[Bar]:
    """Instances started and finished in each part of the period: the rolled-up days' rows
    per day, and the other days' instances with each part a CASE branch over its bounds."""
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

    def part_of_day(day: date) -> int:
        return next((i for i, (_label, p) in enumerate(parts) if p.first <= day <= p.last), -1)

    started_by: Counter = Counter()
    finished_by: Counter = Counter()
    rolled = (
        select(
            InstanceDay.day,
            func.sum(InstanceDay.started).label("started"),
            func.sum(InstanceDay.finished).label("finished"),
        )
        .where(*_rolled(InstanceDay, scope))
        .group_by(InstanceDay.day)
    )
    for day, started_n, finished_n in session.execute(rolled):
        started_by[part_of_day(day)] += int(started_n or 0)
        finished_by[part_of_day(day)] += int(finished_n or 0)

    initiator = facts.initiator_department()
    units = facts.in_units(initiator, scope.department_ids)
    units = true() if units is None else units
    started = (
        select(part_of(Instance.submitted_at).label("part"), func.count().label("n"))
        .where(facts.during(Instance.submitted_at, scope.live), units)
        .group_by("part")
    )
    finished = (
        select(part_of(Instance.finished_at).label("part"), func.count().label("n"))
        .where(
            facts.during(Instance.finished_at, scope.live),
            Instance.status == InstanceStatus.COMPLETED,
            units,
        )
        .group_by("part")
    )
    for part, n in session.execute(started):
        started_by[int(part)] += int(n)
    for part, n in session.execute(finished):
        finished_by[int(part)] += int(n)
    return [
        Bar(label, started_by.get(index, 0), finished_by.get(index, 0))
        for index, (label, _period) in enumerate(parts)
    ]
