"""Every notice the platform writes, passed on to a group bot of DingTalk, WeCom or Feishu.

An event integration (``plugins.events``): its ``notified`` hook runs after the transaction
that wrote the notice has committed, with the person's user name, the notice's kind, its one
line (already in the reader's language) and the path of the page it links to. Settings, from
the environment (never from a definition, so no designer can point it elsewhere):

- ``OA_MESSENGER``: ``dingtalk``, ``wecom`` or ``feishu``;
- ``OA_MESSENGER_WEBHOOK``: the bot's webhook URL (with its access token);
- ``OA_MESSENGER_SECRET``: the signing secret (DingTalk "加签", Feishu "签名校验"); optional;
- ``OA_MESSENGER_KINDS``: the kinds passed on, comma-separated (default: all);
- ``OA_BASE_URL``: the site's address, for the link.

The post is made on a worker thread, so the request that caused the notice does not wait for
the messenger; a failure is logged, and the notice stays in the bell (and mail) as ever.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import time
import urllib.parse
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from plugins.events import hookimpl
from plugins.safe_http import AllowList, post_json

log = logging.getLogger(__name__)
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oa-messenger")


def _text(username: str, subject: str, url: str) -> str:
    return f"@{username} {subject}\n{url}"


def dingtalk(webhook: str, secret: str, text: str, now_ms: int) -> tuple[str, dict[str, Any]]:
    """DingTalk custom robot: a text message; signed in the URL when a secret is set."""
    if secret:
        to_sign = f"{now_ms}\n{secret}".encode()
        digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(base64.b64encode(digest))
        webhook = f"{webhook}&timestamp={now_ms}&sign={sign}"
    return webhook, {"msgtype": "text", "text": {"content": text}}


def wecom(webhook: str, secret: str, text: str, now_ms: int) -> tuple[str, dict[str, Any]]:
    """WeCom (企业微信) group robot: a text message (its key in the URL is the secret)."""
    return webhook, {"msgtype": "text", "text": {"content": text}}


def feishu(webhook: str, secret: str, text: str, now_ms: int) -> tuple[str, dict[str, Any]]:
    """Feishu (飞书) custom bot: a text message; signed in the body when a secret is set."""
    payload: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
    if secret:
        timestamp = str(now_ms // 1000)
        key = f"{timestamp}\n{secret}".encode()
        sign = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        payload.update(timestamp=timestamp, sign=sign)
    return webhook, payload


MESSENGERS: Mapping[str, Callable[[str, str, str, int], tuple[str, dict[str, Any]]]] = {
    "dingtalk": dingtalk,
    "wecom": wecom,
    "feishu": feishu,
}


def message_for(
    username: str, kind: str, subject: str, link: str, env: Mapping[str, str], now_ms: int
) -> tuple[str, dict[str, Any]] | None:
    """(URL, JSON body) to post for a notice, or None when it is not passed on."""
    build = MESSENGERS.get(env.get("OA_MESSENGER", "").strip().lower())
    webhook = env.get("OA_MESSENGER_WEBHOOK", "").strip()
    if build is None or not webhook:
        return None
    kinds = {k.strip() for k in env.get("OA_MESSENGER_KINDS", "").split(",") if k.strip()}
    if kinds and kind not in kinds:
        return None
    url = env.get("OA_BASE_URL", "http://127.0.0.1:5000").rstrip("/") + link
    return build(webhook, env.get("OA_MESSENGER_SECRET", ""), _text(username, subject, url), now_ms)


def _post(url: str, body: dict[str, Any]) -> None:
    try:
        answer = post_json(url, body, allow=AllowList(), timeout=5.0)
        if answer.status >= 400:
            log.warning("messenger answered %s: %s", answer.status, answer.body[:200])
    except Exception:  # the messenger is a convenience: the notice is in the bell anyway
        log.exception("messenger post failed")


@hookimpl
def notified(username: str, kind: str, subject: str, link: str) -> None:
    """Pass the notice on (see the module docstring)."""
    found = message_for(username, kind, subject, link, os.environ, int(time.time() * 1000))
    if found is not None:
        _worker.submit(_post, *found)
