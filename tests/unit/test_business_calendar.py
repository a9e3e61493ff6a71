"""The business calendar: deadline hours count working time (regulations §3.3, issue 6)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oa_platform.runtime.business_calendar import (
    BusinessCalendar,
    CalendarConfigError,
    ClockCalendar,
    from_config,
)

SHANGHAI = {
    "OA_BUSINESS_CALENDAR": True,
    "OA_TIMEZONE": "Asia/Shanghai",
    "OA_WORKING_HOURS": "09:00-12:00,13:00-18:00",
    "OA_HOLIDAY_COUNTRY": "CN",
}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_without_a_calendar_every_hour_counts():
    calendar = from_config({"OA_BUSINESS_CALENDAR": False})
    assert isinstance(calendar, ClockCalendar)
    assert calendar.add(utc("2026-11-27 09:00"), 24) == utc("2026-11-30 09:00") - timedelta(days=2)


def test_24_hours_given_on_friday_afternoon_run_into_next_week():
    calendar = from_config(SHANGHAI)
    # Friday 17:00 in Shanghai (09:00 UTC): 1 h on Friday, 8 h on Monday and Tuesday, and
    # the last 7 h on Wednesday, skipping the lunch hour: due Wednesday 17:00 local.
    assert calendar.add(utc("2026-11-27 09:00"), 24) == utc("2026-12-02 09:00")


def test_national_day_stops_the_clock_and_make_up_saturday_counts():
    calendar = from_config(SHANGHAI)
    # 30 September 17:00 local: 1 h, then the National Day holiday (1 to 7 October), then
    # 8 and 9 October and the make-up working Saturday 10 October.
    assert calendar.add(utc("2026-09-30 09:00"), 24) == utc("2026-10-10 09:00")


def test_time_before_opening_starts_counting_at_opening():
    calendar = from_config({**SHANGHAI, "OA_HOLIDAY_COUNTRY": ""})
    # Monday 07:00 local is 23:00 UTC on Sunday; 2 h later is Monday 11:00 local.
    assert calendar.add(utc("2026-11-29 23:00"), 2) == utc("2026-11-30 03:00")


def test_company_days_off_and_extra_working_days():
    calendar = from_config(
        {
            "OA_BUSINESS_CALENDAR": True,
            "OA_WORKING_HOURS": "09:00-17:00",
            "OA_WORKING_DAYS": "mon-fri",
            "OA_HOLIDAYS": "2026-12-24..2026-12-25",
            "OA_EXTRA_WORKDAYS": "2026-12-26",
        }
    )
    # Wednesday 23 December 16:00 UTC + 4 h: 1 h that day, Thursday and Friday are off,
    # Saturday is an extra working day.
    assert calendar.add(utc("2026-12-23 16:00"), 4) == utc("2026-12-26 12:00")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("OA_WORKING_HOURS", "9-5", "OA_WORKING_HOURS: '9-5' is not HH:MM-HH:MM"),
        ("OA_WORKING_HOURS", "18:00-09:00", "ends before it starts"),
        ("OA_WORKING_HOURS", "09:00-13:00,12:00-18:00", "overlaps"),
        ("OA_WORKING_DAYS", "monday", "OA_WORKING_DAYS: 'monday' is not a day"),
        ("OA_WORKING_DAYS", "fri-mon", "runs backwards"),
        ("OA_HOLIDAYS", "2026-13-01", "OA_HOLIDAYS: '2026-13-01' is not a date"),
        ("OA_TIMEZONE", "Mars/Olympus", "OA_TIMEZONE: unknown time zone"),
        ("OA_HOLIDAY_COUNTRY", "XX", "OA_HOLIDAY_COUNTRY: the holidays package knows no"),
    ],
)
def test_a_bad_calendar_setting_is_named(setting, value, message):
    with pytest.raises(CalendarConfigError, match=message):
        from_config({**SHANGHAI, setting: value})


def test_the_app_refuses_to_start_with_a_bad_calendar(app_factory):
    with pytest.raises(CalendarConfigError, match="OA_WORKING_DAYS"):
        app_factory(OA_BUSINESS_CALENDAR=True, OA_WORKING_DAYS="someday")


CALENDARS = st.sampled_from(
    [
        from_config(SHANGHAI),
        from_config({"OA_BUSINESS_CALENDAR": True, "OA_WORKING_HOURS": "08:30-17:30"}),
        from_config(
            {
                "OA_BUSINESS_CALENDAR": True,
                "OA_TIMEZONE": "Europe/Berlin",  # daylight saving changes in the range
                "OA_WORKING_HOURS": "00:00-06:00,22:00-24:00",
                "OA_WORKING_DAYS": "mon-sat",
            }
        ),
    ]
)
MOMENTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))
MINUTES = st.integers(min_value=0, max_value=60 * 24 * 20)


@given(CALENDARS, MOMENTS, MINUTES)
def test_the_due_time_holds_exactly_the_hours_given(calendar: BusinessCalendar, start, minutes):
    due = calendar.add(start, minutes / 60)
    assert due >= start
    assert calendar.working_time(start, due) == timedelta(minutes=minutes)


@given(CALENDARS, MOMENTS, MINUTES, MINUTES)
def test_adding_in_two_steps_is_adding_once(calendar: BusinessCalendar, start, first, second):
    once = calendar.add(start, (first + second) / 60)
    assert calendar.add(calendar.add(start, first / 60), second / 60) == once


def test_hours_across_a_clock_change_are_real_hours():
    calendar = from_config(
        {
            "OA_BUSINESS_CALENDAR": True,
            "OA_TIMEZONE": "Europe/Berlin",
            "OA_WORKING_HOURS": "00:00-06:00",
            "OA_WORKING_DAYS": "mon-sun",
        }
    )
    # 29 March 2026: clocks go from 02:00 to 03:00 in Berlin; 00:00-06:00 lasts 5 hours.
    start = utc("2026-03-29 00:30")  # 01:30 local
    assert calendar.add(start, 1) == utc("2026-03-29 01:30")  # 03:30 local
    assert calendar.working_time(utc("2026-03-28 23:00"), utc("2026-03-29 12:00")) == timedelta(
        hours=5
    )
