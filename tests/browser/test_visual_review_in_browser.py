"""The Management Center's visual review (regulations §2.3, §3.2; issue 19, deliver 7), in
Chinese, in Debian's Chromium: IT changes the published leave request in the designer (adds a
field, makes the department head's refusal end the request, adds a node after HR's record),
saves and submits it; the Management Center's reviewer sees the two forms side by side with
the new field marked, the chains before and after with the changed and added nodes marked,
the settings by their labels, the JSON only on "显示文档", and approves. The same page fits a
phone (390 x 844) without sideways scrolling. Runs with CSRF on, as in production."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import sign_in
from tests.browser.test_designer_in_browser import (
    DESKTOP,
    connect,
    edge,
    open_designer_tab,
    select_node,
    wait_until_checked,
)
from tests.browser.test_designer_pinyin_keys import key_becomes

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# Elements wider than the screen, outside the boxes that scroll on their own (the chains).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll("body *")) {
    if (element.closest(".oa-review-scroll, .oa-raw-document")) continue;
    const box = element.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1)) {
      wide.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


def change_the_leave_request(page, base: str) -> None:
    """IT's three edits in the designer, then save and submit."""
    sign_in(page, base, "designer")
    page.goto(f"{base}/lang/zh_CN")
    page.goto(f"{base}/designer/leave_request")

    open_designer_tab(page, "form")
    page.click("#field-palette-holder [data-oa-field-type=text]")
    page.fill("#field-panel [name=label_zh_CN]", "紧急联系电话")
    key_becomes(page, "#field-panel [name=key]", "jin_ji_lian_xi_dian_hua")

    open_designer_tab(page, "chain")
    select_node(page, "department_head")
    page.select_option("#node-panel [name='config.on_disagree']", "terminate")

    page.select_option("#node-type", "approval")
    page.click("#node-add")
    page.fill("#node-panel [name=node_name_zh_CN]", "销假确认")
    key_becomes(page, "#node-panel [name=node_id]", "xiao_jia_que_ren")
    page.select_option("#assignee-rule", "department_head")
    select_node(page, "hr_record")
    page.select_option(edge(page, "hr_record", "end") + " [name=edge_to]", "xiao_jia_que_ren")
    select_node(page, "xiao_jia_que_ren")
    connect(page, "end")
    wait_until_checked(page)
    expect(page.locator("#designer-no-problems")).to_be_visible()

    page.click("#designer-save")
    page.wait_for_selector("#designer-version-link")
    with page.expect_navigation():
        page.click("#designer-submit")
    assert page.get_attribute("#version-status", "data-oa-status") == "submitted"


def marked(page, selector: str, attribute: str) -> dict[str, str]:
    return page.eval_on_selector_all(
        selector,
        f"""elements => Object.fromEntries(elements
              .filter(e => e.dataset.oaMark)
              .map(e => [e.getAttribute("{attribute}"), e.dataset.oaMark]))""",
    )


def test_the_management_center_reviews_the_change_as_people_see_it_and_approves(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    page.set_viewport_size(DESKTOP)
    change_the_leave_request(page, base)

    sign_in(page, base, "mc")
    page.goto(f"{base}/lang/zh_CN")
    page.goto(f"{base}/definitions/leave_request/v2/")

    # The form before and after, side by side, the new field marked on the right only.
    before = page.locator("#form-before").bounding_box()
    after = page.locator("#form-after").bounding_box()
    assert after["x"] > before["x"] + before["width"] - 1 and abs(after["y"] - before["y"]) < 2
    assert marked(page, "#form-after [data-oa-field]", "data-oa-field") == {
        "jin_ji_lian_xi_dian_hua": "added"
    }
    assert marked(page, "#form-before [data-oa-field]", "data-oa-field") == {}
    new_field = page.locator("#form-after [data-oa-field=jin_ji_lian_xi_dian_hua]")
    assert "紧急联系电话" in new_field.inner_text() and "新增" in new_field.inner_text()
    expect(new_field.locator("input")).to_be_disabled()

    # The chains before and after: the head's node changed, the new node added, and the
    # edge it replaced removed.
    assert marked(page, "#chain-before [data-oa-node]", "data-oa-node") == {
        "department_head": "changed"
    }
    assert marked(page, "#chain-after [data-oa-node]", "data-oa-node") == {
        "department_head": "changed",
        "xiao_jia_que_ren": "added",
    }
    assert marked(page, "#chain-before [data-oa-edge]", "data-oa-edge") == {
        "hr_record-end": "removed"
    }
    legend = page.inner_text("#review .oa-review-key")
    assert "新增" in legend and "删除" in legend and "修改" in legend

    # The settings by their labels, in words.
    row = page.locator(
        "[data-oa-element='node:department_head'] [data-oa-setting='config.on_disagree']"
    )
    assert row.locator("th").inner_text() == "处理人不同意时"
    assert row.locator(".oa-after").inner_text() == "终止流程"
    added = page.inner_text("[data-oa-element='node:xiao_jia_que_ren']")
    assert "节点名称" in added and "销假确认" in added and "部门的负责人" in added
    assert "同意、不同意" in added
    assert "return_to_initiator" not in page.inner_text("#diff")
    assert "terminate" not in page.inner_text("#diff")

    # The document only on request.
    expect(page.locator("#document-diff")).to_be_hidden()
    page.screenshot(path=artifacts / "review-visual.png", full_page=True)
    page.click("#show-document")
    expect(page.locator("#document-diff")).to_be_visible()
    assert '"on_disagree": "terminate"' in page.inner_text("#document-diff")
    page.click("#show-document")

    # The same page on a phone: the two forms stacked, nothing wider than the screen.
    page.set_viewport_size(PHONE)
    before = page.locator("#form-before").bounding_box()
    after = page.locator("#form-after").bounding_box()
    assert after["y"] >= before["y"] + before["height"] - 1
    measured = page.evaluate(OVERFLOWING)
    page.screenshot(path=artifacts / "review-visual-phone.png", full_page=True)
    assert measured["wide"] == [] and measured["scroll"] == measured["width"], measured

    page.set_viewport_size(DESKTOP)
    page.fill("#opinion", "同意：销假须部门负责人确认。")
    with page.expect_navigation():
        page.click("#approve")
    assert page.get_attribute("#version-status", "data-oa-status") == "approved"
