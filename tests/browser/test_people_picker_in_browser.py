"""Choosing a person with the people picker, in Chinese, on a desk and on a phone (issue 19,
"The task page"): no flat list of every user, but a search that knows pinyin initials and
the organisation tree, as in DingTalk.

Henry Ho (何志恒, the Sales head) transfers Sam Wu's leave request (转办, §3.5) to Laura Lin
(林晓兰) by typing "lxl" in the transfer dialog; Sam, going on a trip, names Henry his agent
under My Agents (§3.4) by typing "hzh", after walking the tree down to the Sales
Department. The form posts what it always posted, so the server's commands decide as
before. At 1280x800 and 390x844, without sideways scrolling; screenshots in
test-artifacts/people-picker-*.png.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.pages import SIZES, choose_person, fits_the_width, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.browser_locale("zh-CN")]


def staff_asks_for_leave() -> None:
    """Sam Wu (staff) asks for leave; his head, Henry Ho, handles the first step."""
    from tests.runtime_helpers import start

    start("staff", "leave_request")


@pytest.mark.seed.with_args(staff_asks_for_leave)
@pytest.mark.parametrize("size", SIZES)
def test_the_head_transfers_a_leave_request_by_typing_pinyin_initials(
    live_server, browser_page, artifacts, size
):
    page, base = browser_page, live_server
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, base, "head")
    page.goto(f"{base}/instances/1")
    page.click("#more-actions-toggle")
    page.click("#more-actions [data-oa-action=transfer]")
    page.wait_for_selector("#action-dialog.in")

    # The plain list is gone; the picker opens on the organisation, in Chinese.
    assert not page.locator("#oa-transfer-user").is_visible()
    page.click("#oa-transfer-user-search")
    page.wait_for_selector("#oa-transfer-user-list [data-oa-unit]")
    assert "示例集团" in page.inner_text("#oa-transfer-user-list")

    choose_person(page, "oa-transfer-user", "lxl", "leader")
    chip = page.locator("[data-oa-people-for=oa-transfer-user] .oa-people-chip")
    assert chip.inner_text().startswith("林晓兰 (leader)")
    assert page.input_value("#oa-transfer-user") == "leader"  # what the form posts
    # The handler is not offered to himself, as the plain list left him out.
    page.fill("#oa-transfer-user-search", "hzh")
    page.wait_for_selector("#oa-transfer-user-panel .oa-people-status:has-text('没有找到')")
    page.fill("#oa-transfer-user-search", "")
    assert fits_the_width(page)
    page.screenshot(path=artifacts / f"people-picker-transfer-{width}.png")

    page.fill("#oa-opinion", "林总熟悉该客户，请她审批。")
    with page.expect_navigation():
        page.click("#action-confirm")
    transfer = page.locator("#opinions tr[data-oa-opinion=transfer]")
    assert "leader" in transfer.inner_text()

    # Laura has the to-do now.
    sign_in(page, base, "leader")
    page.goto(f"{base}/inbox/")
    assert page.locator("#inbox-list a[href^='/instances/1']").count()


@pytest.mark.parametrize("size", SIZES)
def test_staff_name_an_agent_by_walking_the_tree_and_typing_pinyin_initials(
    live_server, browser_page, artifacts, size
):
    page, base = browser_page, live_server
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    today = date.today()
    sign_in(page, base, "staff")
    page.goto(f"{base}/agents/")
    assert not page.locator("#agent").is_visible()

    # The tree, one unit at a time: the group, the sales company, its Sales Department.
    page.click("#agent-search")
    for unit in ("示例集团", "示例销售有限公司", "销售部"):
        page.click(f"#agent-list [data-oa-unit]:has-text('{unit}')")
        page.wait_for_selector(f"#agent-panel .oa-people-path strong:has-text('{unit}')")
    page.wait_for_selector("#agent-list [data-oa-person=head]")
    steps = page.locator("#agent-panel .oa-people-path > :not(.oa-people-sep)").all_inner_texts()
    assert steps == ["全集团", "示例集团", "示例销售有限公司", "销售部"]
    assert "何志恒 (head)" in page.inner_text("#agent-list")
    assert fits_the_width(page)
    page.screenshot(path=artifacts / f"people-picker-tree-{width}.png")
    page.press("#agent-search", "Escape")
    assert not page.locator("#agent-panel").is_visible()

    # Then by pinyin initials, from the keyboard.
    choose_person(page, "agent", "hzh", "head")
    assert (
        page.locator("[data-oa-people-for=agent] .oa-people-chip")
        .inner_text()
        .startswith("何志恒 (head)")
    )
    page.fill("#starts_on", today.isoformat())
    page.fill("#ends_on", (today + timedelta(days=4)).isoformat())
    assert fits_the_width(page)
    page.screenshot(path=artifacts / f"people-picker-agents-{width}.png", full_page=True)
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('保存')")
    assert "head 自" in page.inner_text(".alert-success")
    delegation = page.locator("h3:has-text('我的委托') + table tbody tr").inner_text()
    assert "何志恒 (head)" in delegation
