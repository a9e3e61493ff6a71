"""Sam Wu's leave request comes back from his head and goes to the head again (issue 19,
"The task page"): Sam sees first who returned it, when and why (§3.5 回退); he shortens the
leave and resubmits; the head sees first what changed since he sent it back, old → new, as
the form shows the values; agree, disagree and roll back are beside the form, the node's
other actions under "More". At 1280 by 800, and on a phone (390 by 844) in Chinese, where
both the reason and the changes read without sideways scrolling; screenshots in
test-artifacts/.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.pages import act, fits_the_width, sign_in

pytestmark = pytest.mark.browser

RETURN_OPINION = "Say who takes over your customers while you are away."


def leave_returned_by_the_head() -> None:
    """Sam Wu (staff) asks for 7 days of leave; his head sends it back with a reason."""
    from tests.runtime_helpers import act_at, start

    act_at(
        start("staff", "leave_request"),
        "head",
        "rollback",
        opinion=RETURN_OPINION,
        target="initiator",
    )


@pytest.mark.seed.with_args(leave_returned_by_the_head)
def test_a_returned_form_shows_its_reason_and_then_its_changes(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    page.set_viewport_size({"width": 1280, "height": 800})

    # Sam opens the returned request: the reason comes first, above the form.
    sign_in(page, base, "staff")
    page.goto(f"{base}/instances/1")
    reason = page.locator("#return-reason")
    assert reason.is_visible()
    assert RETURN_OPINION in reason.inner_text()
    assert reason.bounding_box()["y"] < page.locator("#task-form").bounding_box()["y"]
    page.screenshot(path=artifacts / "returned-form-reason.png")

    # He shortens the leave, says who takes over, and resubmits.
    page.fill("[name=end_date]", (date.today() + timedelta(days=32)).isoformat())
    page.fill("[name=reason]", "Family trip abroad; Li Na takes over my customers")
    act(page, "submit")
    assert page.locator("#instance-status").inner_text() == "running"

    # The head sees what changed since he sent it back, old → new.
    sign_in(page, base, "head")
    page.goto(f"{base}/instances/1")
    changes = page.locator("#changes-since")
    assert changes.is_visible()
    reason_row = page.locator("#changes-since [data-oa-changed=reason]").inner_text()
    assert "Family trip abroad" in reason_row and "Li Na takes over" in reason_row
    assert page.locator("#changes-since [data-oa-changed=end_date]").is_visible()
    assert page.locator("#changes-since [data-oa-changed=hr_remarks]").count() == 0
    page.screenshot(path=artifacts / "returned-form-changes.png")

    # Agree, disagree and roll back beside the form; what else the node offers under "More".
    for action in ("agree", "disagree", "rollback"):
        assert page.locator(f"#task-actions > [data-oa-action={action}]").is_visible()
    assert page.locator("#more-actions-toggle").count()
    assert not page.locator("#more-actions [data-oa-action]").first.is_visible()
    page.click("#more-actions-toggle")
    assert page.locator("#more-actions [data-oa-action]").first.is_visible()
    page.screenshot(path=artifacts / "task-more-actions.png")
    # An action under "More" opens the same dialog, with its own panel.
    page.click("#more-actions [data-oa-action=transfer]")
    page.wait_for_selector("#action-dialog.in")
    assert page.locator("[data-oa-panel=transfer]").is_visible()
    assert not page.locator("[data-oa-panel=rollback]").is_visible()
    page.click("#action-dialog [data-dismiss=modal]")
    page.wait_for_selector("#action-dialog", state="hidden")

    # Agreeing takes the request on, through the same dialog as before.
    act(page, "agree", "Agreed.")
    assert "Agreed." in page.locator("#opinions").inner_text()
    assert not page.locator("#changes-since").count()


@pytest.mark.browser_locale("zh-CN")
@pytest.mark.seed.with_args(leave_returned_by_the_head)
def test_the_return_reads_in_chinese_on_a_phone_without_sideways_scrolling(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, base, "staff")
    page.goto(f"{base}/instances/1")
    reason = page.locator("#return-reason").inner_text()
    assert "这份表单退回给您了。" in reason and RETURN_OPINION in reason
    assert fits_the_width(page)
    page.screenshot(path=artifacts / "returned-form-reason-phone.png", full_page=True)

    # Sam says who takes over and resubmits from his phone.
    page.fill("[name=reason]", "家庭出游；李娜接手我的客户")
    act(page, "submit")

    # On his phone the head sees first what changed since he sent it back, old → new.
    sign_in(page, base, "head")
    page.goto(f"{base}/instances/1")
    changes = page.locator("#changes-since")
    assert changes.is_visible()
    assert changes.bounding_box()["y"] < page.locator("#task-form").bounding_box()["y"]
    reason_row = changes.locator("[data-oa-changed=reason]")
    assert reason_row.is_visible() and "李娜接手我的客户" in reason_row.inner_text()
    assert changes.locator("[data-oa-changed=end_date]").count() == 0  # the dates stayed
    page.screenshot(path=artifacts / "returned-form-changes-phone.png", full_page=True)
    # Each change is a card whose old and new values read in full, nothing off the screen.
    box = reason_row.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert fits_the_width(page)
