"""The usage view's periods: a calendar month, quarter or year, named in the URL as
``2026-08``, ``2026-Q3`` or ``2026`` (bookmarkable), with the parts a chart splits it into.

Days are the company's (``OA_TIMEZONE``), as in the overtime inspection
(:mod:`oa_platform.reports.periods`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from flask_babel import gettext

from oa_platform.reports.periods import Period, quarter_of

MONTH, QUARTER, YEAR = "month", "quarter", "year"
_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), MONTH),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), QUARTER),
    (re.compile(r"^(\d{4})$"), YEAR),
)


class PeriodError(ValueError):
    """The period parameter cannot be read; the message says how to write it."""


@dataclass(frozen=True)
class UsagePeriod:
    """A calendar month, quarter or year (``kind``) and its days (``period``)."""

    kind: str
    key: str  # as the URL writes it
    period: Period

    @property
    def label(self) -> str:
        first = self.period.first
        if self.kind == MONTH:
            return gettext("%(year)s-%(month)s", year=first.year, month=str(first.month).zfill(2))
        if self.kind == QUARTER:
            return self.period.label
        return gettext("Year %(year)s", year=first.year)

    def parts(self) -> list[tuple[str, Period]]:
        """The chart's bars: a month's days, a quarter's or a year's months."""
        zone = self.period.zone
        first, last = self.period.first, self.period.last
        if self.kind == MONTH:
            return [
                (str(day.day), Period(day, day, zone))
                for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
            ]
        months = []
        month = first
        while month <= last:
            months.append((f"{month.month:02d}", month_of(month, zone).period))
            month = month_of(month, zone).period.last + timedelta(days=1)
        return months

    def neighbours(self) -> tuple[UsagePeriod, UsagePeriod]:
        """The period before and the one after, of the same kind."""
        zone = self.period.zone
        before = self.period.first - timedelta(days=1)
        after = self.period.last + timedelta(days=1)
        of = {MONTH: month_of, QUARTER: quarter, YEAR: year_of}[self.kind]
        return of(before, zone), of(after, zone)


def month_of(day: date, zone: tzinfo) -> UsagePeriod:
    last = calendar.monthrange(day.year, day.month)[1]
    return UsagePeriod(
        MONTH,
        f"{day.year:04d}-{day.month:02d}",
        Period(date(day.year, day.month, 1), date(day.year, day.month, last), zone),
    )


def quarter(day: date, zone: tzinfo) -> UsagePeriod:
    found = quarter_of(day)
    number = (found.first.month - 1) // 3 + 1
    return UsagePeriod(QUARTER, f"{day.year:04d}-Q{number}", Period(found.first, found.last, zone))


def year_of(day: date, zone: tzinfo) -> UsagePeriod:
    return UsagePeriod(
        YEAR, f"{day.year:04d}", Period(date(day.year, 1, 1), date(day.year, 12, 31), zone)
    )


def parse(text: str | None, today: date, zone: tzinfo) -> UsagePeriod:
    """The period ``text`` names; empty: the current quarter. :class:`PeriodError` if it is
    none of ``2026-08``, ``2026-Q3`` or ``2026``."""
    text = (text or "").strip()
    if not text:
        return quarter(today, zone)
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match.group(1))
        if not 1900 <= year <= 9998:
            break
        if kind == MONTH:
            month = int(match.group(2))
            if not 1 <= month <= 12:
                break
            return month_of(date(year, month, 1), zone)
        if kind == QUARTER:
            return quarter(date(year, 3 * int(match.group(2)) - 2, 1), zone)
        return year_of(date(year, 1, 1), zone)
    raise PeriodError(
        gettext("Period: write a month as 2026-08, a quarter as 2026-Q3 or a year as 2026.")
    )


def choices(today: date, zone: tzinfo) -> list[tuple[str, str]]:
    """Recent periods for the picker: this and the last 11 months, this and the last 7
    quarters, this and the last 2 years, each as (key, label)."""
    found: list[UsagePeriod] = []
    month = month_of(today, zone)
    for _ in range(12):
        found.append(month)
        month = month.neighbours()[0]
    current = quarter(today, zone)
    for _ in range(8):
        found.append(current)
        current = current.neighbours()[0]
    current = year_of(today, zone)
    for _ in range(3):
        found.append(current)
        current = current.neighbours()[0]
    return [(p.key, p.label) for p in found]
