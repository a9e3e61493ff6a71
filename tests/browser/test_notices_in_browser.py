"""A notice in a real browser (regulations §5.1): a Sales staff member drafts a notice for
the Sales company, the unit head approves its release, and it then shows on a colleague's
dashboard, marked unread until opened; a Finance reader outside its audience does not see it.
Screenshots of the head's approval, the dashboard and the notice land in test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import act, open_from_inbox, sign_in

pytestmark = pytest.mark.browser
TITLE = "关于本周五消防演练的通知"


def test_the_head_approves_a_notice_which_then_shows_on_a_staff_dashboard(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    sign_in(page, base, "staff")
    page.goto(f"{base}/notices/")
    with page.expect_navigation():
        page.click("#notice-draft")
    page.fill("[name=title]", TITLE)
    page.fill("[name=audience]", "company:SLS")
    page.check("[name=pinned]")
    editor = page.locator("[data-oa-field=body] [data-oa-rich-editor]")
    editor.click()
    editor.type("请全体同事周五下午三点到一楼大厅集合。")
    with page.expect_navigation():
        page.click("#submit-form")
    instance_id = int(re.search(r"/instances/(\d+)", page.url).group(1))

    # Nothing shows before the head approves.
    sign_in(page, base, "head")
    assert page.locator(f"#dashboard-notices :text('{TITLE}')").count() == 0
    open_from_inbox(page, base, instance_id)
    page.screenshot(path=artifacts / "notice-head-approval.png", full_page=True)
    act(page, "agree", "同意发布。")

    # A colleague in the audience finds it on the dashboard, pinned and unread.
    sign_in(page, base, "staff")
    page.goto(f"{base}/")
    row = page.locator("#dashboard-notices .notice-row", has_text=TITLE)
    assert row.count() == 1
    assert row.locator(".notice-unread-mark").count() == 1
    assert row.locator(".notice-pinned").count() == 1
    page.screenshot(path=artifacts / "notice-on-staff-dashboard.png", full_page=True)
    with page.expect_navigation():
        row.locator("a.notice-title").click()
    assert page.locator("#notice-title").inner_text().startswith(TITLE)
    assert "一楼大厅" in page.locator("#notice-body").inner_text()
    page.screenshot(path=artifacts / "notice-opened.png", full_page=True)
    page.goto(f"{base}/")
    row = page.locator("#dashboard-notices .notice-row", has_text=TITLE)
    assert row.locator(".notice-unread-mark").count() == 0

    # Finance is not in its audience.
    sign_in(page, base, "finance")
    page.goto(f"{base}/")
    assert page.locator("#dashboard-notices .notice-row", has_text=TITLE).count() == 0
