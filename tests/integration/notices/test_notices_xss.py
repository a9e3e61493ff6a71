"""Regulations §8.3 (nothing that harms the company, in any area of the system): script and
event-handler HTML written into a notice comes out inert on every page that shows it (the
dashboard, the lists, the notice, the approver's task) and in the API: the title and file
names escaped, the text through the one sanitizer (plugins/sanitize.py)."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from werkzeug.datastructures import FileStorage, MultiDict

from oa_platform.runtime.services import runtime
from tests.api_client import JwtClient
from tests.conftest import login, user
from tests.notice_helpers import KEY, approve, notice_form, released
from tests.runtime_helpers import PDF

TITLE = '<script>alert("title")</script><img src=x onerror=alert(1)>'
BODY = (
    '<p onclick="alert(2)">演练<img src="x" onerror="alert(3)"></p>'
    "<script>alert(4)</script>"
    '<a href="javascript:alert(5)">路线</a>'
    '<svg onload="alert(6)"></svg><iframe src="https://evil.example"></iframe>'
    '<div style="background:url(javascript:alert(7))">安全</div>'
)
FILE_NAME = "<img src=x onerror=alert(8)>.pdf"
LIVE = ("<script", "onerror", "onclick", "onload", "javascript:", "<iframe", "<svg", "<img")


def hostile_notice():
    upload = FileStorage(io.BytesIO(PDF), filename=FILE_NAME, name="attachments-files")
    instance = runtime().submit(
        user("staff"),
        KEY,
        notice_form(title=TITLE, body=BODY),
        MultiDict([("attachments-files", upload)]),
    )
    return instance


class _Live(HTMLParser):
    """What a browser would run: event-handler attributes, javascript: addresses, scripts
    with the payload, embedded frames, the payload's images."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "iframe" or (tag == "img" and dict(attrs).get("src") == "x"):
            self.found.append(f"<{tag}>")
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append("<script>alert")


def assert_inert(page: str, where) -> None:
    parser = _Live()
    parser.feed(page)
    assert parser.found == [], where


def test_hostile_html_in_a_notice_is_inert_on_every_page(demo):
    instance = hostile_notice()
    head = demo.test_client()
    login(head, "head")
    # The approver reads it on the task page before it is released.
    assert_inert(head.get(f"/instances/{instance.id}").get_data(as_text=True), "task page")
    notice = released(approve(instance))
    for who in ("hr", "head", "staff"):
        client = demo.test_client()
        login(client, who)
        pages = {
            "dashboard": "/",
            "list": "/notices/",
            "published": "/notices/?tab=published",
            "notice": f"/notices/{notice.id}",
        }
        for where, address in pages.items():
            page = client.get(address).get_data(as_text=True)
            assert_inert(page, (who, where))
        shown = client.get(f"/notices/{notice.id}").get_data(as_text=True)
        assert "&lt;script&gt;" in shown  # the title, escaped, still readable
        assert "演练" in shown and "安全" in shown  # the text's words survive


def test_the_api_returns_the_text_sanitized(demo):
    notice = released(approve(hostile_notice()))
    client = demo.test_client()
    api = JwtClient(client)
    api("GET", "hr", "/definitions")
    headers = {"Authorization": f"Bearer {api.tokens['hr']}"}
    answer = client.get(f"/api/v1/notices/{notice.id}", headers=headers, csrf=False)
    assert answer.mimetype == "application/json"
    body = answer.get_json()["result"]["body"]
    for piece in LIVE:
        assert piece not in body, piece
    assert "演练" in body


def test_the_stored_text_is_cleaned_again_on_the_page(demo):
    """A body stored by an older allow-list (or written past it) is cleaned on its way out."""
    from oa_platform.extensions import db

    notice = released(approve(hostile_notice()))
    notice.body = BODY  # as if stored unclean
    db.session.commit()
    client = demo.test_client()
    login(client, "hr")
    assert_inert(client.get(f"/notices/{notice.id}").get_data(as_text=True), "notice")
