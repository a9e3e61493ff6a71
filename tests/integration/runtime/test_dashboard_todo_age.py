"""The dashboard shows how long my to-dos have waited (issue 19, item 8), as bars drawn on the
server with the figures in a table: under 4 hours, 4 to 24 hours, 1 to 3 days, over 3 days,
and overdue (past the §3.3 deadline, whatever the age). The clock is frozen, so the buckets
are exact.

Henry (Sales head) is the first approver of Sam's leave requests, each due 24 business hours
after it reaches him.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import time_machine

from oa_platform.extensions import db
from oa_platform.runtime.models import Task
from oa_platform.runtime.todo_age import todo_ages
from tests.conftest import login, user
from tests.runtime_helpers import start

BOTH_DATABASES = True

# Thursday 6 August 2026, 10:00 (UTC): Henry opens his dashboard.
NOW = datetime(2026, 8, 6, 10, 0)


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def _leave_request_started(hours_ago: float, extended: bool = False) -> None:
    """Sam's request reaches Henry ``hours_ago``; ``extended``: its deadline moved to 8 hours
    from now (as an extension would), so it is old but not overdue."""
    with _at(NOW - timedelta(hours=hours_ago)):
        instance = start("staff", "leave_request", start_date="2026-09-01", end_date="2026-09-01")
    if extended:
        task = (
            db.session.query(Task)
            .filter_by(instance_id=instance.id, assignee_id=user("head").id)
            .one()
        )
        task.due_at = NOW + timedelta(hours=8)
        db.session.commit()


def _heads_waiting() -> None:
    for hours_ago in (1, 3.5, 5, 20):
        _leave_request_started(hours_ago)
    # 30 hours and a week ago: past their 24-hour deadlines, so overdue, whatever their age.
    _leave_request_started(30)
    _leave_request_started(24 * 7)
    _leave_request_started(50, extended=True)
    _leave_request_started(24 * 4, extended=True)


def test_my_to_dos_by_age_with_a_frozen_clock(demo, client):
    _heads_waiting()
    ages = todo_ages(db.session, user("head").id, NOW)
    # 1 h and 3.5 h; 5 h and 20 h; 50 h; 4 days; 30 h and a week.
    assert (ages.under_4h, ages.h4_24h, ages.d1_3d, ages.over_3d, ages.overdue) == (2, 2, 1, 1, 2)
    assert ages.total == 8

    with _at(NOW):
        login(client, "head")
        html = client.get("/").get_data(as_text=True)
    svg = re.search(r'(?s)<svg [^>]*id="dashboard-chart-todo-age".*?</svg>', html).group(0)
    assert 'role="img" aria-label="Age of my to-dos"' in svg
    bars = [int(value) for value in re.findall(r'data-value="(\d+)"', svg)]
    table = dict(
        (key, int(count)) for key, count in re.findall(r'data-oa-age="(\w+)">(\d+)<', html)
    )
    assert bars == [2, 2, 1, 1, 2] == list(table.values())
    assert table == {"under_4h": 2, "4h_24h": 2, "1d_3d": 1, "over_3d": 1, "overdue": 2}
    assert not re.findall(r'(?:src|href)="(https?://[^"]+)"', html)  # nothing from outside


def test_the_chart_in_chinese_and_an_empty_inbox(demo, client):
    _leave_request_started(2)
    with _at(NOW):
        login(client, "head")
        html = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
        assert 'aria-label="我的待办已等待时长"' in html and "不到4小时" in html
        client.post("/logout/")
        login(client, "staff")  # Sam waits for nobody
        html = client.get("/").get_data(as_text=True)
    assert 'id="dashboard-chart-todo-age"' not in html
    assert "Nothing is waiting for you." in html
