"""Seed 2 §3.1, §4.2: the office registers a document received from outside (its scan and
header) under its own incoming number and routes it through the shipped reading definition:
拟办 (proposal), 批办 (the leader's instruction), 承办 (handling), 阅知 (reading)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from oa_platform.runtime.exceptions import RuntimeCommandError
from oa_platform.runtime.services import runtime
from tests.conftest import user
from tests.runtime_helpers import PDF, act_at, refresh, state


def register(**overrides: str):
    post = MultiDict(
        {
            "sender": "市应急管理局",
            "original_number": "应急〔2026〕45号",
            "received_on": date.today().isoformat(),
            "title": "关于开展安全生产大检查的通知",
            "urgency": "urgent",
            "security_level": "ordinary",
            "registering_unit": "GRP/OFFICE",
            **overrides,
        }
    )
    scan = FileStorage(io.BytesIO(PDF), filename="来文扫描.pdf", name="scan-files")
    return runtime().submit(
        user("clerk"), "incoming_document", post, MultiDict([("scan-files", scan)])
    )


def test_an_incoming_document_is_numbered_and_routed_to_completion(demo):
    instance = register()
    year = date.today().year
    assert refresh(instance).values["incoming_number"] == f"收文〔{year}〕1号"
    act_at(
        instance,
        "secretary",
        "agree",
        "proposal",
        formdata=MultiDict({"proposal": "请安全部门牵头办理。"}),
    )
    act_at(instance, "leader", "agree", "instruction", formdata=MultiDict({"handler": "head"}))
    assert state(instance) == {("handling", "head", "open")}
    act_at(instance, "head", "agree", "handling")
    done = refresh(instance)
    assert done.status == "completed"
    assert done.values["proposal"] == "请安全部门牵头办理。"
    # 阅知: the unit heads got a copy to read.
    readers = {t.assignee.username for t in done.tasks if t.node_id == "reading"}
    assert {"head", "leader"} <= readers
    second = register(title="关于做好节日值班工作的通知")
    assert refresh(second).values["incoming_number"] == f"收文〔{year}〕2号"


def test_a_confidential_incoming_document_is_not_registered(demo):
    with pytest.raises(RuntimeCommandError) as refused:
        register(security_level="top_secret")
    assert "§6.3" in str(refused.value)
