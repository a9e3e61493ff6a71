"""An agent approves on behalf of a manager who is away, in a real browser (regulations §3.4,
seed 2 §4.4): the Sales Department's head names an agent under My Agents for the days
he is away; a leave request from his department reaches the agent, marked as his; the agent
agrees, and the trace and the audit trail both read "agent on behalf of manager"; the
manager still sees the instance. Runs with CSRF on, as in production."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.pages import act, choose_person, open_from_inbox, sign_in

pytestmark = pytest.mark.browser

MANAGER = "Henry Ho"  # `head`, head of the Sales Department: the leave's first approver
AGENT = "Laura Lin"  # `leader`, who stands in for him
ON_BEHALF = f"{AGENT} (leader) on behalf of {MANAGER} (head)"  # names with user names


def choose(page, field_id: str, text: str) -> None:
    """Pick an option of a Select2 field (the forms) as a person does: open it, type, Enter."""
    page.click(f"#{field_id} + .select2-container .select2-selection")
    # Typed into the search box itself: Select2 4.0 under jQuery 3.6 does not focus it.
    page.locator(".select2-container--open .select2-search__field").press_sequentially(text)
    page.wait_for_selector(f".select2-results__option--highlighted:has-text('{text}')")
    page.keyboard.press("Enter")


def test_an_agent_named_under_my_agents_approves_on_behalf_of_the_away_manager(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    today = date.today()
    away_until = today + timedelta(days=6)

    # The manager, leaving for a trade fair, names his agent for Human resources forms.
    sign_in(page, base, "head")
    with page.expect_navigation():
        page.click("a:has-text('My Agents')")
    choose_person(page, "agent", "leader", "leader")
    page.fill("#starts_on", today.isoformat())
    page.fill("#ends_on", away_until.isoformat())
    choose(page, "categories", "Human resources")
    with page.expect_navigation():
        page.click("button:has-text('Save')")
    assert f"leader acts for head from {today} to {away_until}." in page.inner_text(
        ".alert-success"
    )
    delegation = page.locator("h3:has-text('My delegations') + table tbody tr").inner_text()
    for expected in (f"{AGENT} (leader)", "Human resources", "active"):
        assert expected in delegation
    page.screenshot(path=artifacts / "agent-my-agents.png", full_page=True)

    # A member of his department asks for two days' leave from the catalogue.
    sign_in(page, base, "staff")
    page.goto(f"{base}/processes/")
    with page.expect_navigation():
        page.click("[data-oa-process=leave_request] a.btn")
    page.select_option("[name=leave_type]", "annual")
    page.fill("[name=end_date]", (today + timedelta(days=1)).isoformat())
    page.fill("[name=reason]", "Family visit in Hangzhou")
    choose_person(page, "handover_to", "Nina", "newhire")
    with page.expect_navigation():
        page.click("#submit-form")
    instance_id = int(re.search(r"/instances/(\d+)", page.url).group(1))
    assert page.locator("#instance-status").inner_text() == "running"

    # The to-do went to the agent, marked as the manager's; the manager has none.
    sign_in(page, base, "leader")
    page.goto(f"{base}/inbox/")
    row = page.locator(f"#inbox-list tr:has(a[href^='/instances/{instance_id}'])")
    assert f"for {MANAGER}" in row.inner_text()
    assert "Department head approval" in row.inner_text()
    page.screenshot(path=artifacts / "agent-inbox.png", full_page=True)
    open_from_inbox(page, base, instance_id)
    act(page, "agree", "Agreed while Henry is at the trade fair.")
    assert page.locator("#instance-status").inner_text() == "running"

    # Trace and audit trail name both: the agent acted, on the manager's behalf.
    step = page.locator("#trace-steps [data-oa-step=department_head]")
    assert step.locator("td").nth(0).inner_text() == ON_BEHALF
    assert step.locator("td").nth(1).inner_text() == "agree"
    box = page.locator("[data-oa-node=department_head] > title").text_content()
    assert f"{ON_BEHALF}: agree" in box
    opinion = page.locator("#opinions tbody tr[data-oa-opinion=agree]")
    assert ON_BEHALF in opinion.inner_text()
    assert "trade fair" in opinion.inner_text()
    page.locator("#trace-panel").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "agent-trace.png", full_page=True)

    # The manager still sees the instance he was the approver of, with what his agent did.
    sign_in(page, base, "head")
    page.goto(f"{base}/inbox/")
    assert page.locator("#inbox-summary").inner_text().startswith("0 to do")
    response = page.goto(f"{base}/instances/{instance_id}")
    assert response.status == 200
    assert ON_BEHALF in page.locator("#trace-steps").inner_text()
    assert ON_BEHALF in page.locator("#opinions").inner_text()
