"""The designer building a form with Chinese labels and inserting a node (issue 19, "Done
when"; deliver 6): in Chinese, IT labels the fields and nodes in Chinese only, connects a
branch on the overtime hours, inserts an HR check on that conditional connection (A -> B
becomes A -> 人事复核 -> B, the condition and its label staying on A's part), renames the
hours field that the condition reads, and submits: the stored definition has the rewired
connection and the renamed condition, and passes the publish-time validation. Runs with
CSRF on, as in production."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.pages import sign_in
from tests.browser.test_designer_in_browser import (
    DESKTOP,
    connect,
    edge,
    open_designer_tab,
    select_node,
    wait_until_checked,
)
from tests.browser.test_designer_pinyin_keys import key_becomes

pytestmark = [pytest.mark.browser, pytest.mark.browser_locale("zh-CN")]

HOURS = "shi_chang_xiao_shi"  # 时长（小时）in pinyin
RENAMED = "jia_ban_shi_chang"


# A new node's id is its type's Chinese name in pinyin until it is named: the panel is drawn
# again when that answer arrives, so a name is typed after it (as a person would).
TYPE_IDS = {"approval": "shen_pi", "condition": "tiao_jian", "form_review": "biao_dan_shen_he"}


def chinese_node(page, node_type: str, name: str, node_id: str, rule: str | None = None):
    """Add a node named in Chinese only; its id comes out in pinyin."""
    page.select_option("#node-type", node_type)
    page.click("#node-add")
    key_becomes(page, "#node-panel [name=node_id]", TYPE_IDS[node_type])
    page.fill("#node-panel [name=node_name_zh_CN]", name)
    key_becomes(page, "#node-panel [name=node_id]", node_id)
    if rule:
        page.select_option("#assignee-rule", rule)


def click_connection(page, ends: str) -> None:
    """Click the chain graph's connection ``from>to`` at the middle of its line, as a person
    would (its box's centre may be beside a curved line)."""
    x, y = page.eval_on_selector(
        f"#chain-graph [data-oa-edge='{ends}'] .oa-graph-edge-hit",
        """path => {
          path.closest("svg").scrollIntoView({ block: "center" });
          const middle = path.getPointAtLength(path.getTotalLength() / 2);
          const screen = middle.matrixTransform(path.getScreenCTM());
          return [screen.x, screen.y];
        }""",
    )
    page.mouse.click(x, y)


def renamed_everywhere(page) -> None:
    """Wait until the server has answered the rename and the check has run."""
    page.wait_for_selector("#designer:not([data-oa-renaming])", state="attached")
    wait_until_checked(page)


def test_a_node_inserted_on_a_branch_and_a_renamed_field_are_saved_rewired(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "designer")
    page.goto(f"{base}/lang/zh_CN")
    page.goto(f"{base}/definitions/")
    with page.expect_navigation():
        page.click("#new-in-designer")
    page.fill("#definition-name-zh_CN", "加班申请（复核）")
    page.fill("#definition-name", "Overtime with a check")
    assert page.input_value("#definition-key") == "overtime_with_a_check"
    page.fill("#definition-category", "Human resources")
    page.wait_for_selector("#definition-department[data-oa-loaded]")
    page.select_option("#definition-department", "GRP/HR")
    page.fill("#definition-title-zh_CN", "{initiator}加班{" + HOURS + "}小时")

    open_designer_tab(page, "form")
    page.click("#field-palette-holder [data-oa-field-type=number]")
    page.fill("#field-panel [name=label_zh_CN]", "时长（小时）")
    key_becomes(page, "#field-panel [name=key]", HOURS)
    page.click("#field-palette-holder [data-oa-field-type=text]")
    page.fill("#field-panel [name=label_zh_CN]", "加班事由")
    key_becomes(page, "#field-panel [name=key]", "jia_ban_shi_you")

    open_designer_tab(page, "chain")
    chinese_node(page, "approval", "部门负责人", "bu_men_fu_ze_ren", "department_head")
    chinese_node(page, "condition", "时长判断", "shi_chang_pan_duan")
    chinese_node(page, "approval", "分管领导", "fen_guan_ling_dao", "leader_in_charge")
    select_node(page, "start")
    page.select_option(edge(page, "start", "end") + " [name=edge_to]", "bu_men_fu_ze_ren")
    select_node(page, "bu_men_fu_ze_ren")
    connect(page, "shi_chang_pan_duan")
    select_node(page, "shi_chang_pan_duan")
    connect(page, "fen_guan_ling_dao")
    branch = edge(page, "shi_chang_pan_duan", "fen_guan_ling_dao")
    page.fill(f"{branch} [name=edge_label_zh_CN]", "超过 4 小时")
    page.fill(f"{branch} [name=edge_condition]", f'{HOURS} > 4 and "{HOURS}" != jia_ban_shi_you')
    connect(page, "end")
    page.check(edge(page, "shi_chang_pan_duan", "end") + " [data-oa-member=default]")
    select_node(page, "fen_guan_ling_dao")
    connect(page, "end")
    wait_until_checked(page)
    expect(page.locator("#designer-no-problems")).to_be_visible()

    # Insert an HR check on the conditional connection: chosen on the graph, then on its row.
    select_node(page, "fen_guan_ling_dao")
    click_connection(page, "shi_chang_pan_duan>fen_guan_ling_dao")
    expect(page.locator("#node-panel [name=node_id]")).to_have_value("shi_chang_pan_duan")
    branch_row = edge(page, "shi_chang_pan_duan", "fen_guan_ling_dao")
    page.select_option(f"{branch_row} [name=insert_type]", "form_review")
    page.click(f"{branch_row} [data-oa-insert]")
    key_becomes(page, "#node-panel [name=node_id]", TYPE_IDS["form_review"])
    page.fill("#node-panel [name=node_name_zh_CN]", "人事复核")
    key_becomes(page, "#node-panel [name=node_id]", "ren_shi_fu_he")
    page.select_option("#assignee-rule", "role")
    page.wait_for_selector("#assignee-roles[data-oa-loaded]")
    page.select_option("#assignee-roles", "HR")
    for part in ("shi_chang_pan_duan>ren_shi_fu_he", "ren_shi_fu_he>fen_guan_ling_dao"):
        assert page.locator(f"#chain-graph [data-oa-edge='{part}']").count() == 1
    old_edge = "#chain-graph [data-oa-edge='shi_chang_pan_duan>fen_guan_ling_dao']"
    assert page.locator(old_edge).count() == 0
    # The new node has one way out: "insert after" is offered on it.
    expect(page.locator("#node-insert-after")).to_be_visible()

    # Rename the hours field the condition and the title read.
    open_designer_tab(page, "form")
    page.click(f"[data-oa-field-key={HOURS}]")
    page.fill("#field-panel [name=key]", RENAMED)
    renamed_everywhere(page)
    expect(page.locator("#designer-status")).to_contain_text(
        f"「{HOURS}」已改名为「{RENAMED}」，所有引用处均已更新。"
    )
    open_designer_tab(page, "chain")
    select_node(page, "shi_chang_pan_duan")
    first_part = edge(page, "shi_chang_pan_duan", "ren_shi_fu_he")
    condition = page.input_value(f"{first_part} [name=edge_condition]")
    assert condition == f'{RENAMED} > 4 and "{HOURS}" != jia_ban_shi_you'
    wait_until_checked(page)
    expect(page.locator("#designer-no-problems")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts / "designer-insert-and-rename.png")

    with page.expect_navigation():
        page.click("#designer-submit")  # the publish-time validation passes on the server
    assert page.inner_text("#version-status") == "已提交"
    export = page.request.get(f"{base}/definitions/overtime_with_a_check/v1/export")
    stored = json.loads(export.text())
    edges = [(e["from"], e["to"]) for e in stored["edges"]]
    assert ("shi_chang_pan_duan", "ren_shi_fu_he") in edges
    assert ("ren_shi_fu_he", "fen_guan_ling_dao") in edges
    assert ("shi_chang_pan_duan", "fen_guan_ling_dao") not in edges
    first = next(e for e in stored["edges"] if e["to"] == "ren_shi_fu_he")
    assert first["condition"] == f'{RENAMED} > 4 and "{HOURS}" != jia_ban_shi_you'
    assert first["label"] == {"zh_CN": "超过 4 小时"}
    second = next(e for e in stored["edges"] if e["from"] == "ren_shi_fu_he")
    assert second == {"from": "ren_shi_fu_he", "to": "fen_guan_ling_dao"}
    assert stored["title"]["zh_CN"] == "{initiator}加班{" + RENAMED + "}小时"
    assert [field["key"] for field in stored["fields"]] == [RENAMED, "jia_ban_shi_you"]
    node_ids = {node["id"] for node in stored["nodes"]}
    assert all(a in node_ids and b in node_ids for a, b in edges)
