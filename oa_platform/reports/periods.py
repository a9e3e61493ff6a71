"""Calendar quarters, the rhythm of the §8.5 inspections ("at least once a quarter").

A period's days are the company's (``OA_TIMEZONE``): a deadline shown as 1 July 08:00 in
Shanghai belongs to July's quarter although it is 30 June in UTC, where times are stored.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from flask_babel import gettext


@dataclass(frozen=True)
class Period:
    """The days ``first`` to ``last``, both included, as days in ``zone``."""

    first: date
    last: date
    zone: tzinfo = field(default=UTC, compare=False)

    def _midnight(self, day: date) -> datetime:
        """``day``'s first moment in ``zone``, as stored times are (naive UTC)."""
        local = datetime.combine(day, time.min, tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    @property
    def starts_at(self) -> datetime:
        """The first moment of the period (naive UTC, like every stored time)."""
        return self._midnight(self.first)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period."""
        return self._midnight(self.last + timedelta(days=1))

    @property
    def label(self) -> str:
        """ "Q3 2026" (「2026年第3季度」) for a calendar quarter, else the two dates."""
        if quarter_of(self.first) == self:
            return gettext(
                "Q%(quarter)s %(year)s", quarter=_quarter_number(self.first), year=self.first.year
            )
        return gettext(
            "%(first)s to %(last)s", first=self.first.isoformat(), last=self.last.isoformat()
        )


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


def quarters_up_to(day: date, count: int, zone: tzinfo = UTC) -> list[Period]:
    """The ``count`` calendar quarters ending with the one ``day`` falls in, oldest first, as
    days in ``zone``: the trend of the §8.5 inspections."""
    quarters = [replace(quarter_of(day), zone=zone)]
    while len(quarters) < count:
        quarters.insert(0, replace(previous_quarter(quarters[0].first), zone=zone))
    return quarters
