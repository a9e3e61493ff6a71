"""A definition written in Chinese and English reads in the language of whoever looks at it
(issue 18, definition format 2): the catalogue, the start form, the inbox, the instance page's
trace, the definitions pages and the REST API all pick the request's language."""

from __future__ import annotations

from tests.api_client import JwtClient
from tests.conftest import login
from tests.integration.platform.test_staff_pages import start_expense

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.8"}


def page(client, path: str, headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_an_expense_claim_reads_in_chinese_for_one_person_and_in_english_for_another(client):
    login(client, "staff")
    catalogue = page(client, "/processes/", CHINESE)
    assert "费用报销" in catalogue and "经理审批；超过 5,000.00 元" in catalogue
    assert "Expense claim" not in catalogue
    assert "Expense claim" in page(client, "/processes/", ENGLISH)

    form = page(client, "/processes/expense_claim/start", CHINESE)
    assert "事由" in form and "费用明细" in form and "差旅（飞机、火车）" in form
    assert "Purpose" not in form and "Travel (air, rail)" not in form
    english_form = page(client, "/processes/expense_claim/start", ENGLISH)
    assert "Purpose" in english_form and "Travel (air, rail)" in english_form
    client.post("/logout/")

    instance = start_expense(client)
    login(client, "head")
    inbox = page(client, "/inbox/", CHINESE)
    assert "费用报销" in inbox and "经理审批" in inbox and "吴森" in inbox  # the initiator
    english_inbox = page(client, "/inbox/", ENGLISH)
    assert "Manager approval" in english_inbox and "Sam Wu" in english_inbox
    trace = page(client, f"/instances/{instance.id}", CHINESE)
    assert "报销人" in trace and "合计超过 5,000.00 元" in trace and "5,000.00 元及以下" in trace
    assert "Claimant" not in trace
    english = page(client, f"/instances/{instance.id}", ENGLISH)
    assert "Claimant" in english and "Total over 5,000.00?" in english


def test_the_definitions_pages_and_the_api_answer_in_the_asked_language(client):
    login(client, "designer")
    version = page(client, "/definitions/leave_request/v1/", CHINESE)
    assert "部门负责人审批" in version and "分管领导审批" in version
    preview = page(client, "/definitions/leave_request/v1/preview/start", CHINESE)
    assert "假期类型" in preview and "年假" in preview
    assert "Leave type" in page(client, "/definitions/leave_request/v1/preview/start", ENGLISH)

    api = JwtClient(client)
    for headers, label, name in (
        (CHINESE, "事由", "费用报销"),
        (ENGLISH, "Purpose", "Expense claim"),
    ):
        definitions = api("GET", "staff", "/definitions", headers=headers).get_json()["result"]
        expense = next(d for d in definitions if d["key"] == "expense_claim")
        assert expense["name"] == name
        assert expense["fields"][0]["label"] == label


def test_the_review_diff_names_the_language_a_text_changed_in(client):
    import json
    from pathlib import Path

    examples = Path(__file__).resolve().parents[3] / "examples" / "definitions"
    document = json.loads((examples / "leave_request.json").read_text(encoding="utf-8"))
    document["fields"][0]["label"]["en"] = "Kind of leave"
    login(client, "designer")
    saved = client.post("/designer/api/save", json={"document": document, "key": "leave_request"})
    assert saved.status_code == 200, saved.get_json()
    diff = page(client, "/definitions/leave_request/v2/", CHINESE)
    changes = diff.split('id="diff"')[1].split('id="raw-document"')[0]
    changed = changes.split('data-oa-setting="label (en)"')[1].split("</tr>")[0]
    assert "名称 (English)" in changed and "Kind of leave" in changed
    assert 'data-oa-setting="label (zh_CN)"' not in changes
    # What did not change reads as written: Chinese, not \u escapes.
    assert "假期类型" in diff and "\\u5047" not in diff


def test_the_demo_organisation_has_chinese_names_beside_the_english_ones(client):
    from flask_babel import refresh

    from oa_platform.extensions import db
    from oa_platform.org.models import Department, Position
    from tests.conftest import user

    sales = db.session.query(Department).filter_by(code="SALES").one()
    clerk = db.session.query(Position).filter_by(name="Clerk").one()  # rules name it so
    staff = user("staff")
    with client.application.test_request_context(headers=CHINESE):
        refresh()  # the suite's app context may hold a language chosen before
        names = (staff.get_full_name(), sales.shown_name, clerk.shown_name)
        assert names == ("吴森", "销售部", "文员")
        assert str(sales.company) == "示例销售有限公司"
    with client.application.test_request_context(headers=ENGLISH):
        refresh()
        assert staff.get_full_name() == "Sam Wu" and repr(sales) == "Sales Department (SLS)"


def test_a_node_names_its_buttons_in_both_languages(client):
    from tests.runtime_helpers import chain, node, publish, start

    words = {"agree": {"zh_CN": "批准", "en": "Approve"}, "disagree": "Decline"}
    publish(chain("purchase", node("check", "approval", ["head"], buttons=words)))
    instance = start("staff", "purchase", note="Two monitors")
    login(client, "head")
    chinese = page(client, f"/instances/{instance.id}", CHINESE)
    assert ">批准</button>" in chinese and ">Decline</button>" in chinese  # one word for all
    assert ">同意</button>" not in chinese and ">回退</button>" in chinese  # the others' own
    english = page(client, f"/instances/{instance.id}", ENGLISH)
    assert ">Approve</button>" in english and ">Agree</button>" not in english
