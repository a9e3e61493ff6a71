"""A head looks for one request among identical titles by a word inside its form, in Chinese
and in English (issue 19): the inbox's search reads forms and opinions, not only titles; on a
phone (390 x 844) in Chinese too, where the list is cards."""

from __future__ import annotations

import pytest

from tests.browser.pages import fits_the_width, sign_in

pytestmark = pytest.mark.browser


def three_leave_requests() -> None:
    from tests.runtime_helpers import start

    start("staff", "leave_request", reason="去上海出差后休假")
    start("staff", "leave_request", reason="Sister's wedding in Hangzhou")
    start("staff", "leave_request", reason="Family trip abroad")


def search(page, text: str) -> list[str]:
    page.fill("#filter-text", text)
    with page.expect_navigation():
        page.click("#inbox-filters button[type=submit]")
    return page.locator("#inbox-list tbody tr[data-oa-task]").all_inner_texts()


@pytest.mark.seed.with_args(three_leave_requests)
def test_the_inbox_finds_a_word_inside_a_form_in_chinese_and_english(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    sign_in(page, base, "head")
    page.goto(f"{base}/inbox/")
    assert page.locator("#inbox-list tbody tr[data-oa-task]").count() == 3
    [row] = search(page, "出差")
    assert "Leave request" in row
    page.screenshot(path=artifacts / "search-chinese-word.png", full_page=True)
    assert len(search(page, "wedding")) == 1
    assert search(page, "北京") == []
    assert len(search(page, "Leave request")) == 3  # the title still counts


@pytest.mark.browser_locale("zh-CN")
@pytest.mark.seed.with_args(three_leave_requests)
def test_on_a_phone_in_chinese_the_head_finds_the_business_trip_leave_by_its_reason(
    live_server, browser_page, artifacts
):
    """At 390 by 844 in Chinese the head types 出差 (business trip), a word only inside one
    request's form; the one row left is that request, and tapping it opens its form."""
    page, base = browser_page, live_server
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "head")
    page.goto(f"{base}/inbox/")
    # Three requests with one title; the word is only in the reason of the first one.
    [row] = search(page, "出差")
    assert "请假申请" in row  # the process, as the card names it in Chinese
    found = page.locator("#inbox-list tbody tr[data-oa-task] .oa-card-title a")
    assert found.inner_text().startswith("吴森的年假")
    assert found.get_attribute("href").startswith("/instances/1?")  # the first one Sam sent
    assert fits_the_width(page)
    page.screenshot(path=artifacts / "search-chinese-word-phone-zh.png", full_page=True)
    # Tapping it opens that request: its reason is the one with the word.
    with page.expect_navigation():
        found.click()
    assert "去上海出差后休假" in page.locator("[data-oa-field=reason]").inner_text()
