"""The browser designer (regulations §2.1.2, §2.3, §3.1, §3.2): IT builds the leave request
from an empty designer by UI actions alone (fields dragged from the palette, a table, a
visibility condition, a chain of three handled nodes with a branch, field access), submits
it; the Management Center sees the diff and approves; IT publishes; staff start it and it is
completed. An invalid chain is refused with the message on the node concerned. Runs with
CSRF on, as in production."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.pages import act, choose_person, open_from_inbox, sign_in

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "definitions"


def open_designer_tab(page, name: str) -> None:
    page.click(f"#tab-{name}")
    page.wait_for_selector(f"[data-oa-pane={name}]:not(.hidden)")


def wait_until_checked(page) -> None:
    """Let the live check (debounced) answer the latest change before looking at problems."""
    page.wait_for_selector("#designer:not([data-oa-checking])", state="attached")


def drag_field(page, field_type: str, label: str, before: str | None = None) -> None:
    """Drag a field type from the palette onto the canvas (before field ``before``, else at
    the end) and give it a label; its key follows the label."""
    target = f"[data-oa-field-key={before}]" if before else "#form-canvas"
    page.drag_and_drop(
        f"[data-oa-field-type={field_type}]",
        target,
        target_position={"x": 10, "y": 5} if before else None,
    )
    page.fill("#field-panel [name=label]", label)


def panel(page, selector: str) -> str:
    return f"#field-panel {selector}"


def add_node(page, node_type: str, name: str, rule: str | None = None, **details: str) -> None:
    page.select_option("#node-type", node_type)
    page.click("#node-add")
    page.fill("#node-panel [name=node_name]", name)
    if rule:
        page.select_option("#assignee-rule", rule)
    for picker, value in details.items():
        page.wait_for_selector(f"#assignee-{picker}[data-oa-loaded]")
        page.select_option(f"#assignee-{picker}", value)


def select_node(page, node_id: str) -> None:
    page.click(f"#node-list [data-oa-node={node_id}]")


def connect(page, target: str) -> None:
    page.select_option("#edge-target", target)
    page.click("#edge-add")


def edge(page, source: str, target: str) -> str:
    return f"#node-panel [data-oa-edge='{source}>{target}']"


def canvas_keys(page) -> list[str]:
    return page.eval_on_selector_all(
        "#form-canvas [data-oa-field-key]", "cards => cards.map(c => c.dataset.oaFieldKey)"
    )


def build_form(page) -> None:
    open_designer_tab(page, "form")
    drag_field(page, "select", "Leave type")
    page.check(panel(page, "[data-oa-member=required]"))
    page.select_option(panel(page, "[name=width]"), "half")
    page.fill(panel(page, "[data-oa-option-label='0']"), "Annual leave")
    page.fill(panel(page, "[data-oa-option-value='0']"), "annual")
    page.click("#option-add")
    page.fill(panel(page, "[data-oa-option-label='1']"), "Sick leave")
    page.fill(panel(page, "[data-oa-option-value='1']"), "sick")
    page.select_option(panel(page, "[name=default_kind]"), "literal")
    page.select_option(panel(page, "[name=default_value]"), "annual")

    for label in ("First day of leave", "Last day of leave"):
        drag_field(page, "date", label)
        page.check(panel(page, "[data-oa-member=required]"))
        page.select_option(panel(page, "[name=width]"), "third")
    page.select_option(panel(page, "[name=default_kind]"), "today")
    drag_field(page, "computed", "Days")
    page.select_option(panel(page, "[name=width]"), "third")
    page.fill(
        panel(page, "[name=expression]"),
        "days_between(first_day_of_leave, last_day_of_leave) + 1",
    )

    drag_field(page, "textarea", "Reason")
    page.check(panel(page, "[data-oa-member=required]"))
    page.fill(panel(page, "[name=min_length]"), "5")
    drag_field(page, "user", "Handover colleague")
    page.check(panel(page, "[data-oa-member=required]"))

    # The visibility condition is checked as it is typed: a typo is named at once.
    drag_field(page, "attachments", "Medical certificate")
    page.fill(panel(page, "[name=visible_if]"), 'leave_typ == "sick"')
    wait_until_checked(page)
    assert "unknown field 'leave_typ' (did you mean 'leave_type'?)" in page.inner_text(
        "#field-panel"
    )
    page.fill(panel(page, "[name=visible_if]"), 'leave_type == "sick"')
    wait_until_checked(page)
    assert "leave_typ'" not in page.inner_text("#field-panel")

    drag_field(page, "textarea", "HR remarks")
    # The table lands before the HR remarks (dropped on that card's upper edge).
    drag_field(page, "table", "Handover tasks", before="hr_remarks")
    page.click(panel(page, "[data-oa-column=column_1] .oa-column-open"))
    page.fill(panel(page, ".oa-column-editor [name=label]"), "Task")
    page.fill(panel(page, ".oa-column-editor [name=key]"), "task")
    page.check(panel(page, ".oa-column-editor [data-oa-member=required]"))
    page.select_option("#column-type", "date")
    page.click("#column-add")
    page.fill(panel(page, ".oa-column-editor [name=label]"), "Due")

    # Reorder by drag: the reason goes right after the leave type.
    page.drag_and_drop(
        "[data-oa-field-key=reason]",
        "[data-oa-field-key=first_day_of_leave]",
        target_position={"x": 5, "y": 5},
    )
    # And without a mouse: the panel's buttons move the selected field.
    page.click("[data-oa-field-key=hr_remarks]")
    page.click("#field-panel [aria-label='Move up']")
    assert canvas_keys(page)[-2:] == ["hr_remarks", "handover_tasks"]
    page.click("#field-panel [aria-label='Move down']")
    assert canvas_keys(page) == [
        "leave_type",
        "reason",
        "first_day_of_leave",
        "last_day_of_leave",
        "days",
        "handover_colleague",
        "medical_certificate",
        "handover_tasks",
        "hr_remarks",
    ]


def build_chain(page) -> None:
    open_designer_tab(page, "chain")
    add_node(page, "approval", "Department head approval", "department_head")
    add_node(page, "condition", "More than 3 days?")
    add_node(page, "approval", "Leader in charge approval", "leader_in_charge")
    add_node(page, "form_review", "HR records the leave", "role", roles="HR")

    select_node(page, "start")
    page.select_option(edge(page, "start", "end") + " [name=edge_to]", "department_head_approval")
    select_node(page, "department_head_approval")
    connect(page, "more_than_3_days")
    select_node(page, "more_than_3_days")
    connect(page, "leader_in_charge_approval")
    branch = edge(page, "more_than_3_days", "leader_in_charge_approval")
    page.fill(f"{branch} [name=edge_label]", "More than 3 days")
    # The edge condition is checked as it is typed.
    page.fill(f"{branch} [name=edge_condition]", "dayz > 3")
    wait_until_checked(page)
    assert "unknown field 'dayz' (did you mean 'days'?)" in page.inner_text(branch)
    page.fill(f"{branch} [name=edge_condition]", "days > 3")
    connect(page, "hr_records_the_leave")
    page.check(edge(page, "more_than_3_days", "hr_records_the_leave") + " [data-oa-member=default]")
    select_node(page, "leader_in_charge_approval")
    connect(page, "hr_records_the_leave")
    select_node(page, "hr_records_the_leave")
    connect(page, "end")


def set_field_access(page) -> None:
    open_designer_tab(page, "access")
    for node in ("start", "department_head_approval", "leader_in_charge_approval"):
        page.select_option(f"[data-oa-access='hr_remarks@{node}']", "hidden")
    page.select_option("[data-oa-access='hr_remarks@hr_records_the_leave']", "edit")


def test_it_builds_reviews_and_publishes_the_leave_request_and_staff_complete_it(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "designer")
    page.goto(f"{base}/definitions/")
    with page.expect_navigation():
        page.click("#new-in-designer")

    # The definition itself; the key follows the name.
    page.fill("#definition-name", "Leave request (designed)")
    assert page.input_value("#definition-key") == "leave_request_designed"
    page.fill("#definition-category", "Human resources")
    page.wait_for_selector("#definition-department[data-oa-loaded]")
    page.select_option("#definition-department", "GRP/HR")

    build_form(page)
    build_chain(page)
    set_field_access(page)
    wait_until_checked(page)
    expect(page.locator("#designer-no-problems")).to_be_visible()

    page.click("#designer-save")
    page.wait_for_selector("#designer-version-link")
    assert page.url.endswith("/designer/leave_request_designed")

    open_designer_tab(page, "form")
    page.click("[data-oa-field-key=medical_certificate]")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts / "designer-form.png")
    open_designer_tab(page, "chain")
    select_node(page, "more_than_3_days")
    page.evaluate("window.scrollTo(0, 0)")
    for node in ("start", "department_head_approval", "more_than_3_days", "end"):
        assert page.locator(f"#chain-graph [data-oa-graph-node={node}]").count() == 1
    page.screenshot(path=artifacts / "designer-chain-graph.png")
    open_designer_tab(page, "preview")
    page.wait_for_selector("#preview-frame:not([data-oa-loading])", state="attached")
    preview = page.frame_locator("#preview-frame")
    preview.locator("[data-oa-form][data-oa-ready]").wait_for(state="attached")
    preview.locator("[data-oa-field=leave_type] select").select_option("sick")
    expect(preview.locator("[data-oa-field=medical_certificate]")).to_be_visible()
    assert preview.locator("[data-oa-field=hr_remarks]").count() == 0  # hidden at the start
    page.screenshot(path=artifacts / "designer-preview.png")

    with page.expect_navigation():
        page.click("#designer-submit")
    assert page.inner_text("#version-status") == "submitted"

    # The Management Center sees what is new and approves with an opinion.
    sign_in(page, base, "mc")
    page.goto(f"{base}/definitions/leave_request_designed/v1/")
    diff = page.inner_text("#diff")
    assert "leave_type" in diff and "hr_records_the_leave" in diff
    page.fill("#opinion", "Agreed with HR.")
    with page.expect_navigation():
        page.click("#approve")
    assert page.inner_text("#version-status") == "approved"

    sign_in(page, base, "designer")
    page.goto(f"{base}/definitions/leave_request_designed/v1/")
    with page.expect_navigation():
        page.click("#publish")
    assert page.inner_text("#version-status") == "published"

    # Staff start it: 5 days, so the leader in charge approves too.
    sign_in(page, base, "staff")
    page.goto(f"{base}/processes/")
    with page.expect_navigation():
        page.click("[data-oa-process=leave_request_designed] a.btn")
    first = date.today() + timedelta(days=14)
    page.fill("[name=first_day_of_leave]", first.isoformat())
    page.fill("[name=last_day_of_leave]", (first + timedelta(days=4)).isoformat())
    assert page.inner_text("[data-oa-computed=days]").startswith("5")
    page.fill("[name=reason]", "Family visit abroad")
    choose_person(page, "handover_colleague", "Henry", "head")
    page.click("[data-oa-add-row=handover_tasks]")
    page.fill("[name=handover_tasks-0-task]", "Answer the Wu account's orders")
    assert page.locator("[data-oa-field=hr_remarks]").count() == 0
    page.screenshot(path=artifacts / "designer-staff-form.png", full_page=True)
    with page.expect_navigation():
        page.click("#submit-form")
    instance_id = int(re.search(r"/instances/(\d+)", page.url).group(1))
    assert page.inner_text("#instance-status") == "running"

    for handler in ("head", "leader"):
        sign_in(page, base, handler)
        open_from_inbox(page, base, instance_id)
        act(page, "agree")
    sign_in(page, base, "hr")
    open_from_inbox(page, base, instance_id)
    page.fill("[name=hr_remarks]", "Annual entitlement: 10 days left")
    act(page, "agree")
    assert page.inner_text("#instance-status") == "completed"


def test_an_invalid_chain_is_refused_with_the_message_on_the_node(
    live_server, browser_page, artifacts
):
    page, base = browser_page, live_server
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "designer")
    page.goto(f"{base}/definitions/leave_request/")
    with page.expect_navigation():
        page.click("#open-designer")
    open_designer_tab(page, "chain")
    # The department head loses its handler; a new notice node is reached by nothing.
    select_node(page, "department_head")
    page.select_option("#assignee-rule", "")
    add_node(page, "notify", "Tell the payroll office", "initiator")
    connect(page, "end")

    page.click("#designer-submit")
    page.wait_for_selector("#designer-status .text-danger")
    expect(page.locator("#designer-status")).to_have_text(
        "Not submitted: the definition has problems."
    )
    assert "node 'department_head': no assignee rule (who handles this node?)" in page.inner_text(
        "[data-oa-node-problems=department_head]"
    )
    assert "node 'tell_the_payroll_office' cannot be reached from the start" in page.inner_text(
        "[data-oa-node-problems=tell_the_payroll_office]"
    )
    for node in ("department_head", "tell_the_payroll_office"):
        graph_node = page.locator(f"#chain-graph [data-oa-graph-node={node}]")
        assert "oa-graph-node-problem" in graph_node.get_attribute("class")
    select_node(page, "tell_the_payroll_office")
    assert "cannot be reached from the start" in page.inner_text("#node-panel")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=artifacts / "designer-invalid-chain.png")

    # The server kept the draft and did not submit it.
    page.goto(f"{base}/definitions/leave_request/")
    assert "draft" in page.inner_text("#versions tbody tr:first-child")


def test_the_designer_exports_and_imports_json(live_server, browser_page):
    page, base = browser_page, live_server
    page.set_viewport_size(DESKTOP)
    sign_in(page, base, "designer")
    page.goto(f"{base}/designer/leave_request")
    with page.expect_download() as download:
        page.click("#designer-export")
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported == json.loads((EXAMPLES / "leave_request.json").read_text())

    exported["name"] = "Leave request (from a file)"
    exported["fields"].append({"key": "remarks", "type": "text", "label": "Remarks"})
    exported["nodes"][1]["escalation"] = {"after_hours": 48, "to": {"rule": "leader_in_charge"}}
    page.set_input_files(
        "#designer-import",
        files=[
            {
                "name": "leave.json",
                "mimeType": "application/json",
                "buffer": json.dumps(exported).encode(),
            }
        ],
    )
    expect(page.locator("#designer-status")).to_have_text(
        "Loaded leave.json; save to keep it as the draft."
    )
    open_designer_tab(page, "form")
    assert page.locator("[data-oa-field-key=remarks]").count() == 1
    # A member the designer does not know (a newer format's) survives editing that node.
    open_designer_tab(page, "chain")
    select_node(page, "department_head")
    page.fill("#node-panel [name=node_name]", "Head of department")
    with page.expect_download() as download:
        page.click("#designer-export")
    again = json.loads(Path(download.value.path()).read_text())
    assert again["nodes"][1] == {
        **exported["nodes"][1],
        "name": {**exported["nodes"][1]["name"], "en": "Head of department"},
    }
    other = dict(exported, key="expense_claim")
    page.set_input_files(
        "#designer-import",
        files=[
            {
                "name": "other.json",
                "mimeType": "application/json",
                "buffer": json.dumps(other).encode(),
            }
        ],
    )
    expect(page.locator("#designer-status")).to_contain_text("this designer edits 'leave_request'")
    page.set_input_files(
        "#designer-import",
        files=[{"name": "broken.json", "mimeType": "application/json", "buffer": b"{nope"}],
    )
    expect(page.locator("#designer-status")).to_have_text(re.compile(r"^broken\.json is not JSON:"))
    # Changes not saved: leaving the page asks first.
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.accept()))
    page.goto(f"{base}/definitions/")
    assert asked == ["beforeunload"]
