"""The overtime inspection report (regulations §8.5: IT inspects node processing at least once
a quarter and penalises the overtime found; §3.3: 24 hours per node).

One timeline, with the clock moved and the durable timers fired as Celery beat would:

- Q2 2026: Sam's expense claim waits at Henry (Sales) past its deadline; he agrees 2 hours
  late. Finance countersigns in time.
- Q3 2026: Sam's leave request waits at Henry again (handled 3 hours late), then at Hannah (HR),
  who has not handled it when the inspectors look, 4 hours after her deadline.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import event

from oa_platform.extensions import db
from oa_platform.runtime import timers
from oa_platform.runtime.services import runtime
from tests.conftest import login, user
from tests.runtime_helpers import act_at, refresh, start

BOTH_DATABASES = True

# When the inspectors open the report: Q3 2026, Hannah's task 4 hours past its deadline.
INSPECTION = datetime(2026, 8, 5, 16, 0)
REPORT = "/reports/overtime/"
WHOLE_SPRING_AND_SUMMER = {"start": "2026-04-01", "end": "2026-09-30"}


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def _fire() -> None:
    timers.fire_due(db.session, runtime().timer_fired)


@pytest.fixture
def late_tasks(demo):
    """The timeline of the module docstring; returns the (expense, leave) instances."""
    with _at(datetime(2026, 6, 28, 9, 0)):
        expense = start("staff", "expense_claim")  # Henry's approval due 06-29 09:00
    with _at(datetime(2026, 6, 29, 10, 0)):
        _fire()
    with _at(datetime(2026, 6, 29, 11, 0)):
        act_at(expense, "head", "agree", "manager")
    with _at(datetime(2026, 6, 30, 10, 0)):
        act_at(expense, "finance", "agree", "finance")
    with _at(datetime(2026, 8, 3, 9, 0)):
        # Two days off: Henry, then HR (no leader in charge).
        leave = start("staff", "leave_request", start_date="2026-09-01", end_date="2026-09-02")
    with _at(datetime(2026, 8, 4, 10, 0)):
        _fire()
    with _at(datetime(2026, 8, 4, 12, 0)):
        act_at(leave, "head", "agree", "department_head")  # HR's task due 08-05 12:00
    with _at(datetime(2026, 8, 5, 14, 0)):
        _fire()
    return refresh(expense), refresh(leave)


def _get(client, username: str | None, path: str = REPORT, **args):
    """``path`` as ``username`` (None: signed out) sees it at the inspection. The session
    cookie is dated by the moved clock, so signing out happens at the same moment."""
    with _at(INSPECTION):
        client.post("/logout/")
        if username is not None:
            login(client, username)
        return client.get(path, query_string=args)


def _summary(html: str) -> dict[str, int]:
    """The totals line: records, handlers, open counts; minutes and max as minutes."""
    values = {}
    for name, minutes, text in re.findall(
        r'data-oa-total="(\w+)"(?: data-minutes="(\d+)")?>([^<]*)<', html
    ):
        values[name] = int(minutes or text)
    return values


def _by_handler(html: str) -> dict[str, tuple[int, int, int]]:
    """handler -> (late tasks, lateness in all, longest), in minutes."""
    rows = re.findall(r'(?s)<tr data-oa-handler="(\w+)">(.*?)</tr>', html)
    result = {}
    for username, cells in rows:
        count = int(re.search(r'data-oa-count="(\d+)"', cells).group(1))
        total, longest = (int(m) for m in re.findall(r'data-minutes="(\d+)"', cells))
        result[username] = (count, total, longest)
    return result


def _details(html: str) -> list[tuple[int, str, int]]:
    """(instance, state, minutes late) of every detail row, in page order."""
    return [
        (int(instance), state, int(minutes))
        for instance, state, minutes in re.findall(
            r'(?s)data-oa-instance="(\d+)" data-oa-state="(\w+)".*?data-minutes="(\d+)"', html
        )
    ]


def test_quarterly_inspection_lists_overtime_by_handler(late_tasks, client):
    _expense, leave = late_tasks
    answer = _get(client, "auditor")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Q3 2026" in html  # the current quarter unless asked otherwise
    assert _summary(html) == {"records": 2, "handlers": 2, "open": 1, "minutes": 420, "max": 240}
    # Hannah's open task counts up to now (4 h), Henry's as handled (3 h); most minutes first.
    assert _by_handler(html) == {"hr": (1, 240, 240), "head": (1, 180, 180)}
    assert html.index('data-oa-handler="hr"') < html.index('data-oa-handler="head"')
    assert "Human Resources Center (GRP)" in html and "Sales Department (SLS)" in html
    assert _details(html) == [(leave.id, "handled", 180), (leave.id, "open", 240)]
    assert f'href="/instances/{leave.id}"' in html  # Auditors see every instance
    assert "Department head approval" in html and "HR records the leave" in html
    assert "still open" in html


def test_quarterly_inspection_offers_this_and_last_quarter(late_tasks, client):
    expense, _leave = late_tasks
    html = _get(client, "admin").get_data(as_text=True)
    last_quarter = "start=2026-04-01&amp;end=2026-06-30"
    assert last_quarter in html and "start=2026-07-01&amp;end=2026-09-30" in html
    spring = _get(client, "admin", start="2026-04-01", end="2026-06-30").get_data(as_text=True)
    assert _summary(spring)["records"] == 1
    assert _by_handler(spring) == {"head": (1, 120, 120)}
    assert _details(spring) == [(expense.id, "handled", 120)]
    assert "Q2 2026" in spring and "Manager approval" in spring


def test_inspection_narrows_to_department_process_and_handler(late_tasks, client):
    everything = _get(client, "designer", **WHOLE_SPRING_AND_SUMMER).get_data(as_text=True)
    assert _by_handler(everything) == {"head": (2, 300, 180), "hr": (1, 240, 240)}
    assert _summary(everything) == {
        "records": 3,
        "handlers": 2,
        "open": 1,
        "minutes": 540,
        "max": 240,
    }

    sales = _get(client, "designer", department="SLS/SALES", **WHOLE_SPRING_AND_SUMMER)
    assert _by_handler(sales.get_data(as_text=True)) == {"head": (2, 300, 180)}
    # Henry moves to HR afterwards: his lateness stays with the department he was in.
    henry = user("head")
    henry.department = user("hr").department
    db.session.commit()
    sales = _get(client, "designer", department="SLS/SALES", **WHOLE_SPRING_AND_SUMMER)
    assert _by_handler(sales.get_data(as_text=True)) == {"head": (2, 300, 180)}
    hr = _get(client, "designer", department="GRP/HR", **WHOLE_SPRING_AND_SUMMER)
    assert _by_handler(hr.get_data(as_text=True)) == {"hr": (1, 240, 240)}

    claims = _get(client, "designer", definition="expense_claim", **WHOLE_SPRING_AND_SUMMER)
    assert _by_handler(claims.get_data(as_text=True)) == {"head": (1, 120, 120)}

    hannah = _get(client, "designer", handler="hr", **WHOLE_SPRING_AND_SUMMER)
    assert _by_handler(hannah.get_data(as_text=True)) == {"hr": (1, 240, 240)}

    nobody = _get(client, "designer", handler="finance", **WHOLE_SPRING_AND_SUMMER)
    assert _summary(nobody.get_data(as_text=True))["records"] == 0
    assert "No overtime in this period." in nobody.get_data(as_text=True)


def test_inspection_costs_the_same_queries_however_many_late_tasks(late_tasks, client):
    """One query per list: more records, instances and processes add no statements."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    _get(client, "auditor")  # signs in, and warms what is built once per process
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with _at(INSPECTION):
            client.get(REPORT)  # 2 records, 1 instance, 1 process
            this_quarter, statements[:] = len(statements), []
            client.get(REPORT, query_string=WHOLE_SPRING_AND_SUMMER)  # 3, 2 and 2
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == this_quarter


def test_a_task_that_left_its_late_handler_counts_until_it_left(late_tasks, client):
    _expense, leave = late_tasks
    with _at(datetime(2026, 8, 5, 15, 0)):
        act_at(leave, "hr", "transfer", "hr_record", users=["admin"], opinion="Admin records it")
    html = _get(client, "auditor").get_data(as_text=True)
    assert _by_handler(html)["hr"] == (1, 180, 180)  # 12:00 to 15:00, not to 16:00
    assert _summary(html)["open"] == 0  # admin's new task is not late yet
    assert _details(html)[-1] == (leave.id, "closed", 180)
    assert "left unhandled (transfer)" in html


def test_inspection_exports_the_filtered_records_as_formula_safe_csv(late_tasks, client):
    expense, leave = late_tasks
    hannah = user("hr")
    hannah.first_name = '=HYPERLINK("http://evil.example")'
    db.session.commit()
    answer = _get(client, "mc", REPORT + "export.csv", **WHOLE_SPRING_AND_SUMMER)
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "overtime-2026-04-01-2026-09-30.csv" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows[0][0] == "Instance" and rows[0][-1] == "Minutes late"
    body = [(int(r[0]), r[4], r[9], int(r[10])) for r in rows[1:]]
    assert body == [
        (expense.id, "head", "handled", 120),
        (leave.id, "head", "handled", 180),
        (leave.id, "hr", "open", 240),
    ]
    assert rows[3][5] == "'" + '=HYPERLINK("http://evil.example") Reed'
    # The Management Center takes no part in these instances: numbers, not titles.
    assert {r[1] for r in rows[1:]} == {""}

    only_hr = _get(client, "mc", REPORT + "export.csv", handler="hr", **WHOLE_SPRING_AND_SUMMER)
    assert len(list(csv.reader(io.StringIO(only_hr.get_data(as_text=True))))) == 2


def test_only_it_management_center_and_auditors_may_inspect(late_tasks, client):
    _expense, leave = late_tasks
    for username in ("staff", "head", "hr", "finance"):
        assert _get(client, username).status_code == 403, username
        assert _get(client, username, REPORT + "export.csv").status_code == 403, username
    for username in ("admin", "designer", "mc", "auditor"):
        assert _get(client, username).status_code == 200, username
    html = _get(client, "mc").get_data(as_text=True)
    assert _summary(html)["records"] == 2
    assert f'href="/instances/{leave.id}"' not in html and leave.title not in html
    anonymous = _get(client, None)
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"start": "2026-13-45"}, "From: Enter a date as YYYY-MM-DD"),
        ({"end": "yesterday"}, "To (included): Enter a date as YYYY-MM-DD"),
        ({"start": ""}, "From: Enter a date as YYYY-MM-DD"),
        (
            {"start": "2026-09-01", "end": "2026-08-01"},
            "To (included): The period cannot end before it starts.",
        ),
        ({"end": "9999-12-31"}, "To (included): Choose a day before 9999-12-31."),
        ({"department": "NOPE/X"}, "Department: Choose a department from the list."),
        ({"definition": "no_such_process"}, "Process: Choose a process from the list."),
        ({"handler": "ghost"}, "Handler: Choose a handler from the list."),
    ],
)
def test_bad_inspection_filters_are_named_not_a_traceback(client, args, message):
    page = _get(client, "auditor", **args)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    export = _get(client, "auditor", REPORT + "export.csv", **args)
    assert export.status_code == 400 and export.mimetype == "text/html"
