"""Regulations §2.3, §3.2 (issue 19, "Review the Management Center can read"): the
Management Center reviews a new version of a published definition as people see the change:
the form before and after drawn by the renderer staff see, the chain before and after with
the changed nodes and edges marked, each changed setting by its label with its values in
words, and the JSON only behind "Show the document"."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import html

from form_builder import services
from form_builder.models import VersionStatus
from tests.conftest import login, user

BOTH_DATABASES = True
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "definitions"
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.8"}


def leave_document() -> dict:
    document = json.loads((EXAMPLES / "leave_request.json").read_text(encoding="utf-8"))
    document["key"] = "leave_review"
    return document


def node(document: dict, node_id: str) -> dict:
    return next(n for n in document["nodes"] if n["id"] == node_id)


def the_second_version_under_review() -> None:
    """v1 published; v2 adds a phone field, drops the handover colleague, renames the leave
    type in English, makes the head's refusal end the request with 48 hours to decide, and
    puts a Finance check between the leader in charge and HR."""
    lifecycle = services.lifecycle()
    first = lifecycle.save_draft(user("designer"), leave_document())
    lifecycle.submit(user("designer"), first)
    lifecycle.approve(user("mc"), first)
    lifecycle.publish(user("designer"), first)

    changed = leave_document()
    changed["fields"] = [f for f in changed["fields"] if f["key"] != "handover_to"]
    changed["fields"][0]["label"]["en"] = "Kind of leave"
    changed["fields"].append(
        {"key": "phone", "type": "text", "label": {"zh_CN": "联系电话", "en": "Contact phone"}}
    )
    head = node(changed, "department_head")
    head["config"] = {"on_disagree": "terminate"}
    head["deadline_hours"] = 48
    changed["nodes"].insert(
        -1,
        {
            "id": "finance_check",
            "type": "approval",
            "name": {"zh_CN": "财务审核", "en": "Finance check"},
            "assignee": {"rule": "role", "role": "Auditor"},
            "actions": ["agree", "disagree", "transfer"],
        },
    )
    changed["edges"] = [e for e in changed["edges"] if e["from"] != "leader_in_charge"] + [
        {"from": "leader_in_charge", "to": "finance_check"},
        {"from": "finance_check", "to": "hr_record"},
    ]
    second = lifecycle.save_draft(user("designer"), changed)
    lifecycle.submit(user("designer"), second)
    services.session().commit()


def review_page(client, headers=ENGLISH):
    response = client.get("/definitions/leave_review/v2/", headers=headers)
    assert response.status_code == 200
    return html.fromstring(response.get_data(as_text=True))


def marks(tree, box: str, attribute: str) -> dict[str, str]:
    return {
        element.get(attribute): element.get("data-oa-mark")
        for element in tree.xpath(f"//*[@id='{box}']//*[@{attribute}]")
        if element.get("data-oa-mark")
    }


def setting(tree, element: str, member: str) -> list[str]:
    """The label, before and after of one changed setting, as the page reads them."""
    row = tree.xpath(f"//*[@data-oa-element='{element}']//tr[@data-oa-setting='{member}']")
    assert row, (element, member)
    return [cell.text_content().strip() for cell in row[0].xpath("./th|./td")]


def test_the_management_center_sees_the_forms_the_chains_and_the_settings_changed(client):
    the_second_version_under_review()
    login(client, "mc")
    tree = review_page(client)

    # The forms side by side, drawn by the staff's renderer, read-only, changes marked.
    before = marks(tree, "form-before", "data-oa-field")
    after = marks(tree, "form-after", "data-oa-field")
    assert before == {"handover_to": "removed", "leave_type": "changed"}
    assert after == {"phone": "added", "leave_type": "changed"}
    assert tree.xpath("//*[@id='form-after']//fieldset[@disabled]")
    assert tree.xpath("//*[@id='form-after']//input[@name='after-phone']")
    assert tree.xpath("//*[@id='form-before']//select[@name='before-handover_to']")
    # A field hidden from the applicant is still shown to the reviewer.
    assert tree.xpath("//*[@id='form-after']//*[@data-oa-field='hr_remarks']")

    # The chains before and after, changed nodes and edges marked.
    chain_before = marks(tree, "chain-before", "data-oa-node")
    chain_after = marks(tree, "chain-after", "data-oa-node")
    assert chain_before == {"department_head": "changed"}
    assert chain_after == {"department_head": "changed", "finance_check": "added"}
    assert marks(tree, "chain-before", "data-oa-edge") == {"leader_in_charge-hr_record": "removed"}
    assert marks(tree, "chain-after", "data-oa-edge") == {
        "leader_in_charge-finance_check": "added",
        "finance_check-hr_record": "added",
    }
    assert [e.get("data-oa-legend") for e in tree.xpath("//*[@data-oa-legend]")] == [
        "added",
        "removed",
        "changed",
    ]

    # Settings by their labels, values in words.
    assert setting(tree, "node:department_head", "config.on_disagree") == [
        "When a handler disagrees",
        "Not set (default: Return it to the initiator)",
        "End the request (terminated)",
    ]
    assert setting(tree, "node:department_head", "deadline_hours") == [
        "Deadline (hours)",
        "24",
        "48",
    ]
    assert setting(tree, "node:finance_check", "assignee") == [
        "Handled by",
        "—",
        "Everyone with a role: Auditor",
    ]
    assert setting(tree, "node:finance_check", "actions")[2] == "Agree, Disagree, Transfer"
    assert setting(tree, "field:leave_type", "label (en)") == [
        "Label (English)",
        "Leave type",
        "Kind of leave",
    ]
    assert tree.xpath("//*[@data-oa-element='field:handover_to'][@data-oa-kind='removed']")
    assert tree.xpath("//*[@data-oa-element='edge:leader_in_charge -> hr_record']")

    # The stored words only behind "Show the document".
    reviewed = tree.xpath("//*[@id='review']")[0]
    raw = tree.xpath("//details[@id='raw-document']")[0]
    assert raw.get("open") is None
    assert '"on_disagree": "terminate"' in raw.text_content()
    raw.drop_tree()
    for stored in ("on_disagree", "deadline_hours", "return_to_initiator", '"rule"'):
        assert stored not in reviewed.text_content()


def test_the_review_reads_in_the_reviewers_language(client):
    the_second_version_under_review()
    login(client, "mc")
    tree = review_page(client, CHINESE)
    assert setting(tree, "node:department_head", "config.on_disagree") == [
        "处理人不同意时",
        "未设置（默认：退回发起人）",
        "终止流程",
    ]
    assert setting(tree, "node:finance_check", "actions")[2] == "同意、不同意、转办"
    heading = tree.xpath("//*[@data-oa-element='node:finance_check']//*[@data-oa-kind]")[0]
    assert heading.text_content().strip() == "新增"
    removed = tree.xpath("//*[@id='form-before']//*[@data-oa-field='handover_to']//*[@class]")
    assert "删除" in [e.text_content().strip() for e in removed]
    names = [t.text_content() for t in tree.xpath("//*[@id='chain-after']//*[@data-oa-node]/*")]
    assert any("财务审核" in name for name in names)
    assert "显示文档" in tree.xpath("//*[@id='show-document']")[0].text_content()


def test_a_first_version_is_reviewed_as_all_new(client):
    lifecycle = services.lifecycle()
    first = lifecycle.save_draft(user("designer"), leave_document())
    lifecycle.submit(user("designer"), first)
    services.session().commit()
    login(client, "mc")
    response = client.get("/definitions/leave_review/v1/", headers=ENGLISH)
    tree = html.fromstring(response.get_data(as_text=True))
    assert not tree.xpath("//*[@id='chain-before']")
    assert "No earlier version" in tree.xpath("//*[@id='form-before']")[0].text_content()
    after = marks(tree, "form-after", "data-oa-field")
    assert set(after.values()) == {"added"} and "leave_type" in after
    assert set(marks(tree, "chain-after", "data-oa-node").values()) == {"added"}


def test_only_who_may_read_definitions_sees_the_review_and_approving_still_works(client):
    the_second_version_under_review()
    login(client, "staff")
    assert client.get("/definitions/leave_review/v2/").status_code == 403  # the role matrix
    client.post("/logout/")
    login(client, "mc")
    assert client.get("/definitions/leave_review/v9/").status_code == 404
    tree = review_page(client)
    token = tree.xpath("//form[@id='review-form']//input[@name='csrf_token']")[0].get("value")
    response = client.post(
        "/definitions/leave_review/v2/approve", data={"csrf_token": token, "opinion": "Agreed."}
    )
    assert response.status_code == 302
    services.session().expire_all()
    version = services.lifecycle().definition("leave_review").versions[-1]
    assert (version.status, version.review_opinion) == (VersionStatus.APPROVED, "Agreed.")
