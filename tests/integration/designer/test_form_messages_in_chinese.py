"""A form posted with mistakes tells a Chinese reader what is wrong in Chinese (issue 18): each
field's message, beside the field and in the list above the form, names the field with the
Chinese colon ("请假首日：请按 YYYY-MM-DD 填写日期。"); the REST API answers the same words to a
client asking for zh-CN. English readers keep reading English, and a draft may still be saved
without its required values whatever the reader's language."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from oa_platform.extensions import db
from oa_platform.runtime.models import Instance
from tests.conftest import login

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
ENGLISH = {"Accept-Language": "en"}
START = "/processes/leave_request/start"

# A leave request with five mistakes: an unknown leave type, a first day that is no date, no
# last day, a reason shorter than five characters and a colleague who is not in the directory.
MISTAKES = {
    "leave_type": "bogus",
    "start_date": "xx",
    "end_date": "",
    "reason": "探亲",
    "handover_to": "nobody",
    "command": "submit",
}
IN_CHINESE = [
    "假期类型：'bogus' 不是可选项之一。",
    "请假首日：请按 YYYY-MM-DD 填写日期。",
    "请假末日：必填。",
    "事由：须为 5 至 1000 个字符。",
    "工作交接人：'nobody' 不是可选项之一。",
]
IN_ENGLISH = [
    "Leave type: 'bogus' is not one of the options.",
    "First day of leave: is not a date (YYYY-MM-DD).",
    "Last day of leave: is required.",
    "Reason: must be 5 to 1000 characters long.",
    "Handover colleague: 'nobody' is not one of the options.",
]


def _token(page: str) -> str:
    """The CSRF token of the page's form, as the browser posts it back."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _post_as_the_browser(client, data: dict, headers: dict):
    """Open the start form and post it back with the page's own token."""
    page = client.get(START, headers=headers).get_data(as_text=True)
    return client.post(
        START, data={**data, "csrf_token": _token(page)}, headers=headers, csrf=False
    )


def _listed(page: str) -> list[str]:
    """The problems listed above the form."""
    listing = re.search(r'id="form-errors".*?<ul>(.*?)</ul>', page, re.DOTALL).group(1)
    return [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", listing)]


def _beside_fields(page: str) -> list[str]:
    """The messages shown under the fields."""
    found = re.findall(r'<p class="help-block oa-error">(.*?)</p>', page)
    return [html.unescape(message) for message in found]


def test_a_chinese_reader_reads_every_mistake_of_the_leave_request_in_chinese(client):
    login(client, "staff")
    answer = _post_as_the_browser(client, MISTAKES, CHINESE)
    page = answer.get_data(as_text=True)

    assert answer.status_code == 422
    assert _listed(page) == IN_CHINESE
    # Under each field, the message without the field's name (the label is above it).
    assert _beside_fields(page) == [message.split("：", 1)[1] for message in IN_CHINESE]
    assert ": " not in "".join(_listed(page))
    assert db.session.scalar(select(func.count(Instance.id))) == 0


def test_an_english_reader_reads_the_same_mistakes_in_english(client):
    login(client, "staff")
    page = _post_as_the_browser(client, MISTAKES, ENGLISH).get_data(as_text=True)
    assert _listed(page) == IN_ENGLISH


def test_a_chinese_reader_may_save_a_draft_without_the_required_values(client):
    login(client, "staff")
    draft = {"leave_type": "annual", "start_date": "", "reason": "", "command": "draft"}
    answer = _post_as_the_browser(client, draft, CHINESE)
    assert answer.status_code == 302, _listed(answer.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Instance.id))) == 1

    # Any other mistake still refuses the draft, in Chinese.
    wrong = _post_as_the_browser(client, {**draft, "start_date": "xx"}, CHINESE)
    assert _listed(wrong.get_data(as_text=True)) == ["请假首日：请按 YYYY-MM-DD 填写日期。"]


def test_an_api_client_asking_for_chinese_reads_the_expense_claims_mistakes_in_chinese(api):
    claim = {
        "purpose": "上海客户拜访",
        "items": [{"date": "2026-13-01", "category": "taxi", "amount": 0}],
        "payee_name": "吴三",
        "payee_account": "12",
    }
    body = {"definition": "expense_claim", "data": claim}
    answer = api("POST", "staff", "/instances", json=body, headers=CHINESE)

    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "items-0-date": ["费用明细，第 1 行，日期：请按 YYYY-MM-DD 填写日期。"],
        "items-0-category": ["费用明细，第 1 行，类别：'taxi' 不是可选项之一。"],
        "items-0-amount": ["费用明细，第 1 行，金额：不能小于 0.01。"],
        "payee_account": ["收款银行账号：格式不符合要求。"],
        "receipts": ["票据：必填。"],
    }

    # A value of the wrong shape is refused before the form, in the same words.
    rows = api("POST", "staff", "/instances", json=_with(body, items="一张火车票"), headers=CHINESE)
    assert rows.get_json()["errors"] == {"items": ["费用明细：应为行的列表。"]}
    cell = api("POST", "staff", "/instances", json=_with(body, items=["火车"]), headers=CHINESE)
    assert cell.get_json()["errors"] == {
        "items-0": ["费用明细，第 1 行：应为由各列取值组成的对象。"]
    }

    english = api("POST", "staff", "/instances", json=body, headers=ENGLISH)
    assert english.get_json()["errors"]["items-0-amount"] == [
        "Expense items, row 1, Amount: must be at least 0.01."
    ]


def _with(body: dict, **data) -> dict:
    return {**body, "data": {**body["data"], **data}}
