"""An expense claim from start to finish in Simplified Chinese, the shipped default, in
Debian's Chromium (issue 18, "Done when", third line): the claimant fills the form, the
manager's disagree without an opinion is refused in Chinese (by the page's script and by the
server), with an opinion the claim goes back, the claimant resubmits, the manager, the
director (over ¥5,000.00) and Finance agree, and the trace and opinions read the regulations'
words. CJK text is drawn by a font (fonts-noto-cjk), not boxes. Screenshots land in
test-artifacts/ (zh-expense-*.png)."""

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
from tests.browser.test_chinese_in_browser import GLYPH_WIDTHS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.app_config(OA_DEFAULT_LOCALE="zh_CN"),
    pytest.mark.browser_locale("zh-CN"),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _drawn_by_a_font(page, text: str) -> bool:
    """Every ideograph of ``text`` one em wide in the page's font (a missing glyph's box is
    narrower and the same for every character)."""
    widths = page.evaluate(GLYPH_WIDTHS, text)
    return all(abs(width - 20) < 0.5 for width in widths)


def _status(page) -> str:
    return page.locator("#instance-status").inner_text().strip()


def test_an_expense_claim_from_start_to_finish_in_chinese(
    live_server, browser_page, artifacts, tmp_path
):
    page, base = browser_page, live_server
    receipt = tmp_path / "发票.pdf"
    receipt.write_bytes(PDF)

    # The claimant fills the claim: two rows, over ¥5,000.00 in all.
    sign_in(page, base, "staff")
    page.goto(f"{base}/processes/")
    assert "发起流程" in page.locator("h2").inner_text()
    with page.expect_navigation():
        page.click("[data-oa-process=expense_claim] a.btn")
    assert page.locator("#submit-form").inner_text().strip() == "提交"
    page.fill("[name=purpose]", "广州交易会参展")
    fill_claim_rows(page)
    page.set_input_files("[name=receipts-files]", str(receipt))
    page.fill("[name=payee_name]", "吴山")
    page.fill("[name=payee_account]", "6222020200112233")
    # The form's script reads its words from the catalog the page carries (js_catalog).
    assert page.evaluate("window.oaI18n.gettext('Yes')") == "是"
    page.screenshot(path=artifacts / "zh-expense-start.png", full_page=True)
    with page.expect_navigation():
        page.click("#submit-form")
    instance_id = int(re.search(r"/instances/(\d+)", page.url).group(1))
    assert _status(page) == "审批中"

    # The manager: a disagree without an opinion is refused in Chinese, by the page...
    sign_in(page, base, "head")
    open_from_inbox(page, base, instance_id)
    assert page.locator("[data-oa-action=disagree]").inner_text().strip() == "不同意"
    page.click("[data-oa-action=disagree]")
    page.wait_for_selector("#action-dialog.in")
    page.click("#action-confirm")
    refusal = page.locator("#opinion-required").inner_text()
    assert refusal.startswith("在「") and "不同意须填写意见" in refusal, refusal
    assert _drawn_by_a_font(page, "不同意须填写意见")
    page.screenshot(path=artifacts / "zh-expense-refused.png", full_page=True)
    page.click("#action-dialog [data-dismiss=modal]")
    # ... and by the server, should the page's check be skipped: the same Chinese sentence.
    response = post_without_the_dialog(page, base, "disagree")
    assert response.status == 422
    assert "不同意须填写意见" in response.text()
    assert refusal in response.text().replace("&#39;", "'").replace("&#34;", '"')

    # With an opinion the claim goes back to the claimant.
    act(page, "disagree", "餐费发票看不清，请重新扫描。")
    assert _status(page) == "已退回"

    # The claimant sees why, corrects the claim and resubmits it.
    sign_in(page, base, "staff")
    open_from_inbox(page, base, instance_id)
    assert page.locator("#returned-notice").is_visible()
    assert "重新扫描" in page.locator("#opinions").inner_text()
    page.fill("[name=purpose]", "广州交易会参展（发票已重新扫描）")
    act(page, "submit")
    assert _status(page) == "审批中"

    # The manager, the director (over ¥5,000.00) and Finance agree.
    sign_in(page, base, "head")
    open_from_inbox(page, base, instance_id)
    act(page, "agree", "同意。")
    sign_in(page, base, "mc")
    open_from_inbox(page, base, instance_id)
    act(page, "agree", "在展会预算内，同意。")
    sign_in(page, base, "finance")
    open_from_inbox(page, base, instance_id)
    page.fill("[name=finance_remarks]", "凭证 2026-0042")
    act(page, "agree")
    assert _status(page) == "已办结"

    # The trace and the opinions read the regulations' words.
    steps = page.locator("#trace-steps").inner_text()
    for word in ("提交", "不同意", "同意"):
        assert word in steps, (word, steps)
    assert "审批意见" in page.locator("#opinions").inner_text()
    assert [
        row.get_attribute("data-oa-opinion") for row in page.locator("#opinions tbody tr").all()
    ] == ["submit", "disagree", "submit", "agree", "agree", "agree"]
    assert _drawn_by_a_font(page, "审批意见流程跟踪")
    page.locator("#trace-panel").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "zh-expense-finished.png", full_page=True)
