"""The discussion area in a real browser (§8.2): a Sales staff member posts on the group board
about the Finance department; Finance's person in charge (its head) finds it in the
department's unanswered list, opens it and gives the answer owed; the staff member sees it
answered. Screenshots of the post, the unanswered list and the answer land in test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser
TITLE = "差旅报销需要哪些票据"


def test_a_staff_post_about_finance_is_answered_by_the_department(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    sign_in(page, base, "staff")
    page.goto(f"{base}/discussion/")
    with page.expect_navigation():
        page.locator("#discussion-boards a").first.click()  # the group board comes first
    page.fill("#post-title", TITLE)
    page.fill("#post-body", "出差回来报销时，除了发票还需要哪些票据。")
    finance = page.evaluate(
        """() => [...document.querySelectorAll('#post-concerns option')]
            .find(o => /财务部|Finance Department/.test(o.textContent)).value"""
    )
    page.select_option("#post-concerns", finance)
    with page.expect_navigation():
        page.click("#post-submit")
    assert page.locator("#post-title").inner_text() == TITLE
    assert page.locator("#post-due").count() == 1  # the 24-hour deadline is shown
    page.screenshot(path=artifacts / "discussion-post.png", full_page=True)
    address = page.url

    # Finance's head answers for the department.
    sign_in(page, base, "finance")
    page.goto(f"{base}/discussion/")
    with page.expect_navigation():
        page.locator(
            "#discussion-unanswered-counts a", has_text=re.compile("财务部|Finance Department")
        ).first.click()
    page.screenshot(path=artifacts / "discussion-unanswered.png", full_page=True)
    with page.expect_navigation():
        page.locator("#unanswered-posts a", has_text=TITLE).click()
    page.fill("#reply-body", "请附上行程单和住宿发票，详见报销制度第三条。")
    assert page.locator("#reply-official").is_checked()
    with page.expect_navigation():
        page.click("#reply-submit")
    assert page.locator("#post-answered").count() == 1

    # The author sees the official answer.
    sign_in(page, base, "staff")
    page.goto(address)
    answer = page.locator(".discussion-reply", has_text="行程单")
    assert answer.count() == 1
    assert page.locator("#post-answered").count() == 1
    page.screenshot(path=artifacts / "discussion-answered.png", full_page=True)
