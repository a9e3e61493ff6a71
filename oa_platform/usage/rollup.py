"""The usage view's daily rollup (§2.1.1): each closed day's counts, computed from the tasks
and instances by :mod:`oa_platform.usage.facts` (the same statements the view runs for the
days not rolled up) and stored in :mod:`oa_platform.usage.models`.

Rolling a day up replaces whatever it held (one transaction per day: its rows and its mark
together), so it is idempotent and can be re-run for any range of closed days, e.g. after a
correction or a change of ``OA_TIMEZONE``. Beat rolls up the closed days not yet rolled up
every hour (:mod:`oa_platform.usage.tasks`), so the night's run comes within the hour after
the company's midnight whatever the zone; ``flask oa usage rollup`` backfills a range.
Today, and any day not rolled up, the view computes from the tasks, so it is always exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.reports.periods import Period
from oa_platform.runtime.models import Instance, Task
from oa_platform.unit_of_work import command
from oa_platform.usage import facts
from oa_platform.usage.buckets import COLUMNS, bucket_of
from oa_platform.usage.models import ActionDay, AgentDay, InstanceDay, RolledDay, TaskDay

TABLES = (TaskDay, InstanceDay, ActionDay, AgentDay)


class RollupError(ValueError):
    """A day that cannot be rolled up (not closed yet); the message says which."""


@dataclass(frozen=True)
class DayRolled:
    day: date
    rows: int  # rollup rows written for it


def _histogram(row: dict) -> dict:
    return {name: row.get(name, 0) for name in COLUMNS}


def _tasks(session: Session, day: date, span: list[Period]) -> list[dict]:
    found: dict[tuple, dict] = {}
    for row in session.execute(facts.tasks_by_minute(span, None, by_department=True)):
        key = (row.department_id, row.definition_id, row.node_id)
        line = found.get(key)
        if line is None:
            line = found[key] = {
                "day": day,
                "department_id": row.department_id,
                "definition_id": row.definition_id,
                "node_id": row.node_id,
                "version_id": row.version_id,
                "handled": 0,
                "with_deadline": 0,
                "late": 0,
                "not_agree": 0,
            }
        line["version_id"] = max(line["version_id"], row.version_id)
        for name in ("with_deadline", "late", "not_agree"):
            line[name] += int(row._mapping[name])
        if row.n:
            line["handled"] += int(row.n)
            column = COLUMNS[bucket_of(int(row.minutes))]
            line[column] = line.get(column, 0) + int(row.n)
    return [{**line, **_histogram(line)} for line in found.values()]


def _instances(session: Session, day: date, span: list[Period]) -> list[dict]:
    found: dict[tuple, dict] = defaultdict(dict)

    def line(department_id, definition_id) -> dict:
        entry = found[(department_id, definition_id)]
        if not entry:
            entry.update(
                day=day,
                department_id=department_id,
                definition_id=definition_id,
                started=0,
                finished=0,
                ended_otherwise=0,
            )
        return entry

    for row in session.execute(facts.started(span, None, by_department=True)):
        line(row.department_id, row.definition_id)["started"] += int(row.started)
    for row in session.execute(facts.finished_by_minute(span, None, by_department=True)):
        entry = line(row.department_id, row.definition_id)
        entry["finished"] += int(row.finished)
        entry["ended_otherwise"] += int(row.ended_otherwise)
        if row.n:
            column = COLUMNS[bucket_of(int(row.minutes))]
            entry[column] = entry.get(column, 0) + int(row.n)
    return [{**entry, **_histogram(entry)} for entry in found.values()]


def _roll_up_day(session: Session, day: date, zone: tzinfo) -> int:
    span = [Period(day, day, zone)]
    for table in TABLES:
        session.execute(delete(table).where(table.day == day))
    session.execute(delete(RolledDay).where(RolledDay.day == day))
    rows = {
        TaskDay: _tasks(session, day, span),
        InstanceDay: _instances(session, day, span),
        ActionDay: [
            {"day": day, "department_id": r.department_id, "action": r.action, "tasks": r.tasks}
            for r in session.execute(facts.actions(span, None, by_department=True))
        ],
        AgentDay: [
            {"day": day, "principal_id": r.principal_id, "agent_id": r.agent_id, "tasks": r.tasks}
            for r in session.execute(facts.on_behalf(span))
        ],
    }
    for table, values in rows.items():
        if values:
            session.execute(insert(table), values)
    session.execute(insert(RolledDay).values(day=day, rolled_at=utcnow()))
    return sum(len(values) for values in rows.values())


@command
def roll_up_day(session: Session, day: date, today: date, zone: tzinfo) -> DayRolled:
    """Compute and store ``day``'s figures, replacing any it had (one transaction).
    :class:`RollupError` for today or a later day: only closed days are rolled up."""
    if day >= today:
        raise RollupError(
            f"{day.isoformat()} is not over yet (today is {today.isoformat()}): "
            "only closed days are rolled up; the view counts today from the tasks."
        )
    return DayRolled(day, _roll_up_day(session, day, zone))


def roll_up(
    session: Session,
    first: date,
    last: date,
    today: date,
    zone: tzinfo,
    progress: Callable[[DayRolled], None] | None = None,
) -> list[DayRolled]:
    """Roll up every day from ``first`` to ``last`` (included), each in its own transaction
    (a long backfill holds no lock for long, and an interruption keeps the days done).
    :class:`RollupError` if ``last`` is not a closed day or the range is reversed."""
    if first > last:
        raise RollupError(
            f"The first day ({first.isoformat()}) is after the last ({last.isoformat()})."
        )
    if last >= today:
        raise RollupError(
            f"{last.isoformat()} is not over yet (today is {today.isoformat()}): "
            "only closed days are rolled up; the view counts today from the tasks."
        )
    done = []
    for day in _days(first, last):
        rolled = roll_up_day(session, day, today, zone)
        done.append(rolled)
        if progress is not None:
            progress(rolled)
    return done


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def first_activity_day(session: Session, zone: tzinfo) -> date | None:
    """The company day of the first task handled or instance submitted (None: none yet)."""
    moments = [
        session.scalar(select(func.min(Task.completed_at))),
        session.scalar(select(func.min(Instance.submitted_at))),
    ]
    known = [moment for moment in moments if moment is not None]
    return _local_day(min(known), zone) if known else None


def _local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def pending(session: Session, today: date, zone: tzinfo) -> tuple[date, date] | None:
    """The closed days beat should roll up: from the day after the newest rolled up (none
    yet: from the first day anything happened) to yesterday; None when there are none."""
    newest = session.scalar(select(func.max(RolledDay.day)))
    first = newest + timedelta(days=1) if newest is not None else first_activity_day(session, zone)
    last = today - timedelta(days=1)
    if first is None or first > last:
        return None
    return first, last


def rolled_days(session: Session, first: date, last: date) -> set[date]:
    """The days from ``first`` to ``last`` whose figures are rolled up."""
    return set(session.scalars(select(RolledDay.day).where(RolledDay.day.between(first, last))))
