"""The library's REST API as a mobile client uses it with only a JWT (issue 21, item 6): the
folders it reads, a folder's files, the search, a file with its versions and the downloads,
all in the OpenAPI spec."""

from __future__ import annotations

from oa_platform.extensions import db
from oa_platform.library import commands
from tests.api_client import JwtClient
from tests.conftest import user
from tests.library_helpers import docx, folder, pdf, publish

BOTH_DATABASES = True


def _get(api: JwtClient, username: str, path: str):
    api("GET", username, "/definitions")  # logs in for a token once
    return api.client.get(
        f"/api/v1/library{path}", headers={"Authorization": f"Bearer {api.tokens[username]}"}
    )


def test_a_mobile_client_lists_searches_and_downloads_library_files(demo):
    shelf = folder("培训资料")
    file = publish(shelf, "安全培训.docx", docx("消防安全培训要点"), description="每年更新")
    commands.add_version(
        db.session,
        user("clerk"),
        file.id,
        commands.Upload("安全培训.pdf", pdf("Fire safety")),
        "PDF",
    )
    api = JwtClient(demo.test_client())

    folders = _get(api, "staff", "/folders").get_json()["result"]
    assert folders == [
        {"id": shelf.id, "name": "培训资料", "company": "GRP", "department": None, "files": 1}
    ]
    listed = _get(api, "staff", f"/folders/{shelf.id}").get_json()["result"]
    assert [(f["name"], f["version"]) for f in listed["files"]] == [("安全培训.docx", 2)]
    assert [f["id"] for f in _get(api, "staff", "/files?q=safety").get_json()["result"]] == [
        file.id
    ]
    assert _get(api, "staff", "/files?q=消防").get_json()["result"] == []  # version 1's text
    assert _get(api, "staff", "/files").status_code == 400  # no words: the field is named
    one = _get(api, "staff", f"/files/{file.id}").get_json()["result"]
    assert [(v["number"], v["file_name"], v["type"]) for v in one["versions"]] == [
        (2, "安全培训.pdf", "pdf"),
        (1, "安全培训.docx", "docx"),
    ]
    current = _get(api, "staff", f"/files/{file.id}/download")
    assert current.status_code == 200 and current.data.startswith(b"%PDF-")
    first = _get(api, "staff", f"/files/{file.id}/versions/1/download")
    assert first.status_code == 200 and first.data.startswith(b"PK")
    assert _get(api, "staff", f"/files/{file.id}").get_json()["result"]["downloads"] == 2

    token = {"Authorization": f"Bearer {api.tokens['staff']}"}
    spec = api.client.get("/api/v1/_openapi", headers=token).get_json()
    for path in (
        "/api/v1/library/folders",
        "/api/v1/library/folders/{folder_id}",
        "/api/v1/library/files",
        "/api/v1/library/files/{file_id}",
        "/api/v1/library/files/{file_id}/download",
        "/api/v1/library/files/{file_id}/versions/{number}/download",
    ):
        assert path in spec["paths"], path
