"""The designer in Simplified Chinese (issue 18): IT builds a form with Chinese labels and
their English beside them; the designer's own words are Chinese, the preview draws the
Chinese labels, and the saved document keeps both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.pages import sign_in
from tests.browser.test_designer_in_browser import open_designer_tab

pytestmark = pytest.mark.browser


def add_field(page, field_type: str, chinese: str, english: str) -> None:
    """Click a type in the palette (it goes at the end of the form) and label it in both
    languages, side by side."""
    page.click(f"#field-palette-holder [data-oa-field-type={field_type}]")
    page.fill("#field-panel [name=label]", english)
    page.fill("#field-panel [name=label_zh_CN]", chinese)


def test_a_form_built_with_chinese_labels_keeps_both_languages(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    sign_in(page, base, "designer")
    page.goto(f"{base}/lang/zh_CN")
    page.goto(f"{base}/definitions/")
    with page.expect_navigation():
        page.click("#new-in-designer")
    assert page.inner_text("#tab-chain") == "节点链"
    assert page.get_attribute("#definition-name-zh_CN", "placeholder") == "中文"

    page.fill("#definition-name-zh_CN", "加班申请")
    page.fill("#definition-name", "Overtime request")
    assert page.input_value("#definition-key") == "overtime_request"
    page.fill("#definition-category", "Human resources")
    page.wait_for_selector("#definition-department[data-oa-loaded]")
    page.select_option("#definition-department", "GRP/HR")

    open_designer_tab(page, "form")
    add_field(page, "text", "加班事由", "Reason")
    add_field(page, "number", "时长（小时）", "Hours")
    page.fill("#field-panel [name=help_zh_CN]", "以半小时为单位")
    page.fill("#field-panel [name=help]", "In half hours")
    assert "加班事由" in page.inner_text("#form-canvas")
    panel = page.inner_text("#field-panel")  # the designer's own words, from the catalog
    assert "必填" in panel and "帮助文字" in panel and "Required" not in panel

    page.click("#designer-save")
    page.wait_for_selector("#designer-version-link")
    open_designer_tab(page, "preview")
    page.wait_for_selector("#preview-frame:not([data-oa-loading])", state="attached")
    preview = page.frame_locator("#preview-frame")
    preview.locator("[data-oa-form][data-oa-ready]").wait_for(state="attached")
    assert "加班事由" in preview.locator("[data-oa-field=reason]").inner_text()
    assert "以半小时为单位" in preview.locator("[data-oa-field=hours]").inner_text()
    open_designer_tab(page, "form")
    page.click("[data-oa-field-key=hours]")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts / "designer-chinese-labels.png")

    with page.expect_download() as download:
        page.click("#designer-export")
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert document["format"] == 2
    assert document["name"] == {"zh_CN": "加班申请", "en": "Overtime request"}
    reason, hours = document["fields"]
    assert reason["label"] == {"zh_CN": "加班事由", "en": "Reason"}
    assert hours["help"] == {"zh_CN": "以半小时为单位", "en": "In half hours"}
