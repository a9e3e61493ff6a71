"""The designer speaks plainly (issue 19, deliver 6): IT labels fields and nodes in Chinese
only and their keys come out in pinyin ("报销金额" -> ``bao_xiao_jin_e``), not empty or
``field``; the page in Chinese gives new fields and nodes pinyin keys from their type's name
too; a new Approval node offers the common actions by their names, and its settings read as
labels; problems are sentences, never the schema's messages. Runs with CSRF on, as in
production."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.pages import sign_in
from tests.browser.test_designer_in_browser import open_designer_tab

pytestmark = pytest.mark.browser


def key_becomes(page, selector: str, key: str) -> None:
    """The key input follows the label once the server's pinyin arrives."""
    page.wait_for_function(
        "([selector, key]) => document.querySelector(selector).value === key",
        arg=[selector, key],
    )


def test_chinese_labels_give_pinyin_keys(live_server, browser_page, artifacts):
    page, base = browser_page, live_server
    sign_in(page, base, "designer")
    page.goto(f"{base}/lang/zh_CN")
    page.goto(f"{base}/definitions/")
    with page.expect_navigation():
        page.click("#new-in-designer")
    page.fill("#definition-name-zh_CN", "差旅报销")
    page.fill("#definition-name", "Travel claim")

    open_designer_tab(page, "form")
    page.click("#field-palette-holder [data-oa-field-type=text]")
    # The type's Chinese name gives the new field a pinyin key before it is labelled.
    key_becomes(page, "#field-panel [name=key]", "wen_ben")
    page.fill("#field-panel [name=label_zh_CN]", "报销事由")
    key_becomes(page, "#field-panel [name=key]", "bao_xiao_shi_you")
    page.click("#field-palette-holder [data-oa-field-type=money]")
    page.fill("#field-panel [name=label_zh_CN]", "报销金额（元）")
    key_becomes(page, "#field-panel [name=key]", "bao_xiao_jin_e_yuan")
    # A key the designer typed is theirs: a later label leaves it alone.
    page.fill("#field-panel [name=key]", "amount")
    page.fill("#field-panel [name=label_zh_CN]", "金额")
    page.wait_for_timeout(300)
    assert page.input_value("#field-panel [name=key]") == "amount"
    canvas = page.locator("#form-canvas")
    assert canvas.locator("[data-oa-field-key=bao_xiao_shi_you]").count() == 1
    assert canvas.locator("[data-oa-field-key=amount]").count() == 1

    open_designer_tab(page, "chain")
    page.select_option("#node-type", "approval")
    page.click("#node-add")
    key_becomes(page, "#node-panel [name=node_id]", "shen_pi")
    page.fill("#node-panel [name=node_name_zh_CN]", "部门负责人")
    key_becomes(page, "#node-panel [name=node_id]", "bu_men_fu_ze_ren")
    # The new Approval node offers the common actions, named as the task page's buttons.
    ticked = page.eval_on_selector_all(
        "#node-panel [data-oa-action]:checked", "inputs => inputs.map(i => i.dataset.oaAction)"
    )
    assert ticked == ["agree", "disagree", "rollback", "add_signature", "transfer"]
    actions = page.inner_text("#node-panel .oa-actions")
    assert "同意" in actions and "加签" in actions and "add signature" not in actions
    # Its settings read as labels, not stored values.
    settings = page.inner_text("#node-panel .oa-config")
    assert "处理人不同意时" in settings and "退回发起人" in settings
    assert "return_to_initiator" not in settings and "On disagree" not in settings
    page.locator("#node-panel").screenshot(path=artifacts / "designer-approval-node-panel.png")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts / "designer-pinyin-keys.png")
    # The live check answers after its pause in typing: wait for its sentence, then read.
    expect(page.locator("#designer")).to_contain_text("流程定义：分类不能为空")
    problems = page.inner_text("#designer")
    assert "does not match" not in problems and "is a required property" not in problems

    with page.expect_download() as download:
        page.click("#designer-export")
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [field["key"] for field in document["fields"]] == ["bao_xiao_shi_you", "amount"]
    approval = next(node for node in document["nodes"] if node["id"] == "bu_men_fu_ze_ren")
    assert approval["actions"] == ["agree", "disagree", "rollback", "transfer", "add_signature"]
