"""IT moves running purchase requests to the new version of their definition in a real
browser, in Chinese (issue 23, item 4): the older version is listed with its running
instances, the proposed mapping shows the renamed check found by its name, the preview (a
dry run) lists per instance where it will stand, what it loses and the one refused with its
reason, the run migrates the rest, and one is migrated back."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.app_config(OA_DEFAULT_LOCALE="zh_CN"),
    pytest.mark.browser_locale("zh-CN"),
]


def requests_on_version_one() -> None:
    from tests.migration_helpers import at_check, request, version_one, version_two
    from tests.runtime_helpers import publish

    publish(version_one())
    request()
    request(remark=None)
    at_check(remark="加急")
    at_check(item="contract", remark="框架合同")  # waits at the legal check
    publish(version_two())


@pytest.mark.seed.with_args(requests_on_version_one)
def test_it_previews_and_runs_a_migration(live_server, browser_page, artifacts):
    page = browser_page
    sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/instance-migration/")
    row = page.locator("#older-purchase_request-1")
    assert "4" in row.inner_text()
    page.screenshot(path=artifacts / "migration-1-older-versions.png", full_page=True)

    with page.expect_navigation():
        row.get_by_role("link").click()
    assert page.locator("#node-check").input_value() == "verify"  # found by its name
    assert page.locator("#node-legal").input_value() == ""
    assert page.locator("#field-remark").input_value() == ""
    page.screenshot(path=artifacts / "migration-2-mapping.png", full_page=True)

    with page.expect_navigation():
        page.click("#preview-button")
    assert page.get_by_text("预览：尚未作任何更改").is_visible()
    plans = page.locator("#instance-plans tbody tr")
    assert plans.count() == 4
    refused = page.locator("#instance-plans tr.danger")
    assert refused.count() == 1 and "Legal check" in refused.inner_text()
    assert page.locator("#instance-plans tr.warning").count() == 2  # lose their remark
    page.screenshot(path=artifacts / "migration-3-preview.png", full_page=True)

    with page.expect_navigation():
        page.click("#run-button")
    assert page.get_by_text("已有 3 个实例迁移到版本 2，1 个被拒绝并保持原样。").is_visible()
    backs = page.locator("#instance-plans").get_by_role("button", name="迁回")
    assert backs.count() == 3
    page.screenshot(path=artifacts / "migration-4-migrated.png", full_page=True)

    with page.expect_navigation():
        backs.first.click()
    assert page.get_by_text("已迁回版本 1。").is_visible()
    page.screenshot(path=artifacts / "migration-5-migrated-back.png", full_page=True)
