"""The REST API answers its errors in the language the client asks for (issue 18): our
refusals, the library's fixed English (FAB's 401/404, marshmallow's field messages) and the
per-field lists alike, with the answers' shape and the OpenAPI spec unchanged."""

from __future__ import annotations

from tests.api_client import JwtClient
from tests.conftest import login

CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
ENGLISH = {"Accept-Language": "en"}


def test_library_errors_read_in_the_asked_language(client):
    api = JwtClient(client)
    missing = api("GET", "staff", "/instances/999999", headers=CHINESE)
    assert missing.status_code == 404
    english = api("GET", "staff", "/instances/999999", headers=ENGLISH)
    assert set(missing.get_json()) == set(english.get_json())  # the same shape
    assert missing.get_json()["message"] != english.get_json()["message"]

    anonymous = client.get("/api/v1/process/tasks", headers=CHINESE)
    assert anonymous.status_code == 401
    assert anonymous.get_json() == {"msg": "缺少 Authorization 请求头"}
    assert client.get("/api/v1/process/tasks", headers=ENGLISH).get_json() == {
        "msg": "Missing Authorization Header"
    }

    wrong = {"username": "staff", "password": "not it", "provider": "db"}
    refused = client.post("/api/v1/security/login", json=wrong, headers=CHINESE, csrf=False)
    assert refused.status_code == 401
    assert refused.get_json() == {"message": "未授权"}


def test_a_bad_body_names_its_field_in_the_asked_language(client):
    api = JwtClient(client)
    body = {"data": {}}  # no definition
    chinese = api("POST", "staff", "/instances", json=body, headers=CHINESE)
    english = api("POST", "staff", "/instances", json=body, headers=ENGLISH)
    assert chinese.status_code == english.status_code == 400
    assert english.get_json()["message"] == "'definition': Missing data for required field."
    assert chinese.get_json()["message"] == "「definition」：缺少必填数据。"
    assert chinese.get_json()["errors"] == {"definition": ["缺少必填数据。"]}

    action = api("POST", "staff", "/tasks/1/actions", json={"action": "dance"}, headers=CHINESE)
    assert action.status_code == 400
    assert action.get_json()["message"].startswith("「action」：必须是以下之一：")


def test_the_openapi_spec_is_the_same_in_every_language(client):
    login(client, "admin")
    chinese = client.get("/api/v1/_openapi", headers=CHINESE).get_json()
    english = client.get("/api/v1/_openapi", headers=ENGLISH).get_json()
    assert chinese == english
    assert "/api/v1/process/instances" in english["paths"]
