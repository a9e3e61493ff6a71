"""Every staff page on a phone (390 x 844, issue 19 "Phone"): no page scrolls sideways.

Lists become cards under 600 px (each cell reads "label: value"), so the inbox shows a
to-do's node and due date without side scrolling; the chain trace scrolls inside its own
box. Each page is opened as the demo user who uses it; a few are kept as screenshots in
test-artifacts/phone-*.png.
"""

from __future__ import annotations

import pytest

from tests.browser.pages import choose_person, open_from_inbox, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SIDEWAYS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# Pages kept as pictures: what a reviewer looks at first.
PICTURED = {
    "dashboard",
    "inbox-todo",
    "instance-dialog",
    "approval-sheet",
    "agents",
    "notifications",
}


def no_side_scroll(page, name: str, artifacts, refused: list[str], full_page=True) -> None:
    """Note ``name`` in ``refused`` when the page is wider than the phone's screen; the
    pictured pages are kept as test-artifacts/phone-<name>[-zh].png."""
    if name in PICTURED:
        chinese = page.evaluate("navigator.language").startswith("zh")
        picture = f"phone-{name}{'-zh' if chinese else ''}.png"
        page.screenshot(path=artifacts / picture, full_page=full_page)
    scroll_width, inner_width = page.evaluate(SIDEWAYS)
    if scroll_width > inner_width:
        refused.append(f"{name} ({page.url}): {scroll_width} px wide on a {inner_width} px screen")


def start_leave(page, base: str) -> int:
    """Sam asks for two days' leave; the new instance's id."""
    page.goto(f"{base}/processes/leave_request/start")
    page.fill("[name=start_date]", "2031-05-05")
    page.fill("[name=end_date]", "2031-05-06")
    page.fill("[name=reason]", "Family visit")
    choose_person(page, "handover_to", "hzh", "head")  # 何志恒, by pinyin initials
    with page.expect_navigation():
        page.click("#submit-form")
    return int(page.url.split("/instances/")[1].split("/")[0].split("?")[0])


@pytest.mark.parametrize(
    "language", ["en", pytest.param("zh", marks=pytest.mark.browser_locale("zh-CN"))]
)
def test_no_staff_page_scrolls_sideways_on_a_phone(live_server, browser_page, artifacts, language):
    page, base = browser_page, live_server
    page.set_viewport_size(PHONE)
    refused: list[str] = []

    sign_in(page, base, "staff")
    for name, path in (
        ("dashboard", "/"),
        ("catalogue", "/processes/"),
        ("start-leave-request", "/processes/leave_request/start"),
        ("start-expense-claim", "/processes/expense_claim/start"),
    ):
        page.goto(base + path)
        no_side_scroll(page, name, artifacts, refused)
    instance_id = start_leave(page, base)
    no_side_scroll(page, "instance-initiator", artifacts, refused)
    for name, path in (
        ("inbox-initiated", "/inbox/?tab=initiated"),
        ("inbox-done", "/inbox/?tab=done"),
        ("inbox-cc", "/inbox/?tab=cc"),
        ("inbox-questions", "/inbox/?tab=questions"),
        ("agents", "/agents/"),
        ("documents", "/documents/"),
        ("notices", "/notices/"),
        ("discussion", "/discussion/"),
        ("library", "/library/"),
        ("tickets", "/inspection/tickets"),
        ("approval-sheet", f"/instances/{instance_id}/sheet"),
    ):
        page.goto(base + path)
        no_side_scroll(page, name, artifacts, refused)

    # The head's to-do list: each to-do shows its node and due date on the screen itself.
    sign_in(page, base, "head")
    page.goto(f"{base}/inbox/")
    no_side_scroll(page, "inbox-todo", artifacts, refused)
    page.goto(f"{base}/notifications/")  # the head is told of Sam's request
    no_side_scroll(page, "notifications", artifacts, refused)
    page.goto(f"{base}/myteam/")  # a head's people: reset a password on the way
    no_side_scroll(page, "my-team", artifacts, refused)
    page.goto(f"{base}/inbox/")
    row = page.locator(f"#inbox-list tr[data-oa-task]:has(a[href^='/instances/{instance_id}'])")
    for column in ("node", "due"):
        cell = row.locator(f"[data-oa-column={column}]")
        box = cell.bounding_box() if cell.count() == 1 else None
        if not (box and cell.is_visible() and cell.inner_text().strip()):
            refused.append(f"inbox-todo: the {column} is not shown")
        elif box["x"] < 0 or box["x"] + box["width"] > PHONE["width"]:
            refused.append(f"inbox-todo: the {column} is off the screen ({box})")
        else:  # a card's line reads "Node: Department head approval"
            label = cell.evaluate("e => getComputedStyle(e, '::before').content")
            assert cell.get_attribute("data-label") in label, (column, label)
    assert row.evaluate("e => getComputedStyle(e).display") == "block"  # a card

    open_from_inbox(page, base, instance_id)
    no_side_scroll(page, "instance-task", artifacts, refused)
    # The trace is wider than the phone: it scrolls inside its box, not the page.
    trace_box = page.locator(".oa-trace-scroll").first
    assert trace_box.evaluate("e => getComputedStyle(e).overflowX") in ("auto", "scroll")
    box = trace_box.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"]
    page.click("[data-oa-action=agree]")
    page.wait_for_selector("#action-dialog.in")
    page.wait_for_timeout(400)  # the dialog's fade-in, for the picture
    no_side_scroll(page, "instance-dialog", artifacts, refused, full_page=False)

    # The Management Center's list of definitions, which it reviews and publishes.
    sign_in(page, base, "mc")
    page.goto(f"{base}/definitions/")
    no_side_scroll(page, "definitions", artifacts, refused)

    assert refused == [], "\n".join(refused)


def test_the_desktop_inbox_keeps_its_table(live_server, browser_page):
    """At 1280 px the inbox is still a table with its header row: cards are for phones only."""
    page, base = browser_page, live_server
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, base, "head")
    page.goto(f"{base}/inbox/")
    assert page.locator("#inbox-list thead").is_visible()
    assert (
        page.locator("#inbox-list tbody tr").first.evaluate("e => getComputedStyle(e).display")
        == "table-row"
    )
