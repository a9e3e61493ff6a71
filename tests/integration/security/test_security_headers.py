"""Every answer carries the security headers, and every page runs under its
Content-Security-Policy: no inline script without the request's nonce, no inline event
handler, no ``javascript:`` link (issue 17, defect 10). Regulations §6.3: information in the
system falls under the company's confidentiality rules, so pages are never cached.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.runtime_helpers import start

PAGES = [
    "/",
    "/inbox/",
    "/processes/",
    "/processes/leave_request/start",
    "/notifications/",
    "/agents/",
    "/myteam/",
    "/users/list/",
    "/users/add",
    "/companymodelview/list/",
    "/definitions/",
    "/definitions/import",
    "/designer/",
    "/reports/overtime/",
    "/swagger/v1",
    "/changepassword/form",
    "/admin/node-types/",
]
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _nonce(answer) -> str:
    policy = answer.headers["Content-Security-Policy"]
    found = re.search(r"'nonce-([^']+)'", policy)
    assert found, policy
    return found.group(1)


def test_pages_send_the_security_headers_and_are_not_cached(client):
    login(client, "admin")
    for address in ["/login/", "/inbox/", "/myteam/", "/api/v1/process/definitions"]:
        answer = client.get(address)
        policy = answer.headers["Content-Security-Policy"]
        assert "script-src 'self' 'nonce-" in policy, address
        assert "frame-ancestors 'self'" in policy  # the designer frames its own preview
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert answer.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert answer.headers["Cache-Control"] == "no-store", address
        assert "Strict-Transport-Security" not in answer.headers  # plain HTTP here


def test_each_request_gets_a_new_nonce_and_static_files_stay_cacheable(client):
    first, second = client.get("/login/"), client.get("/login/")
    assert _nonce(first) != _nonce(second)
    static = client.get("/static/appbuilder/js/ab.js")
    assert static.status_code == 200
    assert static.headers.get("Cache-Control") != "no-store"


def test_the_page_showing_a_one_time_password_is_not_cached(client):
    """§4.1: the head resets a member's password; the one-time password is shown once."""
    login(client, "head")
    from tests.conftest import user

    answer = client.post(f"/resetpassword/form?pk={user('staff').id}")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"


def test_hsts_is_sent_when_the_session_cookie_is_secure(app_factory):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    answer = app.test_client().get("/login/", base_url="https://localhost")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize("username", ["admin", "staff"])
def test_every_inline_script_carries_the_requests_nonce(client, username):
    instance = start("staff", "leave_request")
    login(client, username)
    pages = [*PAGES, f"/instances/{instance.id}"]
    for address in pages:
        answer = client.get(address)
        if answer.status_code != 200 or "html" not in answer.content_type:
            continue
        page = answer.get_data(as_text=True)
        nonce = _nonce(answer)
        for attributes, body in _SCRIPT.findall(page):
            if "src=" in attributes or 'type="application/json"' in attributes:
                continue
            assert f'nonce="{nonce}"' in attributes, (address, body.strip()[:80])
        assert not _HANDLER.search(page), (address, _HANDLER.search(page).group(0))
        assert "javascript:" not in page, address


def test_the_csrf_refusal_page_has_no_inline_script_link(client):
    login(client, "staff")
    answer = client.post("/notifications/read-all", csrf=False)
    assert answer.status_code == 400
    assert "javascript:" not in answer.get_data(as_text=True)
