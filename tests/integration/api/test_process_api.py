"""The REST API drives the same commands as the pages, behind FAB's JWT log-in: start, list
my tasks, act (with the §3.5 opinion rule), ask and answer, read the audit trail."""

from __future__ import annotations

from tests.conftest import login

LEAVE = {
    "leave_type": "annual",
    "start_date": "2026-12-01",
    "end_date": "2026-12-02",
    "reason": "Family visit",
    "handover_to": "head",
}


def test_staff_start_and_handle_a_leave_request_through_the_api(api):
    definitions = api("GET", "staff", "/definitions").get_json()["result"]
    assert "leave_request" in {d["key"] for d in definitions}

    started = api(
        "POST", "staff", "/instances", json={"definition": "leave_request", "data": LEAVE}
    )
    assert started.status_code == 201, started.get_json()
    instance = started.get_json()["result"]
    assert instance["status"] == "running" and instance["values"]["days"] == 2

    mine = api("GET", "head", "/tasks").get_json()["result"]
    task = next(t for t in mine if t["instance"] == instance["id"])
    refused = api("POST", "head", f"/tasks/{task['id']}/actions", json={"action": "disagree"})
    assert refused.status_code == 422
    assert "An opinion is required to disagree" in refused.get_json()["message"]

    agreed = api("POST", "head", f"/tasks/{task['id']}/actions", json={"action": "agree"})
    assert agreed.status_code == 200
    again = api("POST", "head", f"/tasks/{task['id']}/actions", json={"action": "agree"})
    assert again.status_code == 409
    assert "already handled by Henry Ho" in again.get_json()["message"]

    trail = api("GET", "staff", f"/instances/{instance['id']}/audit").get_json()["result"]
    assert [e["event"] for e in trail][:3] == ["created", "fields_changed", "status"]
    assert all(len(e["hash"]) == 64 for e in trail)


def test_form_problems_come_back_by_field_and_nothing_starts(api):
    response = api(
        "POST", "staff", "/instances", json={"definition": "leave_request", "data": {"reason": "x"}}
    )
    body = response.get_json()
    assert response.status_code == 422
    assert body["errors"]["end_date"] == ["Last day of leave: is required."]
    assert body["errors"]["reason"] == ["Reason: must be 5 to 1000 characters long."]
    assert api("GET", "head", "/tasks").get_json()["result"] == []


def test_an_instance_is_not_found_for_those_who_may_not_see_it(api):
    instance = api(
        "POST", "staff", "/instances", json={"definition": "leave_request", "data": LEAVE}
    ).get_json()["result"]
    for stranger in ("finance", "admin"):
        response = api("GET", stranger, f"/instances/{instance['id']}")
        assert response.status_code == 404, stranger
        assert api("GET", stranger, f"/instances/{instance['id']}/audit").status_code == 404
    assert api("GET", "auditor", f"/instances/{instance['id']}").status_code == 200
    assert api("GET", "staff", "/instances/999999").status_code == 404


def test_questions_go_to_the_initiator_and_are_answered(api):
    instance = api(
        "POST", "staff", "/instances", json={"definition": "leave_request", "data": LEAVE}
    ).get_json()["result"]
    asked = api(
        "POST",
        "head",
        f"/instances/{instance['id']}/questions",
        json={"to": "staff", "text": "Who covers your customers?"},
    )
    assert asked.status_code == 201, asked.get_json()
    question = asked.get_json()["result"]
    answered = api(
        "POST", "staff", f"/questions/{question['id']}/answer", json={"text": "Henry does."}
    )
    assert answered.get_json()["result"]["answer"] == "Henry does."
    thread = api("GET", "head", f"/instances/{instance['id']}").get_json()["result"]["questions"]
    assert [(q["asked_to"], q["answer"]) for q in thread] == [("staff", "Henry does.")]


def test_hidden_fields_are_not_in_the_api_answer(api):
    instance = api(
        "POST", "staff", "/instances", json={"definition": "leave_request", "data": LEAVE}
    ).get_json()["result"]
    head_task = next(t for t in api("GET", "head", "/tasks").get_json()["result"])
    api("POST", "head", f"/tasks/{head_task['id']}/actions", json={"action": "agree"})
    hr_task = next(t for t in api("GET", "hr", "/tasks").get_json()["result"])
    api(
        "POST",
        "hr",
        f"/tasks/{hr_task['id']}/actions",
        json={"action": "agree", "data": {"hr_remarks": "Balance checked", "reason": "forged"}},
    )
    seen_by_hr = api("GET", "hr", f"/instances/{instance['id']}").get_json()["result"]
    assert seen_by_hr["values"]["hr_remarks"] == "Balance checked"
    assert seen_by_hr["values"]["reason"] == "Family visit"
    seen_by_staff = api("GET", "staff", f"/instances/{instance['id']}").get_json()["result"]
    assert "hr_remarks" not in seen_by_staff["values"]


def test_the_api_is_in_the_openapi_spec(client):
    login(client, "admin")
    spec = client.get("/api/v1/_openapi").get_json()
    paths = set(spec["paths"])
    expected = {
        "/instances",
        "/tasks",
        "/tasks/{task_id}/actions",
        "/instances/{instance_id}/audit",
    }
    assert {f"/api/v1/process{path}" for path in expected} <= paths
