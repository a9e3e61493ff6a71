"""Regulations §4.1 in a real browser: a new user must replace the initial password before
anything else is reachable, and the new one must pass the password rules.

Runs with CSRF on, as in production, so the forms' tokens are part of what is tested.
"""

from __future__ import annotations

import re

import pytest

from oa_platform.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

WEAK_PASSWORD = "abc123456789"
STRONG_PASSWORD = "Harbour-Kite-73-Plum"
CHANGE_PAGE = re.compile(r"/changepassword")


def _change_password(page, current: str, new: str) -> None:
    page.fill("#current_password", current)
    page.fill("#new_password", new)
    page.fill("#confirm_password", new)
    with page.expect_navigation():
        page.locator("#model_form [type=submit]").click()


def test_new_user_must_change_initial_password_before_reaching_the_dashboard(
    live_server, browser_page, artifacts
):
    page = browser_page

    # 1. Log in with the initial password: straight to the change-password page.
    page.goto(f"{live_server}/login/")
    page.fill("#username", "newhire")
    page.fill("#password", DEMO_PASSWORD)
    page.screenshot(path=artifacts / "first-login-1-login.png", full_page=True)
    with page.expect_navigation():
        page.locator("input[type=submit][value='Sign In']").click()
    page.wait_for_load_state()
    assert CHANGE_PAGE.search(page.url), page.url
    warning = page.get_by_text("Change your initial password before you continue.")
    assert warning.first.is_visible()
    page.screenshot(path=artifacts / "first-login-2-forced-change.png", full_page=True)

    # 2. The dashboard is out of reach until the password is changed.
    page.goto(f"{live_server}/")
    assert CHANGE_PAGE.search(page.url), page.url
    assert page.locator("#dashboard-title").count() == 0
    page.screenshot(path=artifacts / "first-login-3-dashboard-blocked.png", full_page=True)

    # 3. A password breaking the rules is refused, with the rule's message.
    _change_password(page, DEMO_PASSWORD, WEAK_PASSWORD)
    assert CHANGE_PAGE.search(page.url), page.url
    rule = page.get_by_text("Do not use runs of consecutive or repeated characters")
    assert rule.first.is_visible()
    assert page.locator("#dashboard-title").count() == 0
    page.screenshot(path=artifacts / "first-login-4-weak-refused.png", full_page=True)

    # 4. A strong password is accepted and the dashboard opens.
    _change_password(page, DEMO_PASSWORD, STRONG_PASSWORD)
    page.wait_for_selector("#dashboard-title")
    assert not CHANGE_PAGE.search(page.url), page.url
    assert page.locator("#dashboard-title").inner_text().strip() == "Welcome, Nina Xu"
    page.screenshot(path=artifacts / "first-login-5-dashboard.png", full_page=True)

    # 5. And it stays reachable: no further redirect to the change page.
    page.goto(f"{live_server}/")
    assert not CHANGE_PAGE.search(page.url), page.url
    assert page.locator("#dashboard-title").inner_text().strip() == "Welcome, Nina Xu"
