"""Calendar quarters, the rhythm of the §8.5 inspections ("at least once a quarter")."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class Period:
    """The days ``first`` to ``last``, both included."""

    first: date
    last: date

    @property
    def starts_at(self) -> datetime:
        """The first moment of the period (naive UTC, like every stored time)."""
        return datetime.combine(self.first, time.min)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time.min)

    @property
    def label(self) -> str:
        """ "Q3 2026" for a calendar quarter, else the two dates."""
        if quarter_of(self.first) == self:
            return f"Q{_quarter_number(self.first)} {self.first.year}"
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def _quarter_number(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_of(day: date) -> Period:
    """The calendar quarter ``day`` falls in."""
    first_month = 3 * _quarter_number(day) - 2
    last_month = first_month + 2
    last_day = calendar.monthrange(day.year, last_month)[1]
    return Period(date(day.year, first_month, 1), date(day.year, last_month, last_day))


def previous_quarter(day: date) -> Period:
    """The calendar quarter before the one ``day`` falls in."""
    return quarter_of(quarter_of(day).first - timedelta(days=1))
