"""Simplified Chinese by default, English on request, the choice kept per person, times in the
company's time zone (issue 18).

The rest of the suite runs with ``OA_DEFAULT_LOCALE=en`` (tests/conftest.py) and reads
English; these tests build the app with the shipped default, ``zh_CN``.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.api_client import JwtClient
from tests.conftest import login, user

LEAVE = {
    "leave_type": "annual",
    "start_date": "2026-12-01",
    "end_date": "2026-12-02",
    "reason": "Family visit",
    "handover_to": "head",
}


@pytest.fixture
def zh(app_factory):
    """The demo on an app with the shipped language settings."""
    import config
    from oa_platform.demo import load_demo_data

    app = app_factory(OA_DEFAULT_LOCALE=config.OA_DEFAULT_LOCALE)
    with app.app_context():
        load_demo_data()
    return app


def test_the_shipped_default_is_simplified_chinese_in_the_company_time_zone():
    import config

    assert config.OA_DEFAULT_LOCALE == "zh_CN"
    assert set(config.LANGUAGES) == {"zh_CN", "en"}
    assert config.OA_TIMEZONE == "Asia/Shanghai"


def test_pages_are_chinese_unless_the_browser_asks_for_english(zh):
    client = zh.test_client()
    page = client.get("/login/").get_data(as_text=True)
    assert "用户名" in page and "Username" not in page  # FAB's own catalog

    login(client, "staff")
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert "待办事项" in inbox and "我发起的" in inbox and "知会我的" in inbox
    assert "时间为中国时间。" in inbox  # times are shown in Asia/Shanghai, and say so
    assert "Initiated by me" not in inbox
    assert "发起流程" in client.get("/processes/").get_data(as_text=True)

    english = client.get("/inbox/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    text = english.get_data(as_text=True)
    assert "Initiated by me" in text and "Times are in China Time." in text


def test_the_language_menu_is_remembered_for_the_person(zh):
    client = zh.test_client()
    login(client, "staff")
    chosen = client.get("/lang/en")
    assert chosen.status_code == 302
    with zh.app_context():
        assert user("staff").locale == "en"

    # Another browser asking for Chinese: the saved choice wins once signed in.
    other = zh.test_client()
    chinese = {"Accept-Language": "zh-CN,zh;q=0.9"}
    assert "用户名" in other.get("/login/", headers=chinese).get_data(as_text=True)
    login(other, "staff")
    assert "Initiated by me" in other.get("/inbox/", headers=chinese).get_data(as_text=True)

    assert other.get("/lang/zh_CN").status_code == 302
    assert "我发起的" in other.get("/inbox/").get_data(as_text=True)
    assert other.get("/lang/fr").status_code == 404


def test_the_refused_disagree_without_an_opinion_reads_chinese(zh):
    api = JwtClient(zh.test_client())
    started = api(
        "POST", "staff", "/instances", json={"definition": "leave_request", "data": LEAVE}
    )
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["result"]["id"]
    task = api.task_of("head", instance_id)

    refused = api("POST", "head", f"/tasks/{task['id']}/actions", json={"action": "disagree"})
    assert refused.status_code == 422
    assert refused.get_json()["message"].startswith("在「")
    assert "不同意须填写意见" in refused.get_json()["message"]

    english = api(
        "POST",
        "head",
        f"/tasks/{task['id']}/actions",
        json={"action": "disagree"},
        headers={"Accept-Language": "en"},
    )
    assert "An opinion is required to disagree" in english.get_json()["message"]

    # The page: the buttons are the regulations' words, the refusal too.
    client = zh.test_client()
    login(client, "head")
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    for word in ("同意", "不同意", "审批意见", "流程跟踪", "审批中"):
        assert word in page


def test_times_are_shown_in_the_company_time_zone_as_each_language_writes_them(zh):
    from flask_babel import force_locale

    from oa_platform.i18n import format_day, format_money, format_when

    stored = datetime(2026, 5, 3, 22, 5)  # naive UTC, as stored
    with zh.test_request_context():
        with force_locale("zh_CN"):
            assert format_when(stored) == "2026-05-04 06:05"
            assert format_day(stored) == "2026年5月4日"
            assert format_money("12345.5") == "¥12,345.50"
        with force_locale("en"):
            assert format_when(stored) == "4 May 2026, 06:05"
            assert format_day(stored) == "4 May 2026"
            assert format_money("12345.5") == "CN¥12,345.50"
        assert format_when(None) == "—"


def test_the_commands_refusals_read_chinese_and_english_on_request(zh):
    api = JwtClient(zh.test_client())
    started = api(
        "POST", "staff", "/instances", json={"definition": "leave_request", "data": LEAVE}
    )
    instance_id = started.get_json()["result"]["id"]
    task = api.task_of("head", instance_id)
    path = f"/tasks/{task['id']}/actions"

    nobody = {"action": "transfer", "users": ["nobody"], "opinion": "请代办"}
    refused = api("POST", "head", path, json=nobody).get_json()["message"]
    assert refused == "没有在职用户「nobody」。"
    long = {"action": "disagree", "opinion": "长" * 4001}
    refused = api("POST", "head", path, json=long).get_json()["message"]
    assert refused == "意见长 4,001 个字符，最多只能 4,000 个。"
    english = api("POST", "head", path, json=nobody, headers={"Accept-Language": "en"})
    assert english.get_json()["message"] == "There is no active user 'nobody'."


def test_the_designer_names_its_field_and_node_types_in_chinese(zh):
    client = zh.test_client()
    login(client, "designer")
    page = client.get("/designer/").get_data(as_text=True)
    boot = json.loads(page.split('id="designer-boot">')[1].split("</script>")[0])
    palette = {entry["name"]: entry["label"] for entry in boot["fieldTypes"]}
    assert palette["number"] == "数字" and palette["select"] == "下拉框"
    assert palette["table"] == "明细表" and palette["checkbox"] == "是/否"
    admin = zh.test_client()
    login(admin, "admin")
    listing = admin.get("/admin/node-types/").get_data(as_text=True)
    assert "审批" in listing and "表单审核" in listing and "协同（会签）" in listing


def test_an_upload_refused_by_its_content_is_told_in_chinese(zh):
    from form_builder.attachments import AttachmentPolicy, AttachmentRefused

    policy = AttachmentPolicy("发票", ("pdf",), max_files=1, max_mb=1)
    with zh.test_request_context():
        with pytest.raises(AttachmentRefused) as refused:
            policy.check("invoice.pdf", b"PK\x03\x04not really a zip")
        message = str(refused.value)
        assert message == "发票：'invoice.pdf' 不是PDF 文件（其内容为已损坏的 ZIP 压缩包）。"
        assert policy.check_count(2) == "发票：最多可附加 1 个文件。"
