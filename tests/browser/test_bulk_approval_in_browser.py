"""A department head back from a trade fair agrees to twenty waiting to-dos at once from the
inbox (批量审批; issue 19): nineteen leave requests are agreed, the one at a step that asks an
opinion on agreeing (§3.5) is not, and the result page says why; no page scrolls sideways at
phone width."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from tests.browser.pages import fits_the_width, sign_in

pytestmark = pytest.mark.browser

LEAVES = 19


def twenty_to_dos() -> None:
    """Nineteen leave requests and one request at a step asking an opinion, all for head."""
    from oa_platform.runtime.services import runtime
    from tests.conftest import user
    from tests.runtime_helpers import chain, node, publish, start

    for _ in range(LEAVES):
        start("staff", "leave_request")
    publish(
        chain(
            "printer_request",
            node("sign", "approval", ["head"], config={"opinion_on_agree": True}),
        )
    )
    runtime().submit(user("staff"), "printer_request", MultiDict({"note": "A3 printer"}))


@pytest.mark.seed.with_args(twenty_to_dos)
def test_twenty_to_dos_agreed_at_once_one_refused_for_want_of_an_opinion(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, base, "head")
    page.goto(f"{base}/inbox/")
    assert page.locator("input.oa-bulk-choice").count() == LEAVES + 1
    page.check("#bulk-all")
    assert page.locator("input.oa-bulk-choice:checked").count() == LEAVES + 1
    page.click("#bulk-approve summary")
    page.screenshot(path=artifacts / "bulk-approval-inbox.png", full_page=True)
    with page.expect_navigation():
        page.click("#bulk-agree")

    assert page.inner_text("h2") == f"Agreed to {LEAVES} of {LEAVES + 1} to-dos"
    refused = page.locator("#bulk-results tr.warning")
    assert refused.count() == 1
    assert "Printer Request — Sam Wu" in refused.inner_text()
    assert "An opinion is required to agree at 'Sign' (regulations §3.5)." in refused.inner_text()
    assert page.locator("#bulk-results tr.success").count() == LEAVES
    page.screenshot(path=artifacts / "bulk-approval-result.png", full_page=True)

    # The one left is still to do; agreed with one opinion for it, it goes too.
    page.goto(f"{base}/inbox/")
    assert page.locator("input.oa-bulk-choice").count() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    assert fits_the_width(page)
    page.check("input.oa-bulk-choice")
    page.click("#bulk-approve summary")
    page.fill("#bulk-opinion", "Agreed: the old one is broken.")
    with page.expect_navigation():
        page.click("#bulk-agree")
    assert page.inner_text("h2") == "Agreed to 1 of 1 to-dos"
    assert fits_the_width(page)
    page.screenshot(path=artifacts / "bulk-approval-phone.png", full_page=True)
