"""How long my to-dos have waited, for the dashboard's chart: the same to-dos as the inbox's
"To do" badge (``inbox.counts``: blocking, open or held, of a running or returned instance),
counted into age buckets by one SQL query.

A to-do past its deadline (§3.3: 24 hours per node) is "overdue" whatever its age; the others
are bucketed by the time since the task was created, on the wall clock (the deadline, not the
age, follows the business calendar).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from oa_platform import charts
from oa_platform.runtime.inbox import WORKING
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.states import TaskStatus

# The bucket keys in chart order, and their upper age bound (None: no bound).
BUCKETS: tuple[tuple[str, timedelta | None], ...] = (
    ("under_4h", timedelta(hours=4)),
    ("4h_24h", timedelta(hours=24)),
    ("1d_3d", timedelta(days=3)),
    ("over_3d", None),
)


@dataclass(frozen=True)
class TodoAges:
    """My to-dos counted by age; ``overdue`` ones are in no other bucket."""

    under_4h: int
    h4_24h: int
    d1_3d: int
    over_3d: int
    overdue: int

    @property
    def total(self) -> int:
        return self.under_4h + self.h4_24h + self.d1_3d + self.over_3d + self.overdue

    def lines(self) -> list[tuple[str, str, int]]:
        """(key, label in the request's language, count), in chart order."""
        return [
            ("under_4h", gettext("Under 4 hours"), self.under_4h),
            ("4h_24h", gettext("4 to 24 hours"), self.h4_24h),
            ("1d_3d", gettext("1 to 3 days"), self.d1_3d),
            ("over_3d", gettext("Over 3 days"), self.over_3d),
            ("overdue", gettext("Overdue"), self.overdue),
        ]


def todo_ages(session: Session, user_id: int, now: datetime) -> TodoAges:
    """``user_id``'s to-dos by age at ``now`` (naive UTC), in one query."""
    overdue = and_(Task.due_at.is_not(None), Task.due_at < now)
    in_time = or_(Task.due_at.is_(None), Task.due_at >= now)
    bounds = [now - bound for _key, bound in BUCKETS if bound is not None]  # newest first
    newer_than = [Task.created_at > bound for bound in bounds]
    row = session.execute(
        select(
            func.count().filter(in_time, newer_than[0]),
            func.count().filter(in_time, ~newer_than[0], newer_than[1]),
            func.count().filter(in_time, ~newer_than[1], newer_than[2]),
            func.count().filter(in_time, ~newer_than[2]),
            func.count().filter(overdue),
        )
        .select_from(Task)
        .join(Instance, Task.instance_id == Instance.id)
        .where(
            Task.assignee_id == user_id,
            Task.blocking.is_(True),
            Task.status.in_((TaskStatus.OPEN, TaskStatus.HELD)),
            Instance.status.in_(WORKING),
        )
    ).one()
    return TodoAges(*(int(value or 0) for value in row))


def chart(ages: TodoAges) -> Markup:
    """The dashboard's bars, one per bucket; the numbers are also written in a table beside."""
    lines = ages.lines()
    return charts.columns(
        gettext("Age of my to-dos"),
        [label for _key, label, _count in lines],
        [charts.Series(gettext("To-dos"), [count for _key, _label, count in lines])],
        "dashboard-chart-todo-age",
    )
