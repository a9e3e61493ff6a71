"""Regulations §5.1: a notice opens for its audience while it is in force, for the
publishing side (its author and the unit's head) and for Auditors. Everyone else gets 404 on
every notice page and endpoint, the attachments included; only the unit head withdraws, and
after withdrawal the audience gets 404 too."""

from __future__ import annotations

import pytest

from tests.api_client import JwtClient
from tests.conftest import login
from tests.notice_helpers import publish_with_attachment

BOTH_DATABASES = True
# A Sales notice by staff for the Sales company and Finance: staff wrote it, head heads Sales
# (and is in its audience), finance is in its audience, hr and mc are not, auditor audits.
PEOPLE = ("staff", "head", "finance", "hr", "mc", "auditor")
READS = {"staff", "head", "finance", "auditor"}
AUDIENCE = "company:SLS\ndepartment:GRP/FIN"


def notices_api(client, who: str, path: str):
    """``who`` calls the notices API with only a JWT."""
    api = JwtClient(client)
    api("GET", who, "/definitions")  # logs in for a token
    headers = {"Authorization": f"Bearer {api.tokens[who]}"}
    return client.get(f"/api/v1/notices{path}", headers=headers, csrf=False)


def pages(notice) -> list[tuple[str, str, dict[str, int]]]:
    """(method, address, {who: status}); anyone not named gets 404. A reader who may not
    withdraw is sent back with the reason (302); the head withdraws (302)."""
    base = f"/notices/{notice.id}"
    api = f"/api/v1/notices/{notice.id}"
    read = dict.fromkeys(READS, 200)
    return [
        ("GET", api, read),
        ("GET", base, read),
        ("GET", f"{base}/attachments/{notice.attachments[0]['id']}", read),
        ("POST", f"{base}/withdraw", {"staff": 302, "head": 302, "auditor": 302}),
    ]


def _answer(client, api, who, method, address):
    if address.startswith("/api/"):
        headers = {"Authorization": f"Bearer {api.tokens[who]}"}
        return client.open(address, method=method, headers=headers, csrf=False)
    return client.open(address, method=method, data={"reason": "内容需更正"})


@pytest.mark.parametrize("who", PEOPLE)
def test_every_notice_page_and_endpoint_answers_404_to_whoever_may_not_open_it(demo, who):
    notice = publish_with_attachment(everyone=None, audience=AUDIENCE)
    client = demo.test_client()
    login(client, who)
    api = JwtClient(client)
    api("GET", who, "/definitions")  # logs in for a token
    for method, address, allowed in pages(notice):
        answer = _answer(client, api, who, method, address)
        expected = allowed.get(who, 404)
        assert answer.status_code == expected, (who, method, address, answer.status_code)


def test_an_outsider_finds_nothing_in_the_lists_the_dashboard_or_the_api(demo):
    publish_with_attachment(title="销售公司内部通知", everyone=None, audience=AUDIENCE)
    outsider = demo.test_client()
    login(outsider, "hr")
    for address in ("/", "/notices/", "/notices/?tab=published"):
        assert "销售公司内部通知" not in outsider.get(address).get_data(as_text=True), address
    assert notices_api(outsider, "hr", "/").get_json()["result"] == []


def test_the_audience_sees_it_on_the_dashboard_and_through_the_api_with_its_unread_mark(demo):
    notice = publish_with_attachment(title="销售公司内部通知", everyone=None, audience=AUDIENCE)
    reader = demo.test_client()
    login(reader, "finance")
    dashboard = reader.get("/").get_data(as_text=True)
    assert "销售公司内部通知" in dashboard and "notice-unread" in dashboard
    mine = notices_api(reader, "finance", "/").get_json()["result"]
    assert [(row["id"], row["read"]) for row in mine] == [(notice.id, False)]
    notices_api(reader, "finance", f"/{notice.id}")
    mine = notices_api(reader, "finance", "/").get_json()["result"]
    assert [(row["id"], row["read"]) for row in mine] == [(notice.id, True)]
    assert "notice-unread" not in reader.get("/").get_data(as_text=True)


def test_the_read_count_is_the_publishing_sides_only(demo):
    notice = publish_with_attachment(everyone=None, audience=AUDIENCE)
    for who, sees in (("staff", True), ("head", True), ("finance", False)):
        client = demo.test_client()
        login(client, who)
        page = client.get(f"/notices/{notice.id}").get_data(as_text=True)
        assert ('id="notice-read-count"' in page) is sees, who
        body = notices_api(client, who, f"/{notice.id}").get_json()["result"]
        assert ("read_count" in body) is sees, who


def test_once_withdrawn_the_audience_gets_404_and_the_head_sees_the_reason(demo):
    notice = publish_with_attachment(everyone=None, audience=AUDIENCE)
    head = demo.test_client()
    login(head, "head")
    head.post(f"/notices/{notice.id}/withdraw", data={"reason": "数据有误，另行通知"})
    shown = head.get(f"/notices/{notice.id}").get_data(as_text=True)
    assert 'id="notice-withdrawn"' in shown and "数据有误，另行通知" in shown
    reader = demo.test_client()
    login(reader, "finance")
    assert reader.get(f"/notices/{notice.id}").status_code == 404
    assert notices_api(reader, "finance", f"/{notice.id}").status_code == 404


def test_a_withdrawal_without_a_reason_is_refused_and_changes_nothing(demo):
    notice = publish_with_attachment(everyone=None, audience=AUDIENCE)
    head = demo.test_client()
    login(head, "head")
    answer = head.post(f"/notices/{notice.id}/withdraw", data={"reason": " "})
    page = head.get(answer.headers["Location"]).get_data(as_text=True)
    assert "reason:" in page or "理由：" in page
    reader = demo.test_client()
    login(reader, "finance")
    assert reader.get(f"/notices/{notice.id}").status_code == 200


def test_a_picture_attached_shows_in_the_notice_for_its_readers_only(demo):
    import io

    from werkzeug.datastructures import FileStorage, MultiDict

    from oa_platform.runtime.services import runtime
    from tests.conftest import user
    from tests.notice_helpers import KEY, approve, notice_form, released

    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
    upload = FileStorage(io.BytesIO(png), filename="路线图.png", name="attachments-files")
    instance = runtime().submit(
        user("staff"),
        KEY,
        notice_form(everyone=None, audience=AUDIENCE),
        MultiDict([("attachments-files", upload)]),
    )
    notice = released(approve(instance))
    picture = f"/notices/{notice.id}/attachments/{notice.attachments[0]['id']}?inline=1"
    reader = demo.test_client()
    login(reader, "finance")
    assert f'src="{picture}"' in reader.get(f"/notices/{notice.id}").get_data(as_text=True)
    shown = reader.get(picture)
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert "attachment" not in shown.headers.get("Content-Disposition", "")
    outsider = demo.test_client()
    login(outsider, "hr")
    assert outsider.get(picture).status_code == 404


def test_the_notice_endpoints_are_in_the_openapi_spec(demo):
    client = demo.test_client()
    api = JwtClient(client)
    api("GET", "staff", "/definitions")
    spec = client.get(
        "/api/v1/_openapi", headers={"Authorization": f"Bearer {api.tokens['staff']}"}
    ).get_json()
    assert "/api/v1/notices/" in spec["paths"]
    assert "/api/v1/notices/{notice_id}" in spec["paths"]
    assert "404" in spec["paths"]["/api/v1/notices/{notice_id}"]["get"]["responses"]
