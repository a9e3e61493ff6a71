"""An official document in a real browser (seed 2 §4.2-§4.5): the Group Office's clerk drafts
it, the office head reviews, the secretary checks, the leader signs it off; it is numbered and
distributed; a recipient opens and acknowledges it; the sender's receipt board shows it.
Screenshots of the document, the red header and the board land in test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import act, open_from_inbox, sign_in

pytestmark = pytest.mark.browser
TITLE = "关于规范费用报销的通知"


def test_a_document_is_drafted_signed_off_numbered_distributed_and_acknowledged(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    sign_in(page, base, "clerk")
    page.goto(f"{base}/processes/")
    with page.expect_navigation():
        page.click("[data-oa-process=document_issue] a.btn")
    page.fill("[name=title]", TITLE)
    page.select_option("[name=urgency]", "urgent")
    page.fill("[name=main_recipients]", "department:SLS/SALES")
    editor = page.locator("[data-oa-field=body] [data-oa-rich-editor]")
    editor.click()
    editor.type("各单位：报销须附发票原件。")
    with page.expect_navigation():
        page.click("#submit-form")
    instance_id = int(re.search(r"/instances/(\d+)", page.url).group(1))

    for who in ("leader", "secretary", "leader"):  # review, office check, sign-off (签发)
        sign_in(page, base, who)
        open_from_inbox(page, base, instance_id)
        act(page, "agree", "同意。")

    # A recipient finds it unread, opens it and acknowledges it.
    sign_in(page, base, "staff")
    page.goto(f"{base}/documents/")
    assert page.locator("#documents-unread").inner_text() == "1"
    with page.expect_navigation():
        page.click(f"#documents-received a:has-text('{TITLE}')")
    number = page.locator("#document-number").inner_text()
    assert re.fullmatch(r"集团办〔\d{4}〕1号", number)
    with page.expect_navigation():
        page.click("#document-acknowledge")
    assert page.locator("#document-acknowledged").count() == 1
    page.screenshot(path=artifacts / "document-acknowledged.png", full_page=True)
    page.goto(page.url + "/redhead")
    assert page.locator("#redhead-number").inner_text() == number
    page.screenshot(path=artifacts / "document-redhead-print-view.png", full_page=True)

    # The sender's board: one acknowledged, the rest unopened first.
    sign_in(page, base, "clerk")
    page.goto(f"{base}/documents/?tab=sent")
    with page.expect_navigation():
        page.click("#documents-sent td:nth-child(5) a")
    summary = page.locator("#board-summary").inner_text()
    assert "1 acknowledged" in summary
    assert page.locator("#board-rows tr[data-oa-recipient=staff]").count() == 1
    page.screenshot(path=artifacts / "document-receipt-board.png", full_page=True)
