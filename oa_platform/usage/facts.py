"""The usage view's counts read from the tasks and instances themselves, for any set of time
ranges: the daily rollup (:mod:`oa_platform.usage.rollup`) runs them for one closed day and
stores what they return, the view (:mod:`oa_platform.usage.queries`) runs them for the days
not rolled up (today always). One definition of what counts, so the two agree by
construction.

What counts where (regulations §2.1.1):

- a task is *handled* on the day its handler acted (``completed_at``), for the department
  the handler was in then; its *handling time* runs from when it reached the handler's to-do
  list (``created_at``) to the action, in whole minutes; it is *late* when handled after its
  deadline (§3.3); the initiator's submission closes the start node's task, which is
  starting an instance, not handling one;
- an instance is *started* on the day it was submitted and *finished* on the day it
  completed, for the department its initiator was in when submitting; its *throughput* is
  submission to completion;
- a person's department at a moment is the one :mod:`oa_platform.inspection.history`
  recorded for them then (people with no record before that moment: as it is now).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, and_, case, exists, false, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from oa_platform.accounts.models import OAUser
from oa_platform.inspection.models import PersonHistory
from oa_platform.reports.minutes import minutes_between
from oa_platform.reports.periods import Period
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.states import InstanceStatus, TaskStatus

AGREE = "agree"
# The initiator's submission (and resubmission) closes the start node's task: that is
# starting an instance, not handling one.
SUBMIT = "submit"
ENDED_OTHERWISE = (InstanceStatus.TERMINATED, InstanceStatus.CANCELLED)


def during(column: ColumnElement, ranges: Sequence[Period]) -> ColumnElement[bool]:
    """``column`` falls in one of ``ranges`` (none: nothing does)."""
    if not ranges:
        return false()
    return or_(
        *(and_(column >= period.starts_at, column < period.ends_before) for period in ranges)
    )


def department_at(person: ColumnElement, moment: ColumnElement) -> ColumnElement:
    """The department ``person`` was in at ``moment``, as SQL (as
    :func:`oa_platform.inspection.history.department_at` reads it in Python): their newest
    history record from before then, else their department now."""
    earlier = and_(PersonHistory.user_id == person, PersonHistory.valid_from <= moment)
    recorded = (
        select(PersonHistory.department_id)
        .where(earlier)
        .order_by(PersonHistory.valid_from.desc(), PersonHistory.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    now = select(OAUser.department_id).where(OAUser.id == person).scalar_subquery()
    return case((exists().where(earlier), recorded), else_=now)


def in_units(department: ColumnElement, department_ids: frozenset[int] | None):
    """``department`` is one of the unit's (None: the whole group, no department included)."""
    if department_ids is None:
        return None
    return department.in_(sorted(department_ids))


def _labelled(department: ColumnElement, by_department: bool) -> list[ColumnElement]:
    """The department as a column when rows are kept per department (the rollup); the view
    only filters on it."""
    return [department.label("department_id")] if by_department else []


def _where(query: Select, *conditions) -> Select:
    return query.where(*(c for c in conditions if c is not None))


def handled() -> ColumnElement[bool]:
    """Tasks done by handling them (not the initiator's submission)."""
    return and_(Task.status == TaskStatus.DONE, or_(Task.action.is_(None), Task.action != SUBMIT))


def not_agreeing() -> ColumnElement[bool]:
    """Tasks closed with an action other than agree (disagree, roll back, terminate,
    transfer, ...)."""
    return and_(Task.action.is_not(None), Task.action.not_in([AGREE, SUBMIT]))


def _late() -> ColumnElement[bool]:
    return and_(Task.due_at.is_not(None), Task.completed_at > Task.due_at)


def handler_department() -> ColumnElement:
    return department_at(Task.assignee_id, Task.completed_at)


def tasks_by_minute(
    ranges: Sequence[Period], department_ids: frozenset[int] | None, by_department: bool
) -> Select:
    """Per (department,) process, node and whole minute of handling time: the handled tasks
    (``n``), those with a deadline, the late ones, those closed otherwise than agreeing, and
    the newest definition version among their instances (for the node's name)."""
    department = handler_department()
    minutes = minutes_between(Task.created_at, Task.completed_at)
    is_handled = handled()
    facts = _where(
        select(
            *_labelled(department, by_department),
            Instance.definition_id.label("definition_id"),
            Task.node_id.label("node_id"),
            Instance.definition_version_id.label("version_id"),
            case((is_handled, minutes), else_=0).label("minutes"),
            case((is_handled, 1), else_=0).label("handled"),
            case((and_(is_handled, Task.due_at.is_not(None)), 1), else_=0).label("deadline"),
            case((and_(is_handled, _late()), 1), else_=0).label("late"),
            case((not_agreeing(), 1), else_=0).label("other"),
        )
        .join(Instance, Instance.id == Task.instance_id)
        .where(during(Task.completed_at, ranges), or_(is_handled, not_agreeing())),
        in_units(department, department_ids),
    ).subquery()
    keys = [facts.c.department_id] if by_department else []
    keys += [facts.c.definition_id, facts.c.node_id, facts.c.minutes]
    return select(
        *keys,
        func.sum(facts.c.handled).label("n"),
        func.sum(facts.c.deadline).label("with_deadline"),
        func.sum(facts.c.late).label("late"),
        func.sum(facts.c.other).label("not_agree"),
        func.max(facts.c.version_id).label("version_id"),
    ).group_by(*keys)


def actions(
    ranges: Sequence[Period], department_ids: frozenset[int] | None, by_department: bool
) -> Select:
    """Per (department and) action other than agree: the tasks it closed."""
    department = handler_department()
    facts = _where(
        select(*_labelled(department, by_department), Task.action.label("action")).where(
            during(Task.completed_at, ranges), not_agreeing()
        ),
        in_units(department, department_ids),
    ).subquery()
    keys = [facts.c.department_id] if by_department else []
    keys.append(facts.c.action)
    return select(*keys, func.count().label("tasks")).group_by(*keys)


def on_behalf(ranges: Sequence[Period]) -> Select:
    """Per principal and agent: the tasks the agent handled for the principal (§3.4)."""
    return (
        select(
            Task.principal_id.label("principal_id"),
            Task.assignee_id.label("agent_id"),
            func.count(Task.id).label("tasks"),
        )
        .where(during(Task.completed_at, ranges), handled(), Task.principal_id.is_not(None))
        .group_by(Task.principal_id, Task.assignee_id)
    )


def initiator_department() -> ColumnElement:
    """The initiator's department when they submitted (an instance never submitted: when it
    ended)."""
    return department_at(
        Instance.initiator_id, func.coalesce(Instance.submitted_at, Instance.finished_at)
    )


def started(
    ranges: Sequence[Period], department_ids: frozenset[int] | None, by_department: bool
) -> Select:
    """Per (department and) process: the instances submitted."""
    department = initiator_department()
    facts = _where(
        select(
            *_labelled(department, by_department), Instance.definition_id.label("definition_id")
        ).where(during(Instance.submitted_at, ranges)),
        in_units(department, department_ids),
    ).subquery()
    keys = [facts.c.department_id] if by_department else []
    keys.append(facts.c.definition_id)
    return select(*keys, func.count().label("started")).group_by(*keys)


def finished_by_minute(
    ranges: Sequence[Period], department_ids: frozenset[int] | None, by_department: bool
) -> Select:
    """Per (department,) process and whole minute from submission to completion: the
    instances completed (``finished``), those with a submission time among them (``n``,
    the throughput's values), and those terminated or cancelled (``minutes`` 0)."""
    department = initiator_department()
    completed = Instance.status == InstanceStatus.COMPLETED
    timed = and_(completed, Instance.submitted_at.is_not(None))
    facts = _where(
        select(
            *_labelled(department, by_department),
            Instance.definition_id.label("definition_id"),
            case(
                (timed, minutes_between(Instance.submitted_at, Instance.finished_at)), else_=0
            ).label("minutes"),
            case((completed, 1), else_=0).label("finished"),
            case((timed, 1), else_=0).label("timed"),
            case((Instance.status.in_(ENDED_OTHERWISE), 1), else_=0).label("ended"),
        ).where(
            during(Instance.finished_at, ranges),
            or_(completed, Instance.status.in_(ENDED_OTHERWISE)),
        ),
        in_units(department, department_ids),
    ).subquery()
    keys = [facts.c.department_id] if by_department else []
    keys += [facts.c.definition_id, facts.c.minutes]
    return select(
        *keys,
        func.sum(facts.c.finished).label("finished"),
        func.sum(facts.c.timed).label("n"),
        func.sum(facts.c.ended).label("ended_otherwise"),
    ).group_by(*keys)
