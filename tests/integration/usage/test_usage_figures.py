"""IT's usage view (regulations §2.1.1: IT inspects, guides and assesses how the OA system is
used): every figure of a quarter with known handling times (tests/usage_helpers.py), for
the whole group and for one unit, and the same numbers in the CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from oa_platform.demo import USERS
from oa_platform.extensions import db
from oa_platform.runtime.models import Task
from tests.usage_helpers import (
    INSPECTION,
    SUMMER,
    USAGE,
    at,
    figures,
    get,
    known_handling_times,
    rows,
)

BOTH_DATABASES = True
EVERYONE = {user.username for user in USERS}


@pytest.fixture
def quarter(demo):
    return known_handling_times()


def test_a_quarter_of_use_in_figures(quarter, client):
    _a, _b, c = quarter
    answer = get(client, "auditor", period=SUMMER)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Q3 2026" in html
    # Every node here has a 24-hour deadline: Fiona's week on claim B is the one late task.
    assert db.session.query(Task).filter(Task.due_at.is_(None)).count() == 0
    assert figures(html) == {
        "active_users": 4,  # Sam started, Henry, Laura and Fiona acted
        "started": 3,
        "finished": 2,
        "ended_otherwise": 1 if c.status in {"terminated", "cancelled"} else 0,
        "handled": 5,  # Sam's submissions are starting, not handling
        "late": 1,
        "overtime_rate": 20.0,
        "not_agree": 1,  # Henry's disagreement
        "agents": 1,  # Laura for Henry
        "on_behalf": 1,
        "idle": len(EVERYONE) - 1,  # only the auditor, signing in now, has signed in
    }
    assert rows(html, "nodes", "node") == {
        "manager": {"handled": 2, "median": 60, "p90": 180, "late": 0, "rate": 0.0, "not_agree": 0},
        "finance": {
            "handled": 2,
            "median": 180,
            "p90": 10080,
            "late": 1,
            "rate": 50.0,
            "not_agree": 0,
        },
        "department_head": {
            "handled": 1,
            "median": 120,
            "p90": 120,
            "late": 0,
            "rate": 0.0,
            "not_agree": 1,
        },
    }
    assert rows(html, "definitions", "definition") == {
        "expense_claim": {"started": 2, "finished": 2, "median": 240, "p90": 10260},
        "leave_request": {"started": 1, "finished": 0, "median": None, "p90": None},
    }
    assert rows(html, "actions", "action") == {"disagree": {"tasks": 1}}
    assert rows(html, "agents", "principal") == {"head": {"on_behalf": 1}}
    idle = rows(html, "idle", "user")
    assert set(idle) == EVERYONE - {"auditor"}
    # The charts: July 2 started and 2 finished, August 1 started, September nothing.
    throughput = html[html.index('id="chart-throughput"') :]
    throughput = throughput[: throughput.index("</svg>")]
    bars = [int(value) for value in re.findall(r'data-value="(\d+)"', throughput)]
    assert bars == [2, 2, 1, 0, 0, 0]
    assert 'id="chart-handling"' in html


def test_the_median_and_90th_percentile_are_nearest_rank(quarter, client):
    """Three more claims at Henry, handled in 30, 300 and 600 minutes: with 60 and 180 the
    five times are 30, 60, 180, 300, 600; half reach 180, nine tenths 600."""
    from tests.runtime_helpers import act_at, start

    for day, minutes in ((20, 30), (21, 300), (22, 600)):
        with at(datetime(2026, 7, day, 1, 0)):
            claim = start("staff", "expense_claim")
        with at(datetime(2026, 7, day, 1 + minutes // 60, minutes % 60)):
            act_at(claim, "head", "agree", "manager")
    html = get(client, "admin", period=SUMMER).get_data(as_text=True)
    manager = rows(html, "nodes", "node")["manager"]
    assert (manager["handled"], manager["median"], manager["p90"]) == (5, 180, 600)


def test_a_unit_head_sees_their_unit(quarter, client):
    """Henry heads Sales (Sam, Nina and himself): Sam's three instances, Henry's own two
    tasks (Laura handled one for him, as his agent, from the Group Office)."""
    html = get(client, "head", period=SUMMER).get_data(as_text=True)
    assert "Sales Department (SLS)" in html
    found = figures(html)
    assert found["active_users"] == 2  # Sam and Henry
    assert (found["started"], found["finished"], found["handled"]) == (3, 2, 2)
    assert (found["late"], found["not_agree"], found["agents"], found["on_behalf"]) == (0, 1, 1, 1)
    assert set(rows(html, "nodes", "node")) == {"manager", "department_head"}
    assert set(rows(html, "idle", "user")) == {"staff", "newhire"}


def test_periods_are_months_quarters_and_years(quarter, client):
    july = get(client, "admin", period="2026-07").get_data(as_text=True)
    assert (figures(july)["started"], figures(july)["finished"], figures(july)["handled"]) == (
        2,
        2,
        4,
    )
    assert 'href="/usage/?period=2026-06"' in july and 'period=2026-08"' in july
    august = get(client, "admin", period="2026-08").get_data(as_text=True)
    assert (figures(august)["started"], figures(august)["handled"]) == (1, 1)
    year = get(client, "admin", period="2026").get_data(as_text=True)
    assert figures(year)["started"] == 3
    spring = get(client, "admin", period="2026-Q2").get_data(as_text=True)
    assert figures(spring)["started"] == 0 and "No task was handled in this period." in spring


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"period": "summer"}, "Period"),
        ({"period": "2026-13"}, "Period"),
        ({"days": "0"}, "Days without signing in"),
        ({"days": "many"}, "Days without signing in"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(demo, client, args, field):
    answer = get(client, "admin", **args)
    assert answer.status_code == 400
    assert f"{field}:" in answer.get_data(as_text=True)
    export = get(client, "admin", "/usage/export/nodes.csv", **args)
    assert export.status_code == 400


def test_every_table_exports_as_csv_and_xlsx_with_the_page_numbers(quarter, client):
    html = get(client, "auditor", period=SUMMER).get_data(as_text=True)
    page_figures = figures(html)
    page_nodes = rows(html, "nodes", "node")

    answer = get(client, "auditor", "/usage/export/all.xlsx", period=SUMMER)
    assert answer.status_code == 200
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.data), read_only=True)
    assert book.sheetnames == [
        "Summary",
        "By process",
        "By node",
        "Actions other than agree",
        "Agents in use",
        "Accounts not signed in for 30 d",
    ]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Active users"] == page_figures["active_users"]
    assert summary["Instances started"] == page_figures["started"]
    assert summary["Instances finished"] == page_figures["finished"]
    assert summary["Tasks handled"] == page_figures["handled"]
    assert summary["Tasks handled late"] == page_figures["late"]
    assert summary["Overtime rate (%)"] == page_figures["overtime_rate"]
    assert summary["Actions other than agree"] == page_figures["not_agree"]
    assert summary["Agents in use"] == page_figures["agents"]
    assert summary["Tasks handled by agents"] == page_figures["on_behalf"]
    assert summary["Accounts not signed in for 30 days"] == page_figures["idle"]
    nodes = list(book["By node"].iter_rows(min_row=2, values_only=True))
    assert len(nodes) == len(page_nodes) == 3
    assert [row[2] for row in nodes] == [line["handled"] for line in page_nodes.values()]
    assert [(row[3], row[4], row[6], row[7], row[8]) for row in nodes] == [
        (n["median"], n["p90"], n["late"], n["rate"], n["not_agree"]) for n in page_nodes.values()
    ]
    processes = list(book["By process"].iter_rows(min_row=2, values_only=True))
    assert processes == [
        ("expense_claim", processes[0][1], 2, 2, 240, 10260),
        ("leave_request", processes[1][1], 1, 0, None, None),
    ]

    one = get(client, "auditor", "/usage/export/nodes.xlsx", period=SUMMER)
    assert load_workbook(io.BytesIO(one.data)).sheetnames == ["By node"]

    for table in ("summary", "definitions", "nodes", "actions", "agents", "idle"):
        answer = get(client, "auditor", f"/usage/export/{table}.csv", period=SUMMER)
        assert answer.status_code == 200 and answer.mimetype == "text/csv"
    text = get(client, "auditor", "/usage/export/nodes.csv", period=SUMMER).get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert lines[0][2] == "Tasks handled"
    assert [(int(line[2]), int(line[3]), int(line[4])) for line in lines[1:]] == [
        (n["handled"], n["median"], n["p90"]) for n in page_nodes.values()
    ]
    # For older Excel on Chinese Windows: the same file in GBK (GB18030), Chinese names kept.
    with at(INSPECTION):  # still signed in as the auditor; a Chinese reader
        gbk = client.get(
            "/usage/export/idle.csv",
            query_string={"period": SUMMER, "encoding": "gbk"},
            headers={"Accept-Language": "zh-CN,zh;q=0.9"},
        )
    assert gbk.headers["Content-Type"] == "text/csv; charset=gb18030"
    text = gbk.data.decode("gb18030")
    assert "吴森" in text and "从未" not in text and "用户名" in text
    assert get(client, "auditor", "/usage/export/all.csv").status_code == 404
    assert get(client, "auditor", "/usage/export/passwords.xlsx").status_code == 404


def test_the_view_costs_the_same_statements_however_much_was_used(quarter, client):
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    get(client, "auditor")  # signs in, warms what is built once per process
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with at(datetime(2026, 10, 5, 10, 0)):
            client.get(USAGE, query_string={"period": "2026-Q2"})  # nothing used
            empty, statements[:] = len(statements), []
            client.get(USAGE, query_string={"period": SUMMER})  # 3 instances, 5 tasks
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == empty


def test_the_page_lists_the_first_idle_accounts_and_the_exports_all(demo, client, monkeypatch):
    from oa_platform.usage import views

    monkeypatch.setattr(views, "IDLE_SHOWN", 3)
    html = get(client, "admin").get_data(as_text=True)
    assert len(rows(html, "idle", "user")) == 3
    assert f"{len(EVERYONE) - 1 - 3} more accounts are in the CSV and XLSX exports." in html
    text = get(client, "admin", "/usage/export/idle.csv").get_data(as_text=True)
    assert len(text.strip().splitlines()) == 1 + len(EVERYONE) - 1
