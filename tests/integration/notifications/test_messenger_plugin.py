"""The example messenger integration (examples/oa_messenger_plugin): every notice also goes to
a DingTalk, WeCom or Feishu group bot, signed as each platform checks, after the commit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sys
import urllib.parse
from pathlib import Path

import pytest

from oa_platform.extensions import db
from plugins.events import event_manager
from tests.runtime_helpers import act_at, start

PLUGIN = Path(__file__).resolve().parents[3] / "examples" / "oa_messenger_plugin"
NOW_MS = 1_767_225_600_000


@pytest.fixture
def webhooks(monkeypatch):
    """The example's module, registered as an installed integration would be."""
    monkeypatch.syspath_prepend(str(PLUGIN))
    sys.modules.pop("oa_messenger_plugin.webhooks", None)
    from oa_messenger_plugin import webhooks as module

    manager = event_manager()
    manager.register(module, name="messenger-test")
    yield module
    manager.unregister(name="messenger-test")


def env(kind: str, secret: str = "", kinds: str = "") -> dict[str, str]:
    hooks = {
        "dingtalk": "https://oapi.dingtalk.com/robot/send?access_token=t0k",
        "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k3y",
        "feishu": "https://open.feishu.cn/open-apis/bot/v2/hook/h00k",
    }
    return {
        "OA_MESSENGER": kind,
        "OA_MESSENGER_WEBHOOK": hooks[kind],
        "OA_MESSENGER_SECRET": secret,
        "OA_MESSENGER_KINDS": kinds,
        "OA_BASE_URL": "https://oa.example.com/",
    }


def test_each_messenger_gets_its_own_message_and_signature(webhooks):
    line = ("head", "task", "To do: Check — Claim 1", "/instances/5?task=9")
    text = "@head To do: Check — Claim 1\nhttps://oa.example.com/instances/5?task=9"

    url, body = webhooks.message_for(*line, env("dingtalk", "SEC1"), NOW_MS)
    assert body == {"msgtype": "text", "text": {"content": text}}
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    expected = hmac.new(b"SEC1", f"{NOW_MS}\nSEC1".encode(), hashlib.sha256).digest()
    assert query["access_token"] == ["t0k"] and query["timestamp"] == [str(NOW_MS)]
    assert base64.b64decode(query["sign"][0]) == expected

    url, body = webhooks.message_for(*line, env("wecom"), NOW_MS)
    assert url.endswith("key=k3y") and body == {"msgtype": "text", "text": {"content": text}}

    url, body = webhooks.message_for(*line, env("feishu", "SEC2"), NOW_MS)
    key = f"{NOW_MS // 1000}\nSEC2".encode()
    assert body == {
        "msg_type": "text",
        "content": {"text": text},
        "timestamp": str(NOW_MS // 1000),
        "sign": base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode(),
    }

    assert webhooks.message_for(*line, env("wecom", kinds="returned,urged"), NOW_MS) is None
    assert webhooks.message_for(*line, {"OA_MESSENGER": "telegram"}, NOW_MS) is None


def test_every_committed_notice_is_posted_once_to_the_bot(webhooks, demo, monkeypatch):
    for name, value in env("wecom", kinds="task,approved").items():
        monkeypatch.setenv(name, value)
    posted = []
    monkeypatch.setattr(webhooks._worker, "submit", lambda post, url, body: posted.append(body))
    instance = start("staff", "leave_request")
    assert [b["text"]["content"].split("\n")[0] for b in posted] == [
        f"@head To do: Department head approval — {instance.title}"
    ]
    act_at(instance, "head", "agree")
    assert sorted(b["text"]["content"].split(" ")[0] for b in posted[1:]) == ["@leader", "@staff"]
    db.session.rollback()
