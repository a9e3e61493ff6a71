"""The overtime inspection's charts (§8.5) say what its tables say: lateness by department and
by handler, and the late tasks of each quarter, drawn on the server as inline SVG (no script,
no outside address), with a text for screen readers and the figures in the tables.

The timeline is the overtime report's (``test_overtime_report.late_tasks``): in Q2 2026 Henry
(Sales) agrees 2 hours late; in Q3 2026 Henry is 3 hours late and Hannah (HR) still open,
4 hours past her deadline, when the inspectors look.
"""

from __future__ import annotations

import re

from tests.conftest import login
from tests.integration.runtime.test_overtime_report import (  # noqa: F401
    INSPECTION,
    REPORT,
    _at,
    _get,
    late_tasks,
)

BOTH_DATABASES = True


def _chart(html: str, chart_id: str) -> str:
    found = re.search(rf'(?s)<svg [^>]*id="{chart_id}".*?</svg>', html)
    assert found, chart_id
    return found.group(0)


def _bars(svg: str) -> list[int]:
    return [int(value) for value in re.findall(r'data-value="(\d+)"', svg)]


def _table_minutes(html: str, table_id: str) -> list[int]:
    """The "Lateness in all" of each line of a summary table, in page order."""
    table = re.search(rf'(?s)<table [^>]*id="{table_id}".*?</table>', html).group(0)
    lines = re.findall(r'(?s)<tr data-oa-\w+="[^"]*">(.*?)</tr>', table)
    return [int(re.search(r'data-minutes="(\d+)"', line).group(1)) for line in lines]


def test_the_charts_draw_the_tables_figures(late_tasks, client):  # noqa: F811
    html = _get(client, "auditor").get_data(as_text=True)

    departments = _chart(html, "overtime-chart-departments")
    assert _table_minutes(html, "overtime-by-department") == [240, 180]
    assert _bars(departments) == [240, 180]  # HR first: most minutes late
    assert "Human Resources Center (GRP)" in departments and "Sales Department (SLS)" in departments
    assert "4 h" in departments  # each bar is labelled with its duration

    handlers = _chart(html, "overtime-chart-handlers")
    assert _table_minutes(html, "overtime-by-handler") == _bars(handlers) == [240, 180]

    trend = _chart(html, "overtime-chart-trend")
    quarters = re.findall(
        r'(?s)<tr data-oa-quarter="([\d-]+)">.*?data-oa-count="(\d+)".*?data-oa-open="(\d+)"',
        html,
    )
    assert quarters == [
        ("2025-10-01", "0", "0"),
        ("2026-01-01", "0", "0"),
        ("2026-04-01", "1", "0"),  # Henry's expense claim
        ("2026-07-01", "2", "1"),  # Henry's and Hannah's leave request, hers still open
    ]
    # Bars go quarter by quarter, "late tasks" then "still open".
    assert _bars(trend) == [0, 0, 0, 0, 1, 0, 2, 1]
    assert "Q3 2026" in trend


def test_the_charts_are_accessible_and_drawn_by_the_app(late_tasks, client):  # noqa: F811
    html = _get(client, "auditor").get_data(as_text=True)
    for chart_id, title in (
        ("overtime-chart-departments", "Lateness by department"),
        ("overtime-chart-handlers", "Lateness by handler"),
        ("overtime-chart-trend", "Late tasks per quarter"),
    ):
        svg = _chart(html, chart_id)
        assert f'role="img" aria-label="{title}"' in svg
        assert f"<title>{title}</title>" in svg
    # No script, style or image comes from outside the app (the SVG namespace is no fetch).
    addresses = set(re.findall(r'(?:src|href)="(https?://[^"]+)"', html))
    assert addresses == set()


def test_the_trend_keeps_the_filters_but_not_the_dates(late_tasks, client):  # noqa: F811
    html = _get(client, "auditor", handler="head").get_data(as_text=True)
    assert _bars(_chart(html, "overtime-chart-trend")) == [0, 0, 0, 0, 1, 0, 1, 0]
    assert _bars(_chart(html, "overtime-chart-departments")) == [180]


def test_the_charts_speak_chinese(late_tasks, client):  # noqa: F811
    with _at(INSPECTION):
        login(client, "auditor")
        html = client.get(REPORT, headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(
            as_text=True
        )
    assert 'aria-label="各部门超时时长"' in html
    assert "2026年第3季度" in _chart(html, "overtime-chart-trend")
