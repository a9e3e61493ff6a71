"""IT runs the quarter's inspection over the demo data (§8.5): opens it, draws the sample,
records a finding on a sampled request beside its steps and trail, issues the proposed ticket
(§8.7); the person sees it under My Tickets, appeals once, and their leader in charge decides.
In Chinese, with screenshots in test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser.pages import sign_in

pytestmark = pytest.mark.browser


def requests_of_the_quarter() -> None:
    from oa_platform.extensions import db
    from tests.runtime_helpers import start

    for _ in range(3):
        start("staff", "leave_request")
    for _ in range(2):
        start("staff", "expense_claim")
    db.session.commit()


@pytest.mark.seed.with_args(requests_of_the_quarter)
@pytest.mark.browser_locale("zh-CN")
def test_it_inspects_the_quarter_issues_a_ticket_and_the_person_appeals(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    sign_in(page, base, "admin")
    page.goto(f"{base}/inspection/")
    assert "开启检查" in page.content()
    page.fill("#sample_size", "4")
    with page.expect_navigation():
        page.click("#inspection-open")
    assert page.locator("#population").inner_text() == "5"
    assert page.locator("#sample tbody tr").count() == 4
    page.screenshot(path=artifacts / "inspection-sample-zh.png", full_page=True)

    with page.expect_navigation():
        page.locator("#sample tbody tr a").first.click()
    assert page.locator("#steps tbody tr").count() >= 1  # steps, opinions and timing
    assert page.locator("#trail tbody tr").count() >= 1  # the trail, on the same page
    page.select_option("#item", "attachments")
    page.fill("#note", "缺少报销凭证附件")
    with page.expect_navigation():
        page.click("#record-finding")
    assert "缺少报销凭证附件" in page.locator("#findings").inner_text()
    page.screenshot(path=artifacts / "inspection-finding-zh.png", full_page=True)

    page.go_back()
    page.go_back()
    page.reload()
    with page.expect_navigation():
        page.locator("#proposed a").first.click()
    with page.expect_navigation():
        page.click("#issue-ticket")
    assert page.locator("#ticket-status").inner_text() == "已开具"

    sign_in(page, base, "staff")
    page.goto(f"{base}/inspection/tickets")
    assert page.locator("#tickets tbody tr[data-oa-ticket]").count() == 1
    assert page.locator("#tally-person tbody tr").count() == 1
    page.screenshot(path=artifacts / "inspection-my-tickets-zh.png", full_page=True)
    with page.expect_navigation():
        page.locator("#tickets a").first.click()
    page.fill("#appeal-text", "凭证已在纸质件中提交")
    with page.expect_navigation():
        page.click("#appeal-ticket")
    assert "凭证已在纸质件中提交" in page.locator("#appeal").inner_text()
    assert page.locator("#appeal-ticket").count() == 0  # once only
    ticket_url = page.url

    sign_in(page, base, "leader")
    page.goto(ticket_url)
    page.fill("#decide-reason", "纸质凭证齐全")
    with page.expect_navigation():
        page.click("#grant-appeal")
    assert "申诉成立" in page.locator("#ticket").inner_text()  # granted: cancelled
    page.screenshot(path=artifacts / "inspection-appeal-decided-zh.png", full_page=True)
