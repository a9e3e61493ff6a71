"""A form's own person fields take the people picker (issue 19, "The task page": "wherever a
person is chosen"), in Chinese, on a desk and on a phone.

The Sales Department's duty roster names an officer in charge and, in a table, who is on
duty which day. Sam Wu (吴森) fills it in: Laura Lin (林晓兰) as officer by typing "lxl", then
a row per day, each person found by pinyin initials. He changes his mind and removes the
first row: the remaining row keeps its person under its new number, and a row added after
that gets a picker of its own. Sent without an officer, the browser asks for one first. The
select stays in the form and posts the user name, so the server checks what it always
checked. IT's designer gives a person field a fixed default with the same picker.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.browser.pages import SIZES, choose_person, fits_the_width, sign_in
from tests.browser.test_designer_in_browser import open_designer_tab

pytestmark = [pytest.mark.browser, pytest.mark.browser_locale("zh-CN")]


def duty_roster_published() -> None:
    """The duty roster: an officer (a person) and a table of days with a person each."""
    from tests.runtime_helpers import chain, node, publish

    person = {"type": "user", "required": True}
    publish(
        chain(
            "duty_roster",
            node("check", "approval", ["head"]),
            fields=[
                {**person, "key": "officer", "label": {"zh_CN": "值班负责人", "en": "Officer"}},
                {
                    "key": "shifts",
                    "type": "table",
                    "label": {"zh_CN": "值班安排", "en": "Shifts"},
                    "required": True,
                    "min_rows": 1,
                    "max_rows": 7,
                    "columns": [
                        {
                            "key": "day",
                            "type": "date",
                            "required": True,
                            "label": {"zh_CN": "日期", "en": "Day"},
                        },
                        {**person, "key": "person", "label": {"zh_CN": "值班人", "en": "On duty"}},
                    ],
                },
            ],
        )
    )


def chip(page, control_id: str) -> str:
    return page.inner_text(f"[data-oa-people-for='{control_id}'] .oa-people-chip")


@pytest.mark.seed.with_args(duty_roster_published)
@pytest.mark.parametrize("size", SIZES)
def test_staff_fill_in_person_fields_and_table_rows_with_the_picker(
    live_server, browser_page, artifacts, size
):
    page, base = browser_page, live_server
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    sign_in(page, base, "staff")
    page.goto(f"{base}/processes/duty_roster/start")

    # No list of every user: the picker stands in for the select, which stays in the form.
    assert not page.locator("#officer").is_visible()
    assert page.inner_text("label[for='officer-search']").startswith("值班负责人")
    # Sent without an officer, the browser asks for one before anything is posted.
    page.click("#submit-form")
    assert page.url.endswith("/processes/duty_roster/start")
    message = page.evaluate("document.querySelector('#officer-search').validationMessage")
    assert message == "请选择一个人。"

    choose_person(page, "officer", "lxl", "leader")
    assert chip(page, "officer").startswith("林晓兰 (leader)")
    assert page.input_value("#officer") == "leader"  # what the form posts

    # A row per day (the first is there already): Henry Ho (何志恒) on Monday, Fiona Zhao
    # (赵菲) on Tuesday.
    page.fill("[name=shifts-0-day]", monday.isoformat())
    choose_person(page, "shifts-0-person", "hzh", "head")
    page.click("[data-oa-add-row=shifts]")
    page.fill("[name=shifts-1-day]", (monday + timedelta(days=1)).isoformat())
    choose_person(page, "shifts-1-person", "zf", "finance")

    # Monday is dropped: Tuesday's row is the first now, its person kept under its new name.
    page.locator("tr[data-oa-row]").first.locator("[data-oa-remove-row]").click()
    assert page.input_value("#shifts-0-person") == "finance"
    assert chip(page, "shifts-0-person").startswith("赵菲 (finance)")
    # A row added afterwards gets its own picker, not a plain list.
    page.click("[data-oa-add-row=shifts]")
    assert not page.locator("#shifts-1-person").is_visible()
    page.fill("[name=shifts-1-day]", (monday + timedelta(days=2)).isoformat())
    choose_person(page, "shifts-1-person", "lxl", "leader")
    assert fits_the_width(page)
    page.screenshot(path=artifacts / f"people-picker-form-fields-{width}.png", full_page=True)

    with page.expect_navigation():
        page.click("#submit-form")
    assert page.inner_text("#instance-status") == "审批中"
    officer = page.inner_text("[data-oa-field=officer]")
    assert "林晓兰" in officer
    shifts = page.locator("[data-oa-field=shifts] tbody tr").all_inner_texts()
    assert len(shifts) == 2
    assert "赵菲" in shifts[0] and "林晓兰" in shifts[1]


def test_the_designer_names_a_fixed_default_person_with_the_picker(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, base, "designer")
    page.goto(f"{base}/definitions/")
    with page.expect_navigation():
        page.click("#new-in-designer")
    page.fill("#definition-name-zh_CN", "值班表")
    open_designer_tab(page, "form")
    page.click("#field-palette-holder [data-oa-field-type=user]")
    page.fill("#field-panel [name=label_zh_CN]", "值班负责人")
    page.select_option("#field-panel [name=default_kind]", "literal")

    assert not page.locator("#field-default-value").is_visible()
    choose_person(page, "field-default-value", "lxl", "leader")
    assert page.input_value("#field-default-value") == "leader"
    page.locator("#field-panel").screenshot(path=artifacts / "people-picker-designer-default.png")

    with page.expect_download() as download:
        page.click("#designer-export")
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert document["fields"][0]["default"] == {"kind": "literal", "value": "leader"}
