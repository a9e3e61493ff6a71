"""Seed 2 §6.2-§6.3: a document opens for its recipients, the issuing side and Auditors only.
Everyone else gets 404 on every document page and endpoint, the attachments and the PDF
included; the board is the issuing side's and the Auditors'; only the issuer withdraws."""

from __future__ import annotations

import io

import pytest
from werkzeug.datastructures import FileStorage, MultiDict

from oa_platform.runtime.services import runtime
from tests.api_client import JwtClient
from tests.conftest import login, user
from tests.document_helpers import KEY, draft_form, issued, sign_through
from tests.runtime_helpers import PDF

BOTH_DATABASES = True
# Who is who for the demo's document: staff received it, hr did not, clerk drafted it and
# leader signed it off (the issuing side), auditor audits.
PEOPLE = ("staff", "hr", "clerk", "auditor")
READS = {"staff", "clerk", "auditor"}
WATCHES = {"clerk", "auditor"}  # the board


def issue_with_attachment():
    upload = FileStorage(io.BytesIO(PDF), filename="原件扫描.pdf", name="attachments-files")
    instance = runtime().submit(
        user("clerk"), KEY, draft_form(), MultiDict([("attachments-files", upload)])
    )
    return issued(sign_through(instance))


def pages(document) -> list[tuple[str, str, dict[str, int]]]:
    """(method, address, {who: status}); anyone not named gets 404. Readers who may not do
    a thing are told so (a page: back with the reason, 302; the API: 403 or 409)."""
    base = f"/documents/{document.id}"
    api = f"/api/v1/documents/{document.id}"
    attachment = document.attachments[0]["id"]
    read = dict.fromkeys(READS, 200)
    watch = dict.fromkeys(WATCHES, 200)
    return [
        ("GET", api, read),
        ("GET", f"{api}/board", watch),
        ("POST", f"{api}/acknowledge", {"staff": 200, "clerk": 403, "auditor": 403}),
        ("POST", f"{api}/urge", {"clerk": 200, "auditor": 409}),
        ("GET", base, read),
        ("GET", f"{base}/redhead", read),
        ("GET", f"{base}/pdf", read),
        ("GET", f"{base}/attachments/{attachment}", read),
        ("GET", f"{base}/board", watch),
        ("POST", f"{base}/acknowledge", dict.fromkeys(READS, 302)),
        ("POST", f"{base}/urge", dict.fromkeys(WATCHES, 302)),
        ("POST", f"{base}/withdraw", dict.fromkeys(WATCHES, 302)),
    ]


@pytest.mark.parametrize("who", PEOPLE)
def test_every_document_page_and_endpoint_answers_404_to_whoever_may_not_open_it(demo, who):
    document = issue_with_attachment()
    client = demo.test_client()
    login(client, who)
    api = JwtClient(client)
    api("GET", who, "/definitions")  # logs in for a token
    for method, address, allowed in pages(document):
        if address.startswith("/api/"):
            headers = {"Authorization": f"Bearer {api.tokens[who]}"}
            answer = client.open(address, method=method, headers=headers, csrf=False)
        else:
            answer = client.open(address, method=method, data={"reason": "范围有误"})
        expected = allowed.get(who, 404)
        assert answer.status_code == expected, (who, method, address, answer.status_code)


def test_a_non_recipient_finds_nothing_in_the_lists_and_the_library(demo):
    document = issue_with_attachment()
    outsider = demo.test_client()
    login(outsider, "hr")
    for tab in ("received", "sent", "library"):
        page = outsider.get(f"/documents/?tab={tab}&q=报销").get_data(as_text=True)
        assert document.number not in page, tab
    api = JwtClient(outsider)
    api("GET", "hr", "/definitions")
    mine = outsider.get(
        "/api/v1/documents/", headers={"Authorization": f"Bearer {api.tokens['hr']}"}
    ).get_json()["result"]
    assert mine == []
