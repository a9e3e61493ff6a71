"""Quick opinion phrases (常用语) under the task page's opinion box, in Chinese, on a desk
and on a phone (issue 19; regulations §3.5: every action but agree needs an opinion).

Henry Ho (何志恒, the Sales head) keeps the sentences he writes again and again. Disagreeing
with Sam Wu's leave request, he is asked for an opinion; instead of typing it he picks two
of his phrases, one with the mouse and one from the keyboard, under the opinion box, as in
Weaver, Seeyon or DingTalk. The phrases are his writing, not markup: one that looks like
HTML arrives in the box and in the trail as the very characters he kept. Sam's own phrases
are not offered to him. At 1280x800 and 390x844, without sideways scrolling; screenshots in
test-artifacts/opinion-phrases-*.png.
"""

from __future__ import annotations

import pytest

from tests.browser.pages import SIZES, fits_the_width, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.browser_locale("zh-CN")]


CLASH = "<b>假期</b>与项目上线冲突，请改期。"
CERTIFICATE = "请补充病假证明后再提交。"
LONG = "请先与项目组确认交接安排，" * 6 + "再提交。"
SAMS_OWN = "家里有事，请假两天。"


def sam_asks_for_leave_and_both_keep_phrases() -> None:
    """Sam asks for leave; Henry keeps three phrases, Sam one of his own."""
    from oa_platform.extensions import db
    from oa_platform.runtime.phrases import add_phrase
    from tests.conftest import user
    from tests.runtime_helpers import start

    start("staff", "leave_request")
    for text in (CLASH, CERTIFICATE, LONG):
        add_phrase(db.session, user("head").id, text)
    add_phrase(db.session, user("staff").id, SAMS_OWN)


@pytest.mark.seed.with_args(sam_asks_for_leave_and_both_keep_phrases)
@pytest.mark.parametrize("size", SIZES)
def test_the_head_disagrees_with_an_opinion_made_of_his_phrases(
    live_server, browser_page, artifacts, size
):
    page, base = browser_page, live_server
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, base, "head")
    page.goto(f"{base}/instances/1")
    page.click("[data-oa-action=disagree]")
    page.wait_for_selector("#action-dialog.in")

    # Confirming without an opinion is refused (§3.5); his phrases are right under the box.
    page.click("#action-confirm")
    assert "不同意须填写意见" in page.inner_text("#opinion-required")
    phrases = page.locator("#oa-opinion-phrases .oa-phrase")
    assert phrases.all_inner_texts() == [CLASH, CERTIFICATE, LONG]
    assert SAMS_OWN not in page.inner_text("#action-dialog")
    manage = page.locator("#oa-opinion-phrases a")
    assert manage.inner_text() == "管理常用语"
    assert manage.get_attribute("href") == "/inbox/phrases"

    # One with the mouse: written into the box as text, and the refusal is gone.
    phrases.nth(0).click()
    assert page.input_value("#oa-opinion") == CLASH
    assert page.evaluate("document.activeElement.id") == "oa-opinion"
    assert not page.locator("#opinion-required").is_visible()
    assert page.locator("#action-dialog b").count() == 0
    # One from the keyboard: Tab from the box reaches the phrases; Enter appends.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == CERTIFICATE
    page.keyboard.press("Enter")
    opinion = f"{CLASH} {CERTIFICATE}"
    assert page.input_value("#oa-opinion") == opinion
    assert fits_the_width(page)
    page.screenshot(path=artifacts / f"opinion-phrases-{width}.png")

    with page.expect_navigation():
        page.click("#action-confirm")
    trail = page.locator("#opinions tr[data-oa-opinion=disagree]")
    assert trail.locator(".oa-opinion-text").inner_text() == opinion
    assert trail.locator("b").count() == 0
    assert fits_the_width(page)
