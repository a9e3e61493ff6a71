"""Working time for deadlines (regulations §3.3: 24 hours per node, 24 hours to answer).

Without a business calendar every hour counts. With one (``OA_BUSINESS_CALENDAR=1``) only
working hours on working days do: 24 hours given on a Friday afternoon run into the next
week, and a holiday stops the clock. Holidays come from the ``holidays`` package for a
country (with its own weekend and make-up working days, as China's calendar has) plus the
company's own days off and extra working days from configuration.

Times in and out are naive UTC, as stored everywhere else; the calendar works in the
company's time zone (``OA_TIMEZONE``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from flask import current_app

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A calendar with no working day in ten years is a configuration mistake, not a deadline.
SEARCH_DAYS = 3660
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class CalendarConfigError(ValueError):
    """A calendar setting that cannot be read; the message names the setting."""


class DeadlineCalendar(Protocol):
    """Adds an amount of (working) time to a moment."""

    def add(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` of counted time after ``start`` (naive UTC both)."""
        ...


class ClockCalendar:
    """Every hour counts (the default)."""

    def add(self, start: datetime, hours: float) -> datetime:
        return start + timedelta(hours=hours)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working periods on working days, in one time zone."""

    zone: ZoneInfo
    periods: tuple[tuple[time, time], ...]
    is_working_day: Callable[[date], bool]

    def add(self, start: datetime, hours: float) -> datetime:
        remaining = timedelta(hours=hours)
        for begin, end in self._periods_from(start):
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        raise CalendarConfigError("the business calendar has no working time in ten years")

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two moments (naive UTC): the inverse of :meth:`add`."""
        total = timedelta()
        for begin, finish in self._periods_from(start):
            if begin >= end:
                break
            total += min(finish, end) - begin
        return total

    def _periods_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods (naive UTC) from ``start`` on, the first one cut at ``start``.

        Periods are real elapsed time (converted from local time per day), so a day on
        which clocks change counts the hours that really pass.
        """
        day = start.replace(tzinfo=UTC).astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(SEARCH_DAYS):
            if self.is_working_day(day):
                for opens, closes in self.periods:
                    begin = max(start, self._instant(day, opens))
                    end = self._instant(day, closes)
                    if begin < end:
                        yield begin, end
            day += timedelta(days=1)

    def _instant(self, day: date, at: time) -> datetime:
        local = datetime.combine(day, at).replace(tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None)


def from_config(config: Mapping[str, Any]) -> DeadlineCalendar:
    """The calendar the settings describe; :class:`CalendarConfigError` names a bad one."""
    if not config.get("OA_BUSINESS_CALENDAR"):
        return ClockCalendar()
    try:
        zone = ZoneInfo(config.get("OA_TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarConfigError(
            f"OA_TIMEZONE: unknown time zone {config.get('OA_TIMEZONE')!r} "
            "(use an IANA name such as 'Asia/Shanghai')"
        ) from None
    periods = parse_periods(config.get("OA_WORKING_HOURS") or "09:00-12:00,13:00-18:00")
    weekdays = parse_weekdays(config.get("OA_WORKING_DAYS") or "mon-fri")
    days_off = parse_dates("OA_HOLIDAYS", config.get("OA_HOLIDAYS") or "")
    extra = parse_dates("OA_EXTRA_WORKDAYS", config.get("OA_EXTRA_WORKDAYS") or "")
    country = (config.get("OA_HOLIDAY_COUNTRY") or "").strip()
    public = _country_calendar(country, (config.get("OA_HOLIDAY_SUBDIVISION") or "").strip())

    def is_working_day(day: date) -> bool:
        if day in extra:
            return True
        if day in days_off:
            return False
        if public is not None:  # the country's weekend, holidays and make-up days
            return public.is_working_day(day)
        return day.weekday() in weekdays

    return BusinessCalendar(zone, periods, is_working_day)


def _country_calendar(country: str, subdivision: str) -> holidays.HolidayBase | None:
    if not country:
        return None
    try:
        return holidays.country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        raise CalendarConfigError(
            f"OA_HOLIDAY_COUNTRY: the holidays package knows no country {country!r} "
            "(use an ISO 3166 code such as 'CN')"
        ) from None


def parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """``"09:00-12:00,13:00-18:00"`` → ordered, non-overlapping working periods."""
    periods: list[tuple[time, time]] = []
    for part in _items(text):
        match = _PERIOD.match(part)
        if not match:
            raise CalendarConfigError(f"OA_WORKING_HOURS: {part!r} is not HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise CalendarConfigError(f"OA_WORKING_HOURS: {part!r} is not a time of day")
        opens = time(h1, m1)
        closes = time.max if h2 == 24 else time(h2, m2)
        if closes <= opens:
            raise CalendarConfigError(f"OA_WORKING_HOURS: {part!r} ends before it starts")
        if periods and opens < periods[-1][1]:
            raise CalendarConfigError(
                f"OA_WORKING_HOURS: {part!r} overlaps or precedes the period before it"
            )
        periods.append((opens, closes))
    if not periods:
        raise CalendarConfigError("OA_WORKING_HOURS: no working period given")
    return tuple(periods)


def parse_weekdays(text: str) -> frozenset[int]:
    """``"mon-fri"`` or ``"mon,tue,sat"`` → weekday numbers (Monday is 0)."""
    days: set[int] = set()
    for part in _items(text.lower()):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise CalendarConfigError(
                f"OA_WORKING_DAYS: {part!r} is not a day or range of days (mon … sun)"
            )
        low, high = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if high < low:
            raise CalendarConfigError(f"OA_WORKING_DAYS: {part!r} runs backwards")
        days.update(range(low, high + 1))
    if not days:
        raise CalendarConfigError("OA_WORKING_DAYS: no working day given")
    return frozenset(days)


def parse_dates(setting: str, text: str) -> frozenset[date]:
    """``"2026-10-01..2026-10-07,2026-12-31"`` → the dates (ranges inclusive)."""
    found: set[date] = set()
    for part in _items(text):
        first, _, last = part.partition("..")
        try:
            low = date.fromisoformat(first)
            high = date.fromisoformat(last) if last else low
        except ValueError:
            raise CalendarConfigError(
                f"{setting}: {part!r} is not a date (YYYY-MM-DD) or range (A..B)"
            ) from None
        if high < low:
            raise CalendarConfigError(f"{setting}: {part!r} runs backwards")
        found.update(low + timedelta(days=n) for n in range((high - low).days + 1))
    return frozenset(found)


def _items(text: str) -> Iterable[str]:
    return (part.strip() for part in text.split(",") if part.strip())


def init_app(app: Any) -> None:
    """Read the calendar once at start-up, so a bad setting stops the app with its name."""
    app.extensions["oa_calendar"] = from_config(app.config)


def calendar() -> DeadlineCalendar:
    """The current app's deadline calendar."""
    return current_app.extensions["oa_calendar"]
