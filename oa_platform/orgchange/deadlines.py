"""When a confirmed change request is due (regulations §8.4; seed 2 §5.1).

§8.4: after the confirmation reaches IT, ordinary personnel and organisation changes are done
within 1 working day, changes of authority and responsibility within 2. Seed 2 §5.1: a new
user is registered within one week. Working days come from the business calendar
(``runtime/business_calendar.py``): with it on, a working day is the calendar's working hours
of one day, so a change confirmed on Friday afternoon is due on Monday afternoon and a holiday
stops the clock; without it, a working day is 24 hours.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from oa_platform.orgchange.changes import Deadline
from oa_platform.runtime.business_calendar import BusinessCalendar, DeadlineCalendar, calendar

WORKING_DAYS = {Deadline.ORDINARY: 1, Deadline.AUTHORITY: 2}
REGISTRATION = timedelta(days=7)  # seed 2 §5.1: "within one week", calendar days


def hours_per_working_day(deadlines: DeadlineCalendar) -> float:
    """Counted hours in one working day: the calendar's working periods, else 24."""
    if isinstance(deadlines, BusinessCalendar):
        seconds = sum(
            (datetime.combine(datetime.min, end) - datetime.combine(datetime.min, begin)).seconds
            for begin, end in deadlines.periods
        )
        return seconds / 3600
    return 24.0


def due_at(
    deadline: Deadline, confirmed_at: datetime, deadlines: DeadlineCalendar | None = None
) -> datetime:
    """When a change confirmed at ``confirmed_at`` (naive UTC) must be done."""
    if deadline is Deadline.REGISTRATION:
        return confirmed_at + REGISTRATION
    deadlines = deadlines or calendar()
    return deadlines.add(confirmed_at, hours_per_working_day(deadlines) * WORKING_DAYS[deadline])


def is_overdue(due: datetime | None, done_at: datetime | None, now: datetime) -> bool:
    """Overdue: not done by its due time (still open past it, or done after it)."""
    if due is None:
        return False
    return (done_at or now) > due
