"""The charts people look at instead of reading (issue 19, item 8), in Chromium: the overtime
inspection's lateness by department and by handler and its trend per quarter (§8.5), and the
dashboard's age of my to-dos; drawn by the server as inline SVG, so nothing is fetched from
outside the app. Screenshots of each chart go to test-artifacts/charts-*.png."""

from __future__ import annotations

import pytest

from tests.browser.pages import fits_the_width, sign_in

pytestmark = pytest.mark.browser


def late_and_waiting() -> None:
    """The overtime report's timeline (tests/integration/runtime/test_overtime_report.py):
    Henry (Sales) late in Q2 and Q3 2026, Hannah (HR) still late on Sam's leave request; and
    three requests that reached Henry 1, 6 and 30 hours ago."""
    from datetime import datetime, timedelta

    import time_machine

    from form_builder.clock import utcnow
    from oa_platform.extensions import db
    from oa_platform.runtime import timers
    from oa_platform.runtime.services import runtime
    from tests.runtime_helpers import act_at, start

    def at(moment: datetime):
        return time_machine.travel(moment, tick=False)

    def fire() -> None:
        timers.fire_due(db.session, runtime().timer_fired)

    with at(datetime(2026, 6, 28, 9, 0)):
        expense = start("staff", "expense_claim")
    with at(datetime(2026, 6, 29, 10, 0)):
        fire()
    with at(datetime(2026, 6, 29, 11, 0)):
        act_at(expense, "head", "agree", "manager")
    with at(datetime(2026, 8, 3, 9, 0)):
        leave = start("staff", "leave_request", start_date="2026-09-01", end_date="2026-09-02")
    with at(datetime(2026, 8, 4, 10, 0)):
        fire()
    with at(datetime(2026, 8, 4, 12, 0)):
        act_at(leave, "head", "agree", "department_head")
    with at(datetime(2026, 8, 5, 14, 0)):
        fire()
    now = utcnow()
    for hours_ago in (1, 6, 30):
        with at(now - timedelta(hours=hours_ago)):
            start("staff", "leave_request", start_date="2027-03-01", end_date="2027-03-01")


def _outside(page, base: str) -> list[str]:
    found: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else found.append(r.url))
    return found


def _bars(chart) -> list[int]:
    return [
        int(v)
        for v in chart.locator("rect[data-value]").evaluate_all(
            "rects => rects.map(r => r.dataset.value)"
        )
    ]


@pytest.mark.seed.with_args(late_and_waiting)
@pytest.mark.browser_locale("zh-CN")
def test_the_overtime_charts_in_chinese(live_server, browser_page, artifacts):
    page, base = browser_page, live_server
    outside = _outside(page, base)
    sign_in(page, base, "auditor")
    page.goto(f"{base}/reports/overtime/?start=2026-04-01&end=2026-09-30")
    departments = page.locator("#overtime-chart-departments")
    handlers = page.locator("#overtime-chart-handlers")
    trend = page.locator("#overtime-chart-trend")
    for chart in (departments, handlers, trend):
        assert chart.is_visible()
    assert departments.get_attribute("aria-label") == "各部门超时时长"
    # The bars are the tables' figures: Henry 2 h + 3 h; Hannah still open, so the most.
    table_minutes = page.locator("#overtime-by-handler tr[data-oa-handler]").evaluate_all(
        "rows => rows.map(r => Number(r.querySelectorAll('[data-minutes]')[0].dataset.minutes))"
    )
    assert _bars(handlers) == table_minutes and 300 in table_minutes
    per_quarter = page.locator("#overtime-by-quarter tr[data-oa-quarter]").evaluate_all(
        "rows => rows.flatMap(r => [Number(r.querySelector('[data-oa-count]').dataset.oaCount),"
        " Number(r.querySelector('[data-oa-open]').dataset.oaOpen)])"
    )
    # Q4 2025 to Q3 2026, "late" then "still open"; in Q2 Henry, and Finance still open.
    assert _bars(trend) == per_quarter == [0, 0, 0, 0, 2, 1, 2, 1]
    assert "2026年第3季度" in trend.text_content()
    departments.screenshot(path=artifacts / "charts-overtime-departments-zh.png")
    handlers.screenshot(path=artifacts / "charts-overtime-handlers-zh.png")
    trend.screenshot(path=artifacts / "charts-overtime-trend-zh.png")
    assert outside == []


@pytest.mark.seed.with_args(late_and_waiting)
@pytest.mark.browser_locale("en")
def test_the_age_of_my_to_dos_on_the_dashboard(live_server, browser_page, artifacts):
    page, base = browser_page, live_server
    outside = _outside(page, base)
    sign_in(page, base, "head")
    page.goto(f"{base}/")
    chart = page.locator("#dashboard-chart-todo-age")
    assert chart.is_visible()
    assert chart.get_attribute("aria-label") == "Age of my to-dos"
    bars = _bars(chart)
    table = [int(n) for n in page.locator("#todo-age-table td[data-oa-age]").all_inner_texts()]
    assert bars == table and len(bars) == 5
    assert sum(bars) == 3 and bars[0] == 1  # one reached Henry an hour ago
    chart.screenshot(path=artifacts / "charts-dashboard-todo-age-en.png")
    page.locator("#dashboard-todo-age").screenshot(path=artifacts / "charts-dashboard-panel-en.png")
    assert outside == []

    # On a phone the bars shrink with the screen and the table of figures fits it.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/")
    assert fits_the_width(page)
    page.locator("#dashboard-todo-age").screenshot(path=artifacts / "charts-dashboard-phone.png")
