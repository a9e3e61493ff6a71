"""What the browser tests do on the staff pages, written once: sign in, open a to-do from
the inbox, take an action through the action dialog."""

from __future__ import annotations

from oa_platform.demo import DEMO_PASSWORD


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
    """Click an action button, write the opinion in the dialog and confirm."""
    page.click(f"[data-oa-action={action}]")
    page.wait_for_selector("#action-dialog.in")
    page.fill("#oa-opinion", opinion)
    with page.expect_navigation():
        page.click("#action-confirm")
