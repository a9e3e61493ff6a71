"""The organisation changes' REST API with only a JWT (regulations §2.1.2, §8.4): IT lists the
requests, reads the impact, applies a request and reassigns open tasks; designers and Auditors
read; everyone else is refused; a refused action changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from oa_platform.extensions import db
from oa_platform.org.models import Department
from tests.orgchange_helpers import confirmed, file_change, newcomer
from tests.runtime_helpers import live, refresh, start

BOTH_DATABASES = True


def call(client, api, method: str, who: str, path: str, **kwargs):
    api("GET", who, "/tasks")  # logs in once
    headers = {"Authorization": f"Bearer {api.tokens[who]}"}
    return client.open(
        f"/api/v1/orgchange{path}", method=method, headers=headers, csrf=False, **kwargs
    )


def test_it_applies_a_request_and_reads_its_impact_through_the_api(client, api):
    newcomer("wei")
    leave = start("staff", "leave_request")
    request = confirmed(
        file_change(change_kind="head_change", department="SLS/SALES", person="wei")
    )
    listed = call(client, api, "GET", "admin", "/requests").get_json()["result"]
    assert [row["instance"] for row in listed] == [request.id]
    assert listed[0]["deadline"] == "authority" and listed[0]["due_at"]
    answer = call(client, api, "POST", "admin", f"/requests/{request.id}/apply")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["result"]["changes"][0]["to"] == "wei"
    again = call(client, api, "POST", "admin", f"/requests/{request.id}/apply")
    assert again.status_code == 409
    report = call(client, api, "GET", "designer", "/impact?people=head").get_json()["result"]
    [task] = report["tasks"]
    assert task["problem"] == "wrong_handler" and task["fix"].startswith("/orgchange/reassign")
    moved = call(
        client, api, "POST", "admin", "/reassign",
        json={"tasks": [task["task"]], "to": "wei", "reason": "Wei heads Sales now."},
    )  # fmt: skip
    assert moved.status_code == 200, moved.get_json()
    assert [t.assignee.username for t in live(refresh(leave))] == ["wei"]


def test_only_it_applies_and_reassigns_and_a_bad_body_is_named(client, api):
    newcomer("wei")
    leave = start("staff", "leave_request")
    [task] = live(leave)
    request = confirmed(
        file_change(change_kind="head_change", department="SLS/SALES", person="wei")
    )
    for who in ("designer", "auditor", "hr", "staff"):
        assert call(client, api, "POST", who, f"/requests/{request.id}/apply").status_code in (
            403,
            404,
        )
        body = {"tasks": [task.id], "to": "leader", "reason": "Away."}
        assert call(client, api, "POST", who, "/reassign", json=body).status_code in (403, 404)
    for who in ("hr", "staff"):
        assert call(client, api, "GET", who, "/impact").status_code in (403, 404)
    bad = call(client, api, "POST", "admin", "/reassign", json={"tasks": "all"})
    assert bad.status_code == 400 and "tasks" in bad.get_json()["message"]
    sales = db.session.scalar(select(Department).where(Department.code == "SALES"))
    assert sales.head.username == "head"
    assert [t.assignee.username for t in live(refresh(leave))] == ["head"]
