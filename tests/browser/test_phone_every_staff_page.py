"""Every staff page on a phone (390 x 844, issue 19 "Phone"): no page scrolls sideways.

Lists become cards under 600 px (each cell reads "label: value"), so the inbox shows a
to-do's node and due date without side scrolling; the chain trace scrolls inside its own
box. Each page is opened as the demo user who uses it, and the pages of one thing (a
document, a notice, a post, a library file, a ticket) are reached as a person does, by
tapping its title in its list; a few are kept as screenshots in test-artifacts/phone-*.png.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests import document_helpers
from tests.browser.pages import choose_person, open_from_inbox, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NOTICE = "关于消防演练的通知"
POST = "报销单据退回太慢"
FOLDER = "Finance policies"
# A long file name with nowhere to break (no space, no hyphen): its page wraps it anyway.
FILE = "Travel_expense_reimbursement_policy_2031_revised_edition"
SIDEWAYS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
# What sticks out past the screen's right edge (the innermost few), to name in a failure.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().left + e.scrollWidth > window.innerWidth + 1
        && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
    .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''))
"""
# Pages kept as pictures: what a reviewer looks at first.
PICTURED = {
    "dashboard",
    "inbox-todo",
    "instance-dialog",
    "approval-sheet",
    "agents",
    "notifications",
    "document",
    "library-file",
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
        past = ", ".join(page.evaluate(STICKING_OUT))
        refused.append(
            f"{name} ({page.url}): {scroll_width} px wide on a {inner_width} px screen ({past})"
        )


def opened(page, address: str, name: str, refused: list[str]) -> None:
    """Note ``name`` in ``refused`` unless the page shown is at ``address`` (or under it):
    a page Sam may not open sends him elsewhere, which would pass unseen."""
    if not page.url.startswith(address):
        refused.append(f"{name}: {address} was not opened (shown: {page.url})")


def what_staff_have_to_read() -> None:
    """A week's office work Sam Wu (staff) opens on his phone: a document issued to Sales, a
    notice for everyone, his post about Finance, a file in the office's library, and a ticket
    issued to him by the quarter's inspection (§8.7)."""
    from sqlalchemy import select

    from oa_platform.extensions import db
    from oa_platform.inspection import commands as inspection
    from oa_platform.inspection.models import SampledInstance, Ticket
    from oa_platform.reports.periods import quarter_of
    from oa_platform.runtime.models import Instance
    from tests import discussion_helpers, library_helpers, notice_helpers
    from tests.conftest import user
    from tests.runtime_helpers import start

    document_helpers.sign_through(document_helpers.draft())
    notice_helpers.publish(title=NOTICE)
    discussion_helpers.post(title=POST)
    folder = library_helpers.folder(FOLDER)
    library_helpers.publish(folder, f"{FILE}.pdf", library_helpers.pdf("Travel policy"))
    mine = start("staff", "expense_claim")
    db.session.commit()

    quarter = quarter_of(date.today())
    opened = inspection.open_inspection(
        db.session,
        user("admin"),
        inspection.InspectionRequest(
            title="Q inspection", first=quarter.first, last=quarter.last, sample_size=20, seed="s"
        ),
    )
    sample = db.session.scalars(
        select(SampledInstance)
        .join(Instance, Instance.id == SampledInstance.instance_id)
        .where(SampledInstance.inspection_id == opened.id, Instance.id == mine.id)
    ).one()
    finding = inspection.record_finding(
        db.session, user("admin"), sample.id, "attachments", "缺少报销凭证附件"
    )
    ticket = db.session.scalars(select(Ticket).where(Ticket.finding_id == finding.id)).one()
    inspection.issue_ticket(db.session, user("admin"), ticket.id)
    db.session.commit()


def open_link(page, link: str) -> None:
    """Tap the link reading ``link``, or the first one matching it as a CSS selector, as a
    person opens a list's row."""
    found = page.locator(link) if link[0] in "[#." else page.get_by_role("link", name=link)
    with page.expect_navigation():
        found.first.click()


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


@pytest.mark.seed.with_args(what_staff_have_to_read)
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
        ("notification-settings", "/notifications/settings"),
        ("opinion-phrases", "/inbox/phrases"),
        ("profile", "/users/userinfo/"),
        ("change-password", "/changepassword/form"),
    ):
        if not page.goto(base + path).ok:
            refused.append(f"{name}: {path} answered an error")
        opened(page, base + path, name, refused)
        no_side_scroll(page, name, artifacts, refused)
    # One of each thing, opened from its list by its title (or its list's first link).
    for name, listed, link, lands_on in (
        ("document", "/documents/", document_helpers.draft_form()["title"], "/documents/"),
        ("notice", "/notices/", NOTICE, "/notices/"),
        # The first board is the group's, where Sam posted.
        ("discussion-board", "/discussion/", "[data-oa-board] a", "/discussion/boards/"),
        ("discussion-post", None, POST, "/discussion/posts/"),
        ("library-folder", "/library/", FOLDER, "/library/folders/"),
        ("library-file", None, FILE, "/library/files/"),
        ("ticket", "/inspection/tickets", "#tickets a", "/inspection/tickets/"),  # red/white
    ):
        if listed:
            page.goto(base + listed)
        open_link(page, link)
        opened(page, base + lands_on, name, refused)
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
