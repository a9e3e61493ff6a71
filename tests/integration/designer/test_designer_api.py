"""The browser designer's server side (regulations §2.1.2, §2.3, §3.1): only IT designs; saving
and submitting run the real draft save and publish-time validation, whose problems name the
node or field concerned; the preview draws an unsaved form with the renderer staff see."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from form_builder import services
from form_builder.models import VersionStatus
from tests.conftest import login

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "definitions"


def leave(key: str = "leave_designed") -> dict:
    document = json.loads((EXAMPLES / "leave_request.json").read_text())
    document["key"] = key
    return document


def version_status(key: str) -> VersionStatus:
    definition = services.lifecycle().definition(key)
    services.session().refresh(definition)
    return definition.versions[-1].status


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/designer/"),
        ("get", "/designer/leave_request"),
        ("get", "/designer/api/org/users"),
        ("post", "/designer/api/check"),
        ("post", "/designer/api/save"),
        ("post", "/designer/api/submit"),
        ("post", "/designer/preview"),
    ],
)
def test_section_2_1_2_only_it_designs_others_find_nothing(client, method, url):
    login(client, "staff")
    assert getattr(client, method)(url, json={"document": leave()}).status_code == 404
    client.post("/logout/")
    login(client, "mc")  # reviews, but does not design
    assert getattr(client, method)(url, json={"document": leave()}).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client):
    assert client.get("/designer/").status_code == 302
    assert "/login/" in client.get("/designer/").headers["Location"]
    answer = client.post("/designer/api/save", json={"document": leave()})
    assert answer.status_code == 401 and answer.json["error"] == "Sign in first."


def test_every_post_needs_the_csrf_token(app_factory):
    from oa_platform.demo import load_demo_data

    app = app_factory()
    with app.app_context():
        load_demo_data()
    client = app.test_client()
    with app.app_context():
        page = client.get("/login/").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    from oa_platform.demo import DEMO_PASSWORD

    client.post(
        "/login/", data={"username": "designer", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    answer = client.post("/designer/api/save", json={"document": leave()}, csrf=False)
    assert answer.status_code == 400 and "security token" in answer.json["error"]
    assert client.post("/designer/preview", data={"node": "start"}, csrf=False).status_code == 400
    designer = client.get("/designer/").get_data(as_text=True)
    boot = json.loads(designer.split('id="designer-boot">')[1].split("</script>")[0])
    answer = client.post(
        "/designer/api/save",
        json={"document": leave()},
        headers={"X-CSRFToken": boot["csrfToken"]},
        csrf=False,
    )
    assert answer.status_code == 200 and answer.json["number"] == 1


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"document": "x"}', b'{"document": {}, "key": 5}']
)
def test_a_body_that_is_not_a_document_gets_a_clear_message(client, body):
    login(client, "designer")
    answer = client.post("/designer/api/save", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert "document" in answer.json["error"] or "key" in answer.json["error"]


def test_saving_makes_a_draft_and_answers_its_problems_on_the_node(client):
    login(client, "designer")
    document = leave()
    del document["nodes"][1]["assignee"]  # department_head: nobody handles it
    answer = client.post("/designer/api/save", json={"document": document, "key": None})
    assert answer.status_code == 200
    assert (answer.json["key"], answer.json["number"]) == ("leave_designed", 1)
    assert answer.json["designer_url"] == "/designer/leave_designed"
    assert answer.json["problems"] == [
        {
            "path": "$.nodes[1]",
            "message": "node 'department_head': no assignee rule (who handles this node?)",
            "node": "department_head",
            "field": None,
        }
    ]
    assert version_status("leave_designed") is VersionStatus.DRAFT


def test_a_document_breaking_the_format_is_not_saved_and_names_the_field(client):
    login(client, "designer")
    document = leave()
    document["fields"][0]["key"] = "Leave Type"
    document["edges"][0]["to"] = 7
    answer = client.post("/designer/api/save", json={"document": document, "key": None})
    assert answer.status_code == 422 and answer.json["saved"] is False
    by_path = {problem["path"]: problem for problem in answer.json["problems"]}
    assert by_path["$.fields[0].key"]["field"] == "Leave Type"
    assert by_path["$.edges[0].to"]["node"] == "start"
    assert services.lifecycle().definition("leave_designed", missing_ok=True) is None


def test_the_key_stays_and_a_new_definition_cannot_take_an_existing_key(client):
    login(client, "designer")
    renamed = client.post(
        "/designer/api/save", json={"document": leave("other"), "key": "leave_request"}
    )
    assert renamed.status_code == 422
    assert renamed.json["problems"][0]["path"] == "$.key"
    taken = client.post("/designer/api/save", json={"document": leave("leave_request")})
    assert taken.status_code == 422
    assert "exists already" in taken.json["problems"][0]["message"]


def test_check_reports_live_problems_without_saving(client):
    login(client, "designer")
    document = leave()
    document["edges"][2]["condition"] = "dayz > 3"
    document["fields"][7]["visible_if"] = 'leave_type == "sick'
    answer = client.post("/designer/api/check", json={"document": document})
    messages = {problem["path"]: problem["message"] for problem in answer.json["problems"]}
    assert "unknown field 'dayz' (did you mean 'days'?)" in messages["$.edges[2].condition"]
    assert (
        "visibility condition of field 'medical_certificate'" in messages["$.fields[7].visible_if"]
    )
    assert services.lifecycle().definition("leave_designed", missing_ok=True) is None


def test_section_2_3_submission_refused_with_the_problems_keeps_the_draft(client):
    login(client, "designer")
    document = leave()
    document["nodes"].insert(3, {"id": "orphan", "type": "notify", "name": "Nobody reaches me"})
    document["nodes"][3]["assignee"] = {"rule": "initiator"}
    document["edges"].append({"from": "orphan", "to": "end"})
    answer = client.post("/designer/api/submit", json={"document": document, "key": None})
    assert answer.status_code == 422 and answer.json["saved"] is True
    assert {"node": "orphan", "message": "node 'orphan' cannot be reached from the start"} in [
        {"node": p["node"], "message": p["message"]} for p in answer.json["problems"]
    ]
    assert version_status("leave_designed") is VersionStatus.DRAFT

    fixed = client.post("/designer/api/submit", json={"document": leave(), "key": "leave_designed"})
    assert fixed.status_code == 200 and fixed.json["submitted"] is True
    assert fixed.json["version_url"] == "/definitions/leave_designed/v1/"
    assert version_status("leave_designed") is VersionStatus.SUBMITTED


def test_a_version_under_review_is_not_designed_until_published_or_rejected(client):
    login(client, "designer")
    client.post("/designer/api/submit", json={"document": leave()})
    page = client.get("/designer/leave_designed")
    assert page.status_code == 302
    assert page.headers["Location"].endswith("/definitions/leave_designed/v1/")
    answer = client.post("/designer/api/save", json={"document": leave(), "key": "leave_designed"})
    assert answer.status_code == 409 and "is submitted" in answer.json["error"]


def test_the_designer_edits_the_draft_or_starts_one_from_the_latest_version(client):
    login(client, "designer")
    page = client.get("/designer/leave_request").get_data(as_text=True)
    boot = json.loads(page.split('id="designer-boot">')[1].split("</script>")[0])
    assert boot["key"] == "leave_request"
    assert boot["document"] == json.loads((EXAMPLES / "leave_request.json").read_text())
    names = {entry["name"]: entry for entry in boot["nodeTypes"]}
    assert names["approval"]["needs_assignee"] and names["condition"]["kind"] == "gateway"
    assert names["collaboration"]["config_schema"]["properties"]["mode"]["enum"]
    assert client.get("/designer/no_such_definition").status_code == 404


def test_preview_draws_the_unsaved_form_with_the_staff_renderer(client):
    login(client, "designer")
    document = leave()
    document["fields"][0]["label"] = "Kind of <b>leave</b>"
    page = client.post(
        "/designer/preview", data={"document": json.dumps(document), "node": "department_head"}
    ).get_data(as_text=True)
    assert "data-oa-form" in page and "Kind of &lt;b&gt;leave&lt;/b&gt;" in page
    assert 'data-oa-field="hr_remarks"' not in page  # hidden from the department head
    broken = copy.deepcopy(document)
    broken["fields"][4]["expression"] = "days_between(start_date,"
    page = client.post(
        "/designer/preview", data={"document": json.dumps(broken), "node": "start"}
    ).get_data(as_text=True)
    assert 'id="preview-problems"' in page and "$.fields[4].expression" in page


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("users", ("head", "Henry Ho (head)")),
        ("roles", ("HR", "HR")),
        ("departments", ("GRP/HR", "Human Resources Center (GRP)")),
        ("positions", ("Manager", "Manager")),
        ("companies", ("SLS", "Example Sales Co. (SLS)")),
    ],
)
def test_assignee_pickers_list_the_real_organisation(client, kind, expected):
    login(client, "designer")
    choices = client.get(f"/designer/api/org/{kind}").json["choices"]
    assert {"value": expected[0], "label": expected[1]} in choices


def test_an_unknown_org_kind_is_named(client):
    login(client, "designer")
    answer = client.get("/designer/api/org/planets")
    assert answer.status_code == 404 and "planets" in answer.json["error"]
