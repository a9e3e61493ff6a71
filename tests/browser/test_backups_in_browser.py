"""Regulations §7.2 in a real browser: the administrator sees on the Backups page that no
good backup exists yet, backs up with the button (CSRF token and all), and then sees the
archive kept, the last good backup's age and the health checks."""

from __future__ import annotations

import tempfile

import pytest

from tests.browser.pages import sign_in

BACKUPS = tempfile.mkdtemp(prefix="oa-browser-backups-")
pytestmark = [pytest.mark.browser, pytest.mark.app_config(OA_BACKUP_DIR=BACKUPS)]


def test_the_administrator_backs_up_from_the_backups_page(live_server, browser_page, artifacts):
    page = browser_page
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/backups/")
    assert page.locator("#backup-overdue").is_visible()
    assert page.get_by_text("No good backup yet.").is_visible()
    assert page.locator("#health tr").count() == 5
    page.screenshot(path=artifacts / "backups-1-none-yet.png", full_page=True)

    with page.expect_navigation():
        page.click("#backup-now")

    assert page.get_by_text("A backup was queued").is_visible()
    assert page.locator("#backup-overdue").count() == 0
    assert page.locator("#last-good-backup").get_by_text("hours ago").is_visible()
    rows = page.locator("#archives tbody tr")
    assert rows.count() == 1 and "oa-backup-" in rows.first.inner_text()
    page.screenshot(path=artifacts / "backups-2-after-backup.png", full_page=True)
