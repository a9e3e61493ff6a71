"""The pages in Simplified Chinese, the shipped default, in Debian's Chromium (issue 18): the
inbox, the start form and the instance page read Chinese, the §3.5 refusal of a disagree
without an opinion is Chinese, and CJK text is drawn with a real font (fonts-noto-cjk), not
boxes. Screenshots land in test-artifacts/."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.pages import choose_person, open_from_inbox, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.app_config(OA_DEFAULT_LOCALE="zh_CN"),
    pytest.mark.browser_locale("zh-CN"),
]

# Width of each character in a 20px font: an ideograph of a CJK font is one em; a missing
# glyph's box is not (and is the same for every character).
GLYPH_WIDTHS = """(text) => {
  const context = document.createElement("canvas").getContext("2d");
  context.font = "20px " + getComputedStyle(document.body).fontFamily;
  return Array.from(text).map((c) => context.measureText(c).width);
}"""


def test_pages_read_chinese_and_draw_cjk_glyphs(live_server, browser_page, artifacts):
    page, base = browser_page, live_server
    sign_in(page, base, "staff")
    page.goto(f"{base}/inbox/")
    assert page.locator("#tab-initiated").inner_text().strip() == "我发起的"
    assert page.locator("#inbox-summary").inner_text().startswith("0 件待办")
    widths = page.evaluate(GLYPH_WIDTHS, "待办事项审批")
    assert all(abs(width - 20) < 0.5 for width in widths), widths
    page.screenshot(path=artifacts / "zh-inbox.png", full_page=True)

    page.goto(f"{base}/processes/")
    assert "发起流程" in page.locator("h2").inner_text()
    with page.expect_navigation():
        page.click("[data-oa-process=leave_request] a.btn")
    assert page.locator("#submit-form").inner_text().strip() == "提交"
    assert page.locator("#save-draft").inner_text().strip() == "保存草稿"
    page.select_option("[name=leave_type]", "annual")
    page.fill("[name=end_date]", (date.today() + timedelta(days=1)).isoformat())
    page.fill("[name=reason]", "回杭州探亲")
    choose_person(page, "handover_to", "xnn", "newhire")  # 徐妮娜
    page.screenshot(path=artifacts / "zh-start-form.png", full_page=True)
    with page.expect_navigation():
        page.click("#submit-form")
    instance_id = int(re.search(r"/instances/(\d+)", page.url).group(1))
    assert page.locator("#instance-status").inner_text() == "审批中"

    # The head: the regulations' words on the buttons, and the refusal in Chinese.
    sign_in(page, base, "head")
    open_from_inbox(page, base, instance_id)
    assert page.locator("[data-oa-action=agree]").inner_text().strip() == "同意"
    assert page.locator("[data-oa-action=disagree]").inner_text().strip() == "不同意"
    page.click("[data-oa-action=disagree]")
    page.wait_for_selector("#action-dialog.in")
    page.click("#action-confirm")
    refusal = page.locator("#opinion-required").inner_text()
    assert refusal.startswith("在「") and "不同意须填写意见" in refusal, refusal
    assert page.locator("#action-dialog-title").inner_text() == "不同意"
    page.screenshot(path=artifacts / "zh-opinion-dialog.png", full_page=True)
    assert "审批意见" in page.locator("#opinions").inner_text()
