"""What the browser tests do on the staff pages, written once: sign in, open a to-do from
the inbox, fill an expense claim's rows, take an action through the action dialog, and post
an action as if the page's own check were skipped."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from oa_platform.demo import DEMO_PASSWORD

# The two screens a staff walk is proved on (issue 19): a desk and a phone.
SIZES = [pytest.param((1280, 800), id="desk"), pytest.param((390, 844), id="phone")]

# Two rows of an expense claim, over 5,000.00 in all (the Finance step's threshold).
CLAIM_ROWS = (("travel", "4000.00"), ("meals", "1500.50"))


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()  # signed out: log-out itself is a POST from the navbar
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("[type=submit]")


def open_from_inbox(page, base: str, instance_id: int) -> None:
    page.goto(f"{base}/inbox/")
    with page.expect_navigation():
        page.click(f"#inbox-list a[href^='/instances/{instance_id}']")


def act(page, action: str, opinion: str = "") -> None:
    """Click an action button (opening "More" first for an action kept there), write the
    opinion in the dialog and confirm."""
    button = page.locator(f"[data-oa-action={action}]")
    if not button.is_visible() and page.locator("#more-actions-toggle").count():
        page.click("#more-actions-toggle")
    button.click()
    page.wait_for_selector("#action-dialog.in")
    page.fill("#oa-opinion", opinion)
    with page.expect_navigation():
        page.click("#action-confirm")


def fill_claim_rows(page) -> None:
    """Add :data:`CLAIM_ROWS` to the open expense claim, spent five days ago; the computed
    total must show 5,500.50."""
    page.click("[data-oa-add-row=items]")
    rows = page.locator("[data-oa-table=items] [data-oa-row]")
    spent = (date.today() - timedelta(days=5)).isoformat()
    for index, (category, amount) in enumerate(CLAIM_ROWS):
        row = rows.nth(index)
        row.locator("[data-oa-column=date] input").fill(spent)
        row.locator("[data-oa-column=category] select").select_option(category)
        row.locator("[data-oa-column=amount] input").fill(amount)
    total = page.locator("[data-oa-computed=total]").inner_text()
    assert total.replace(",", "").startswith("5500.50"), total


def post_without_the_dialog(page, base: str, action: str):
    """Post ``action`` on the open task the way a page whose script was skipped would (with
    its real CSRF tokens, no opinion): the server's answer."""
    form = page.locator("#task-form")
    return page.request.post(
        base + form.get_attribute("action"),
        form={
            "csrf_token": page.input_value("#task-form [name=csrf_token]"),
            "oa-csrf_token": page.input_value("#task-form [name='oa-csrf_token']"),
            "oa-action": action,
        },
    )


def choose_person(page, control_id: str, typed: str, username: str) -> None:
    """Choose someone with the people picker (issue 19) as a person does with the keyboard:
    type into its search box (a name, user name or pinyin initials), wait for them in the
    list, move to them with the arrow key and press Enter."""
    search = page.locator(f"#{control_id}-search")
    search.click()
    search.press_sequentially(typed)
    # The list answers what was typed (not the tree still shown a moment before).
    page.wait_for_selector(
        f"#{control_id}-list[data-oa-query='{typed}'] [data-oa-person='{username}']"
    )
    active = page.locator(f"#{control_id}-list .oa-people-active")
    for _ in range(page.locator(f"#{control_id}-list [role=option]").count()):
        search.press("ArrowDown")
        if active.get_attribute("data-oa-person") == username:
            break
    search.press("Enter")
    page.wait_for_selector(f"[data-oa-people-for='{control_id}'] [data-oa-value]")


def fits_the_width(page) -> bool:
    """Whether the page reads without sideways scrolling: nothing wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
