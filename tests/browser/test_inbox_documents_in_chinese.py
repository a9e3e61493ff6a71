"""The inbox's Documents tab in Chinese, in Debian's Chromium (seed 2 §4.4; issue 20 item 6):
a member of staff finds two documents on the dashboard, opens the tab from there, reads the
特急 one first with its number, unit and date, acknowledges it (签收) from its row, and on a
phone (390 x 844) reads the other as a card and acknowledges it too, without scrolling
sideways. Screenshots: test-artifacts/inbox-documents-zh.png, phone-inbox-documents-zh.png."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import fits_the_width, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.app_config(OA_DEFAULT_LOCALE="zh_CN"),
    pytest.mark.browser_locale("zh-CN"),
]

TRAINING = "关于年度培训计划的通知"
SAFETY = "关于开展安全生产检查的紧急通知"
NUMBER = re.compile(r"集团办〔\d{4}〕\d+号")
PHONE = {"width": 390, "height": 844}


def two_documents_for_staff() -> None:
    """The Group Office issues a routine document, then an especially urgent one, both to
    the Sales Department (staff among them)."""
    from tests.document_helpers import draft, sign_through

    sign_through(draft(title=TRAINING, urgency="routine"))
    sign_through(draft(title=SAFETY, urgency="especially_urgent"))


def cell(row, column: str) -> str:
    return row.locator(f"[data-oa-column={column}]").inner_text().strip()


@pytest.mark.seed.with_args(two_documents_for_staff)
def test_staff_read_and_acknowledge_their_documents_in_the_inbox_in_chinese(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    sign_in(page, base, "staff")
    page.goto(f"{base}/")
    assert page.locator("#dashboard-documents").inner_text().split()[0] == "2"
    with page.expect_navigation():
        page.click("#dashboard-documents")
    assert page.locator("#tab-documents").inner_text().strip().startswith("公文")
    assert page.locator("[data-oa-badge=documents]").inner_text() == "2"

    rows = page.locator("#inbox-list tbody tr[data-oa-document]")
    assert rows.count() == 2
    urgent = rows.nth(0)
    assert SAFETY in urgent.locator(".oa-card-title").inner_text()
    assert cell(urgent, "urgency") == "特急"
    assert NUMBER.fullmatch(cell(urgent, "number"))
    assert cell(urgent, "state") == "未阅"
    assert cell(urgent, "unit") == "集团办公室 (GRP)"  # frozen at issue, in the reader's language
    page.screenshot(path=artifacts / "inbox-documents-zh.png", full_page=True)

    with page.expect_navigation():
        urgent.locator("[data-oa-acknowledge]").click()
    assert "tab=documents" in page.url
    assert page.locator("[data-oa-badge=documents]").inner_text() == "1"
    assert TRAINING in rows.nth(0).locator(".oa-card-title").inner_text()  # unread first
    assert cell(rows.nth(1), "state") == "已签收"
    assert rows.nth(1).locator("[data-oa-acknowledge]").count() == 0

    # On a phone the rows are cards: no sideways scroll, the number on the screen.
    page.set_viewport_size(PHONE)
    page.reload()
    assert fits_the_width(page)
    routine = rows.nth(0)
    number = routine.locator("[data-oa-column=number]")
    box = number.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert "文号" in number.evaluate("e => getComputedStyle(e, '::before').content")
    page.screenshot(path=artifacts / "phone-inbox-documents-zh.png", full_page=True)
    with page.expect_navigation():
        routine.locator("[data-oa-acknowledge]").click()
    assert page.locator("[data-oa-badge=documents]").count() == 0
    assert [cell(rows.nth(n), "state") for n in range(2)] == ["已签收", "已签收"]
