"""A head looks for one request among identical titles by a word inside its form, in Chinese
and in English (issue 19): the inbox's search reads forms and opinions, not only titles."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_in

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
