"""A confirmed change request is due within its working days (regulations §8.4; seed 2 §5.1):
ordinary personnel and organisation changes within 1 working day, authority and
responsibility changes within 2, a new user's registration within a week. Working days come
from the business calendar; the clock is frozen.
"""

from __future__ import annotations

from datetime import datetime

import time_machine

from oa_platform.extensions import db
from oa_platform.orgchange import commands, queries
from oa_platform.orgchange.changes import Deadline
from oa_platform.orgchange.deadlines import due_at
from tests.conftest import user
from tests.orgchange_helpers import confirmed, file_change, newcomer
from tests.runtime_helpers import live

BOTH_DATABASES = True
CALENDAR = {
    "OA_BUSINESS_CALENDAR": True,
    "OA_TIMEZONE": "Asia/Shanghai",
    "OA_WORKING_HOURS": "09:00-12:00,13:00-18:00",
    "OA_HOLIDAY_COUNTRY": "CN",
}
# Friday 27 November 2026, 17:00 in Shanghai (09:00 UTC): one working hour left that day.
FRIDAY_5PM = datetime(2026, 11, 27, 9, 0)
MONDAY_5PM = datetime(2026, 11, 30, 9, 0)  # 1 h Friday + 7 h Monday: one working day
TUESDAY_5PM = datetime(2026, 12, 1, 9, 0)


def row(instance_id: int, now: datetime) -> queries.RequestRow:
    [found] = [
        r for r in queries.change_requests(db.session, now=now) if r.instance_id == instance_id
    ]
    return found


def test_an_ordinary_change_not_done_within_one_working_day_is_overdue(app_factory):
    from oa_platform.demo import load_demo_data

    with app_factory(**CALENDAR).app_context():
        load_demo_data()
        with time_machine.travel(FRIDAY_5PM, tick=False):
            request = confirmed(
                file_change(change_kind="person_move", person="staff", department="GRP/FIN")
            )
        found = row(request.id, MONDAY_5PM)
        assert found.deadline is Deadline.ORDINARY
        [task] = live(request, "apply")  # IT's to-do keeps the same day (§3.3 reminders)
        assert task.due_at == MONDAY_5PM
        assert found.confirmed_at == FRIDAY_5PM
        assert found.due_at == MONDAY_5PM  # the weekend does not count
        assert not row(request.id, datetime(2026, 11, 30, 8, 59)).overdue
        assert row(request.id, datetime(2026, 11, 30, 9, 1)).overdue


def test_an_authority_change_has_two_working_days_and_one_done_in_time_is_not_overdue(app_factory):
    from oa_platform.demo import load_demo_data

    with app_factory(**CALENDAR).app_context():
        load_demo_data()
        newcomer("wei")
        with time_machine.travel(FRIDAY_5PM, tick=False):
            request = confirmed(
                file_change(change_kind="head_change", department="SLS/SALES", person="wei")
            )
        assert row(request.id, MONDAY_5PM).due_at == TUESDAY_5PM
        [task] = live(request, "apply_authority")
        assert task.due_at == TUESDAY_5PM
        assert not row(request.id, datetime(2026, 12, 1, 8, 59)).overdue
        with time_machine.travel(datetime(2026, 12, 1, 8, 0), tick=False):
            record = commands.apply_change(db.session, user("admin"), request.id)
        assert record.due_at == TUESDAY_5PM
        later = row(request.id, datetime(2026, 12, 10))
        assert later.applied_at is not None and not later.overdue


def test_a_new_users_registration_has_a_week():
    confirmed_at = datetime(2026, 11, 27, 9, 0)
    assert due_at(Deadline.REGISTRATION, confirmed_at) == datetime(2026, 12, 4, 9, 0)
