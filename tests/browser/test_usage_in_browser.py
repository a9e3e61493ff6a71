"""IT looks at how the system was used in a quarter (§2.1.1): the figures, the two charts
drawn on the server (no script, no outside address), a unit chosen from the list, and the
workbook downloaded; in Chinese and in English, with screenshots of the charts in
test-artifacts/. A unit head sees their own department only."""

from __future__ import annotations

import io

import pytest

from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def a_quarter_of_use() -> None:
    from tests.usage_helpers import known_handling_times

    known_handling_times()


def _figure(page, name: str) -> str:
    return page.locator(f"[data-oa-figure={name}]").inner_text().strip()


@pytest.mark.seed.with_args(a_quarter_of_use)
@pytest.mark.browser_locale("zh-CN")
def test_it_reads_a_quarter_of_use_with_its_charts(live_server, browser_page, artifacts):
    from openpyxl import load_workbook

    page, base = browser_page, live_server
    outside: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(base) else outside.append(request.url),
    )
    sign_in(page, base, "auditor")
    page.goto(f"{base}/")
    page.click("text=报表")
    with page.expect_navigation():
        page.click("a[href='/usage/']")
    assert "系统使用情况" in page.content()
    page.fill("#period", "2026-Q3")
    with page.expect_navigation():
        page.click("#usage-filters button[type=submit]")
    assert "2026年第3季度" in page.locator("#usage-period").inner_text()
    assert (_figure(page, "started"), _figure(page, "finished"), _figure(page, "handled")) == (
        "3",
        "2",
        "5",
    )
    assert _figure(page, "overtime_rate") == "20.0%"
    throughput = page.locator("#chart-throughput")
    handling = page.locator("#chart-handling")
    assert throughput.is_visible() and handling.is_visible()
    assert throughput.locator("rect[data-value]").count() == 6  # 3 months, 2 bars each
    throughput.screenshot(path=artifacts / "usage-chart-throughput-zh.png")
    handling.screenshot(path=artifacts / "usage-chart-handling-zh.png")
    page.screenshot(path=artifacts / "usage-view-zh.png", full_page=True)

    # The Sales department alone: Henry's two tasks (Laura handled the third for him).
    page.select_option("#unit", "department:SLS/SALES")
    with page.expect_navigation():
        page.click("#usage-filters button[type=submit]")
    assert _figure(page, "handled") == "2"

    with page.expect_download() as download:
        page.click("[data-oa-export='all.xlsx']")
    path = download.value.path()
    book = load_workbook(io.BytesIO(path.read_bytes()))
    assert book.sheetnames[:3] == ["概况", "按流程", "按节点"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["已办理的待办"] == 2
    assert outside == []  # everything came from the app itself


@pytest.mark.seed.with_args(a_quarter_of_use)
@pytest.mark.browser_locale("en")
def test_a_unit_head_reads_their_department_in_english(live_server, browser_page, artifacts):
    page, base = browser_page, live_server
    sign_in(page, base, "head")
    page.goto(f"{base}/usage/?period=2026-Q3")
    assert page.locator("#unit option").all_inner_texts() == ["Sales Department (SLS)"]
    assert _figure(page, "started") == "3"
    page.locator("#usage-charts").screenshot(path=artifacts / "usage-charts-unit-head-en.png")
    answer = page.goto(f"{base}/usage/?unit=company:GRP")
    assert answer.status == 404
