"""Staff pages on a phone-sized screen (390 x 844): the inbox, a start form and an instance
page fit the screen's width, so nothing has to be scrolled sideways to be read or used; only
the chain trace and wide tables scroll, inside their own boxes."""

from __future__ import annotations

import pytest

from tests.browser.pages import choose_person, open_from_inbox, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll("body *")) {
    if (element.closest(".oa-trace-scroll, .table-responsive")) continue;
    const box = element.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1)) {
      wide.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 8)};
}"""


def assert_fits(page, name: str, artifacts) -> None:
    page.screenshot(path=artifacts / f"phone-{name}.png", full_page=True)
    measured = page.evaluate(OVERFLOWING)
    assert measured["wide"] == [], f"{name}: wider than the screen: {measured['wide']}"
    assert measured["scroll"] == measured["width"], name


def test_staff_pages_fit_a_phone_screen(live_server, browser_page, artifacts):
    page, base = browser_page, live_server
    page.set_viewport_size(PHONE)
    sign_in(page, base, "staff")
    page.goto(f"{base}/processes/")
    assert_fits(page, "catalogue", artifacts)
    page.goto(f"{base}/processes/leave_request/start")
    assert_fits(page, "start-form", artifacts)
    page.fill("[name=start_date]", "2031-05-05")
    page.fill("[name=end_date]", "2031-05-06")
    page.fill("[name=reason]", "Family visit")
    choose_person(page, "handover_to", "head", "head")
    with page.expect_navigation():
        page.click("#submit-form")
    instance_id = int(page.url.split("/instances/")[1].split("/")[0].split("?")[0])
    assert_fits(page, "instance-initiator", artifacts)
    page.goto(f"{base}/inbox/?tab=initiated")
    assert_fits(page, "inbox-initiated", artifacts)

    sign_in(page, base, "head")
    page.goto(f"{base}/inbox/")
    assert_fits(page, "inbox-to-dos", artifacts)
    open_from_inbox(page, base, instance_id)
    assert page.is_visible("[data-oa-action=agree]")
    assert_fits(page, "task", artifacts)
