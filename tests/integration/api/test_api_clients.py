"""The REST API as its clients call it, with CSRF protection on as in production.

A client with only a JWT (a phone app, another system) starts and handles processes, files
included; a browser signed in by its session cookie must send the page's CSRF token, or any
site could make it act. Bad bodies get a 4xx that names the problem, never a 500, and change
nothing. Any signed-in person may read the spec of the API they may call.
"""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from oa_platform.extensions import db
from oa_platform.runtime.models import AuditEntry, Instance
from tests.api_client import JwtClient
from tests.conftest import login

BOTH_DATABASES = True
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ITEMS = [
    {
        "date": (date.today() - timedelta(days=3)).isoformat(),
        "category": "travel",
        "description": "Train to Shanghai",
        "amount": "320.50",
    }
]
CLAIM = {
    "purpose": "Customer visit in Shanghai",
    "items": ITEMS,
    "payee_name": "Sam Wu",
    "payee_account": "6222020200112233",
}


def _with_files(payload: dict, **files: bytes) -> dict:
    """A multipart body: the JSON in ``payload``, each file in a part named by its field."""
    parts: dict = {"payload": json.dumps(payload)}
    for key, content in files.items():
        parts[key] = (io.BytesIO(content), f"{key}.pdf")
    return {"data": parts, "content_type": "multipart/form-data"}


def _trail_length() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_a_jwt_client_starts_an_expense_claim_with_receipts_and_walks_it_to_the_end(api):
    started = api(
        "POST",
        "staff",
        "/instances",
        **_with_files({"definition": "expense_claim", "data": CLAIM}, receipts=PDF),
    )
    assert started.status_code == 201, started.get_json()
    claim = started.get_json()["result"]
    assert claim["status"] == "running"
    [receipt] = claim["values"]["receipts"]
    assert receipt["name"] == "receipts.pdf" and receipt["size"] == len(PDF)

    agreed = api.act("head", claim["id"], "agree")
    assert agreed.status_code == 200, agreed.get_json()

    done = api.act("finance", claim["id"], "agree", data={"finance_remarks": "Paid on Friday"})
    assert done.status_code == 200, done.get_json()
    finished = done.get_json()["result"]
    assert finished["status"] == "completed"
    assert finished["values"]["finance_remarks"] == "Paid on Friday"
    assert finished["values"]["receipts"] == [receipt]


def test_a_jwt_client_saves_a_draft_with_json_alone(api):
    draft = api(
        "POST",
        "staff",
        "/instances",
        json={
            "definition": "expense_claim",
            "data": {"purpose": "Trip", "items": ITEMS},
            "draft": True,
        },
    )
    assert draft.status_code == 201, draft.get_json()
    assert draft.get_json()["result"]["status"] == "draft"


def test_a_required_attachment_without_a_file_is_the_forms_problem(api):
    before = _trail_length()
    answer = api("POST", "staff", "/instances", json={"definition": "expense_claim", "data": CLAIM})
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["receipts"] == ["Receipts: is required."]
    assert _trail_length() == before


def test_a_signed_in_browser_is_not_made_to_act_through_the_api_by_another_site(client):
    login(client, "staff")
    body = {"definition": "leave_request", "draft": True}
    forged = client.post("/api/v1/process/instances", json=body, csrf=False)
    assert forged.status_code == 400
    assert "security token" in forged.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(Instance)) == 0
    # The page's own script sends its token in X-CSRFToken, and is served.
    assert client.post("/api/v1/process/instances", json=body).status_code == 201


def test_a_made_up_bearer_token_does_not_stand_in_for_the_csrf_token(client):
    login(client, "staff")
    body = {"definition": "leave_request", "draft": True}
    forged = client.post(
        "/api/v1/process/instances",
        json=body,
        headers={"Authorization": "Bearer made-up"},
        csrf=False,
    )
    assert forged.status_code == 401
    assert db.session.scalar(select(func.count()).select_from(Instance)) == 0


BAD_BODIES = [
    # (endpoint, body, status, words the message must name)
    ("/instances", {"definition": "no_such_process"}, 404, "no_such_process"),
    ("/instances", [], 400, "JSON object"),
    ("/instances", "expense_claim", 400, "JSON object"),
    ("/instances", {"definition": 5}, 400, "definition"),
    ("/instances", {"definition": "expense_claim", "data": []}, 400, "data"),
    (
        "/instances",
        {"definition": "expense_claim", "data": {**CLAIM, "items": "one train ticket"}},
        422,
        "Expense items: must be a list of rows",
    ),
    (
        "/instances",
        {"definition": "expense_claim", "data": {**CLAIM, "items": ["train"]}},
        422,
        "Expense items, row 1: must be an object",
    ),
    (
        "/instances",
        {"definition": "expense_claim", "data": {**CLAIM, "receipts": 5}},
        422,
        "Receipts: must be a list of file ids",
    ),
    (
        "/instances",
        {"definition": "expense_claim", "data": {**CLAIM, "purpose": {"a": 1}}},
        422,
        "must be a single value",
    ),
    ("/tasks/{task}/actions", [], 400, "JSON object"),
    ("/tasks/{task}/actions", "agree", 400, "JSON object"),
    ("/tasks/{task}/actions", {"action": "dance"}, 400, "action"),
    ("/tasks/{task}/actions", {"action": "transfer", "users": 5}, 400, "users"),
    ("/tasks/{task}/actions", {"action": "transfer", "users": "abc"}, 400, "users"),
    ("/tasks/{task}/actions", {"action": "reduce_signature", "task_ids": 5}, 400, "task_ids"),
    ("/tasks/{task}/actions", {"action": "reduce_signature", "task_ids": ["x"]}, 400, "task_ids"),
    ("/tasks/{task}/actions", {"action": "agree", "data": {"items": 5}}, 422, "must be a list"),
    ("/instances/{instance}/revoke", [], 400, "JSON object"),
    ("/instances/{instance}/urge", "now", 400, "JSON object"),
    ("/instances/{instance}/revoke", {"opinion": 5}, 400, "opinion"),
    ("/instances/{instance}/questions", [], 400, "JSON object"),
    ("/instances/{instance}/questions", {"to": ["head"], "text": "?"}, 400, "to"),
    ("/questions/1/answer", "yes", 400, "JSON object"),
    ("/questions/1/answer", {"text": None}, 400, "text"),
]


@pytest.mark.parametrize(("endpoint", "body", "status", "named"), BAD_BODIES)
def test_a_bad_body_gets_a_4xx_naming_the_problem_and_changes_nothing(
    api, endpoint, body, status, named
):
    started = api(
        "POST",
        "staff",
        "/instances",
        **_with_files({"definition": "expense_claim", "data": CLAIM}, receipts=PDF),
    ).get_json()["result"]
    task = api.task_of("head", started["id"])
    caller = "head" if endpoint.startswith("/tasks") else "staff"
    before = _trail_length()
    path = endpoint.format(task=task["id"], instance=started["id"])
    answer = api("POST", caller, path, data=json.dumps(body), content_type="application/json")
    assert answer.status_code == status, answer.get_json()
    assert named in json.dumps(answer.get_json()), answer.get_json()
    assert _trail_length() == before


def test_a_page_number_too_big_for_the_database_is_an_empty_page(api):
    answer = api("GET", "staff", "/tasks?page=999999999999999999999")
    assert answer.status_code == 200
    assert answer.get_json()["result"] == []


@pytest.mark.parametrize("username", ["staff", "hr", "auditor", "admin"])
def test_any_signed_in_person_reads_the_api_spec_and_its_page(api, client, username):
    spec = api.client.get(
        "/api/v1/_openapi", headers={"Authorization": f"Bearer {_token(api, username)}"}
    )
    assert spec.status_code == 200
    body = spec.get_json()
    assert "/api/v1/process/instances" in body["paths"]
    assert "ActionBody" in body["components"]["schemas"]
    login(client, username)
    assert client.get("/swagger/v1").status_code == 200


def test_the_api_spec_is_not_for_visitors(client):
    assert client.get("/api/v1/_openapi").status_code == 401


def _token(api: JwtClient, username: str) -> str:
    api("GET", username, "/definitions")
    return api.tokens[username]
