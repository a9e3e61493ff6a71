"""An expense claim from start to end in a real browser, as staff use it (regulations §3.3-
§3.6, §6.1): the initiator fills the claim with table rows; the manager's "disagree" without an
opinion is refused with the message, with one it returns the claim; the initiator resubmits;
the manager, the director (over 5,000.00) and Finance agree; the trace shows every step.
Runs with CSRF on, as in production."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import (
    act,
    fill_claim_rows,
    open_from_inbox,
    post_without_the_dialog,
    sign_in,
)

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OPINION_NEEDED = "An opinion is required to disagree at 'Manager approval' (regulations §3.5)."


def test_expense_claim_round_trip_with_refusal_rollback_resubmit_and_trace(
    live_server, browser_page, artifacts, tmp_path
):
    page, base = browser_page, live_server
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(PDF)

    # The initiator fills the claim: two rows, over 5,000.00 in all.
    sign_in(page, base, "staff")
    page.goto(f"{base}/processes/")
    with page.expect_navigation():
        page.click("[data-oa-process=expense_claim] a.btn")
    page.fill("[name=purpose]", "Trade fair in Guangzhou")
    fill_claim_rows(page)
    page.set_input_files("[name=receipts-files]", str(receipt))
    page.fill("[name=payee_name]", "Sam Wu")
    page.fill("[name=payee_account]", "6222020200112233")
    with page.expect_navigation():
        page.click("#submit-form")
    instance_id = int(re.search(r"/instances/(\d+)", page.url).group(1))
    assert page.locator("#instance-status").inner_text() == "running"

    # The manager: "disagree" without an opinion is refused, in the browser...
    sign_in(page, base, "head")
    page.goto(f"{base}/inbox/")
    assert page.locator("[data-oa-badge=todo]").inner_text() == "1"
    page.screenshot(path=artifacts / "process-inbox.png", full_page=True)
    open_from_inbox(page, base, instance_id)
    page.click("[data-oa-action=disagree]")
    page.wait_for_selector("#action-dialog.in")
    page.click("#action-confirm")
    assert page.locator("#opinion-required").inner_text() == OPINION_NEEDED
    page.screenshot(path=artifacts / "process-opinion-dialog.png", full_page=True)
    page.click("#action-dialog [data-dismiss=modal]")
    # ... and by the server, should the browser's check be skipped.
    response = post_without_the_dialog(page, base, "disagree")
    assert response.status == 422
    assert OPINION_NEEDED.replace("'", "&#39;") in response.text()

    # With an opinion it goes back to the initiator.
    act(page, "disagree", "The meals receipt is unreadable; scan it again.")
    assert page.locator("#instance-status").inner_text() == "returned"

    # The initiator corrects the claim and resubmits it.
    sign_in(page, base, "staff")
    open_from_inbox(page, base, instance_id)
    assert page.locator("#returned-notice").is_visible()
    assert "scan it again" in page.locator("#opinions").inner_text()
    page.fill("[name=purpose]", "Trade fair in Guangzhou (receipts rescanned)")
    act(page, "submit")
    assert page.locator("#instance-status").inner_text() == "running"

    # Manager, then director (over 5,000.00), then Finance's countersign with its remarks.
    sign_in(page, base, "head")
    open_from_inbox(page, base, instance_id)
    act(page, "agree")
    sign_in(page, base, "mc")
    open_from_inbox(page, base, instance_id)
    assert "Director approval" in page.locator(".panel-heading").first.inner_text()
    act(page, "agree", "Approved for the fair budget.")
    sign_in(page, base, "finance")
    open_from_inbox(page, base, instance_id)
    page.fill("[name=finance_remarks]", "Voucher 2026-0042")
    act(page, "agree")
    assert page.locator("#instance-status").inner_text() == "completed"

    # The trace shows every step: each node done, the path taken, who did what.
    for node in ("start", "manager", "amount_branch", "director", "finance", "end"):
        assert page.locator(f"[data-oa-node={node}]").get_attribute("data-oa-state") == "done"
    steps = page.locator("#trace-steps").inner_text()
    for expected in ("disagree", "submit", "agree", "Henry Ho", "Marcus Chen", "Fiona Zhao"):
        assert expected in steps
    opinions = page.locator("#opinions tbody tr")
    assert [row.get_attribute("data-oa-opinion") for row in opinions.all()] == [
        "submit",
        "disagree",
        "submit",
        "agree",
        "agree",
        "agree",
    ]
    page.locator("#trace-panel").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "process-task-page-trace.png", full_page=True)

    # On a phone-sized screen the page still works: the trace scrolls sideways.
    page.set_viewport_size({"width": 375, "height": 740})
    page.reload()
    assert page.locator("#trace").is_visible()
    page.screenshot(path=artifacts / "process-phone.png", full_page=True)
