"""Forms in a real browser: live visibility, tables and computed totals work as staff use them,
and script hidden in a definition or in values never runs (regulations §6: user content is
shown, never executed). Runs with CSRF on, as in production."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.pages import choose_person, sign_in

pytestmark = pytest.mark.browser

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "definitions"
PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


def watch_for_script(page) -> list[str]:
    """Collect any dialog opened by injected script (alert, confirm...)."""
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def test_expense_claim_table_total_and_leave_visibility_work_live(
    live_server, browser_page, artifacts
):
    page = browser_page
    sign_in(page, live_server, "designer")
    page.goto(f"{live_server}/definitions/expense_claim/v1/preview/start")
    table = page.locator("[data-oa-table=items]")
    page.click("[data-oa-add-row=items]")
    rows = table.locator("[data-oa-row]")
    assert rows.count() == 2
    for index, amount in enumerate(["1200.50", "99.50"]):
        rows.nth(index).locator("[data-oa-column=amount] input").fill(amount)
    total = page.locator("[data-oa-computed=total]")
    assert total.inner_text().replace(",", "").startswith("1300.00")
    page.screenshot(path=artifacts / "form-expense-claim.png", full_page=True)
    rows.nth(1).locator("[data-oa-remove-row]").click()
    assert rows.count() == 1
    assert total.inner_text().replace(",", "").startswith("1200.50")

    page.goto(f"{live_server}/definitions/leave_request/v1/preview/start")
    certificate = page.locator("[data-oa-field=medical_certificate]")
    page.wait_for_selector("[data-oa-form][data-oa-ready]", state="attached")
    expect(certificate).to_be_hidden()
    page.select_option("[name=leave_type]", "sick")
    expect(certificate).to_be_visible()
    page.fill("[name=start_date]", "2026-12-01")
    page.fill("[name=end_date]", "2026-12-04")
    assert page.locator("[data-oa-computed=days]").inner_text().strip().startswith("4")
    page.screenshot(path=artifacts / "form-leave-request.png", full_page=True)


def test_script_in_labels_options_values_and_rich_text_never_runs(
    live_server, browser_page, artifacts, tmp_path
):
    page = browser_page
    dialogs = watch_for_script(page)
    document = json.loads((EXAMPLES / "leave_request.json").read_text())
    document["key"] = "hostile"
    document["name"] = f"Hostile {PAYLOAD}"
    document["fields"][0]["label"] = f"Type {PAYLOAD}"
    document["fields"][0]["help"] = f"Help {PAYLOAD}"
    document["fields"][0]["options"][0]["label"] = f"Option {PAYLOAD}"
    document["fields"].append({"key": "notes", "type": "rich_text", "label": f"Notes {PAYLOAD}"})
    upload = tmp_path / "hostile.json"
    upload.write_text(json.dumps(document))

    sign_in(page, live_server, "designer")
    page.goto(f"{live_server}/definitions/import")
    page.set_input_files("[name=files]", str(upload))
    with page.expect_navigation():
        page.click("form:has([name=files]) [type=submit]")
    assert "(draft)" in page.locator("#import-result").inner_text()

    page.goto(f"{live_server}/definitions/hostile/v1/preview/start")
    assert page.get_by_text(f"Type {PAYLOAD}").count() >= 1  # shown as text
    page.select_option("[name=leave_type]", "annual")
    page.fill("[name=start_date]", "2026-12-01")
    page.fill("[name=end_date]", "2026-12-02")
    choose_person(page, "handover_to", "Wu", "staff")
    page.fill("[name=reason]", f"Reason {PAYLOAD}")
    page.locator("[data-oa-field=notes] [data-oa-rich-source]").evaluate(
        "(el, html) => { el.value = html; }",
        f"<p>Fine</p>{PAYLOAD}<a href='javascript:alert(1)'>x</a>",
    )
    page.locator("[data-oa-field=notes] [data-oa-rich-editor]").evaluate("el => el.remove()")
    with page.expect_navigation():
        page.click("#preview-submit")
    page.wait_for_load_state("networkidle")
    assert page.locator("[name=reason]").input_value() == f"Reason {PAYLOAD}"
    editor = page.locator("[data-oa-field=notes] [data-oa-rich-editor]")
    assert "onerror" not in editor.inner_html() and "javascript:" not in editor.inner_html()
    page.goto(f"{live_server}/definitions/hostile/v1/")
    page.screenshot(path=artifacts / "form-hostile-content.png", full_page=True)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
