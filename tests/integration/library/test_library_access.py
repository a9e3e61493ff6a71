"""Seed 2 §7.1 and regulations §6.2: a library folder opens for its audience, the office and
Auditors only. Everyone else gets 404 for the folder, its files, their downloads (every
version) and finds nothing in the search, on the pages and the REST API alike; a withdrawn
file is gone for readers but kept for the office and Auditors."""

from __future__ import annotations

import pytest

from oa_platform.extensions import db
from oa_platform.library import commands
from tests.api_client import JwtClient
from tests.conftest import login, user
from tests.library_helpers import docx, folder, publish

BOTH_DATABASES = True
# A Sales company folder: staff is in its audience, hr is not, clerk is of the Group Office
# (publishes everywhere), auditor reads everything.
PEOPLE = ("staff", "hr", "clerk", "auditor")
READS = {"staff", "clerk", "auditor"}


def sales_file():
    shelf = folder("销售政策", ["company:SLS"], company="SLS")
    return shelf, publish(shelf, "销售提成办法.docx", docx("提成按季度结算。"))


def addresses(shelf, file) -> list[str]:
    api = "/api/v1/library"
    return [
        f"/library/folders/{shelf.id}",
        f"/library/files/{file.id}",
        f"/library/files/{file.id}/download",
        f"/library/files/{file.id}/versions/1/download",
        f"{api}/folders/{shelf.id}",
        f"{api}/files/{file.id}",
        f"{api}/files/{file.id}/download",
        f"{api}/files/{file.id}/versions/1/download",
    ]


def _get(client, api: JwtClient, who: str, address: str):
    if address.startswith("/api/"):
        api("GET", who, "/definitions")  # logs in for a token once
        headers = {"Authorization": f"Bearer {api.tokens[who]}"}
        return client.get(address, headers=headers)
    return client.get(address)


@pytest.mark.parametrize("who", PEOPLE)
def test_every_library_page_and_endpoint_answers_404_outside_the_audience(demo, who):
    shelf, file = sales_file()
    client = demo.test_client()
    login(client, who)
    api = JwtClient(client)
    for address in addresses(shelf, file):
        expected = 200 if who in READS else 404
        assert _get(client, api, who, address).status_code == expected, (who, address)
    # Search hits and folder lists: nothing of the folder for an outsider.
    page = client.get("/library/?q=提成").get_data(as_text=True)
    assert ("销售提成办法.docx" in page) is (who in READS)
    assert ("销售政策" in client.get("/library/").get_data(as_text=True)) is (who in READS)
    hits = _get(client, api, who, "/api/v1/library/files?q=提成").get_json()["result"]
    assert [hit["id"] for hit in hits] == ([file.id] if who in READS else [])
    folders = _get(client, api, who, "/api/v1/library/folders").get_json()["result"]
    assert (shelf.id in [f["id"] for f in folders]) is (who in READS)


@pytest.mark.parametrize("who", PEOPLE)
def test_a_withdrawn_file_is_404_for_readers_and_kept_for_the_office_and_auditors(demo, who):
    shelf, file = sales_file()
    commands.withdraw(db.session, user("clerk"), file.id, "confidential", "含客户价格，属保密")
    client = demo.test_client()
    login(client, who)
    api = JwtClient(client)
    keeps = {"clerk", "auditor"}
    for address in addresses(shelf, file):
        if "/folders/" in address:
            continue  # the folder itself stays
        expected = 200 if who in keeps else 404
        assert _get(client, api, who, address).status_code == expected, (who, address)
    assert "销售提成办法" not in client.get("/library/?q=提成").get_data(as_text=True)
    if who in keeps:
        page = client.get(f"/library/files/{file.id}").get_data(as_text=True)
        assert "含客户价格，属保密" in page


def test_readers_outside_the_office_cannot_publish_withdraw_or_change_the_audience(demo):
    shelf, file = sales_file()
    for who in ("staff", "head", "auditor"):
        client = demo.test_client()
        login(client, who)
        client.post(f"/library/files/{file.id}/withdraw", data={"as": "invalid", "reason": "x"})
        client.post(f"/library/folders/{shelf.id}/audience", data={"audience": "everyone"})
    outsider = demo.test_client()
    login(outsider, "hr")
    for address in (
        f"/library/files/{file.id}/withdraw",
        f"/library/folders/{shelf.id}/audience",
        f"/library/files/{file.id}/versions",
        f"/library/folders/{shelf.id}/files",
    ):
        assert outsider.post(address, data={"audience": "everyone"}).status_code == 404, address
    db.session.expire_all()
    assert file.status == "current" and shelf.audience == ["company:SLS"]
