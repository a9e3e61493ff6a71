"""A plugin's field type in the designer: the palette offers it in its group, its member gets
an input generated from its schema (checked as it is typed), a table may have a column of it,
and the preview draws it with the type's own WTForms field. In a live form the page's scripts
read it and compute with it as its type describes it to them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from plugins.registry import InstalledFieldType, field_types
from tests.browser.pages import sign_in
from tests.browser.test_designer_in_browser import (
    DESKTOP,
    open_designer_tab,
    panel,
    wait_until_checked,
)
from tests.integration.designer.test_field_type_plugins import Rating, feedback

pytestmark = pytest.mark.browser


@pytest.fixture
def rating():
    registry = field_types()
    registry.installed["rating"] = InstalledFieldType(Rating(), "tests: Rating", "0")
    yield
    del registry.installed["rating"]


def add_field(page, field_type: str, label: str) -> None:
    """Add a field of ``field_type`` at the end of the form (a click on the palette)."""
    page.click(f"[data-oa-field-type={field_type}]")
    page.fill(panel(page, "[name=label]"), label)


def test_the_designer_offers_and_edits_a_plugin_field_type(rating, live_server, browser_page):
    page, base = browser_page, live_server
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "designer")
    page.goto(f"{base}/designer/leave_request")  # a complete definition: the preview draws it
    group = page.locator("#field-palette .oa-palette-category", has_text="Choices")
    assert group.count() == 1
    open_designer_tab(page, "form")
    add_field(page, "rating", "Service")
    assert page.inner_text(panel(page, "h4")) == "Rating field"

    # "stars" has no editor of the designer's own: its input comes from the member's schema.
    page.fill(panel(page, "[name=stars]"), "11")
    wait_until_checked(page)
    assert "Field 10 (Service): 'stars' may be at most 10" in page.inner_text("#field-panel")
    page.fill(panel(page, "[name=stars]"), "4")
    wait_until_checked(page)
    assert "maximum" not in page.inner_text("#field-panel")
    page.select_option(panel(page, "[name=default_kind]"), "literal")
    assert page.get_attribute(panel(page, "[name=default_value]"), "type") == "number"
    page.fill(panel(page, "[name=default_value]"), "0")
    wait_until_checked(page)  # the type's literal_fits says what a default may be
    assert "the default value 0 does not fit a rating field" in page.inner_text("#field-panel")
    page.fill(panel(page, "[name=default_value]"), "3")

    add_field(page, "table", "Dishes")
    assert "rating" in page.eval_on_selector_all(
        "#column-type option", "options => options.map(o => o.value)"
    )

    open_designer_tab(page, "preview")
    page.wait_for_selector("#preview-frame:not([data-oa-loading])", state="attached")
    preview = page.frame_locator("#preview-frame")
    preview.locator("[data-oa-form][data-oa-ready]").wait_for(state="attached")
    stars = preview.locator("[data-oa-field=service] input[type=number]")
    assert stars.input_value() == "3"


def save_draft(page, base: str, document: dict) -> None:
    """Save ``document`` as a new definition's draft through the designer's own API."""
    page.goto(f"{base}/designer/")
    status = page.evaluate(
        """async (document) => {
            const boot = JSON.parse(window.document.getElementById("designer-boot").textContent);
            const answer = await fetch(boot.urls.save, {
                method: "POST",
                headers: { "Content-Type": "application/json", "X-CSRFToken": boot.csrfToken },
                body: JSON.stringify({ document, key: null }),
            });
            return answer.status;
        }""",
        document,
    )
    assert status == 200


def test_a_live_form_reads_and_computes_with_a_plugin_field_type(rating, live_server, browser_page):
    page, base = browser_page, live_server
    sign_in(page, base, "designer")
    save_draft(page, base, feedback())
    page.goto(f"{base}/definitions/canteen_feedback/v1/preview/start")
    page.wait_for_selector("[data-oa-form][data-oa-ready]", state="attached")
    page.click("[data-oa-add-row=dishes]")
    row = page.locator("[data-oa-table=dishes] [data-oa-row]").first
    row.locator("[data-oa-column=dish] input").fill("Noodles")
    row.locator("[data-oa-column=taste] input").fill("3")
    # Read as the number its type says (not as text), so the expressions over it work live.
    expect(row.locator("[data-oa-computed-cell=doubled]")).to_have_text("6")
    expect(page.locator("[data-oa-computed=best]")).to_have_text("3")
