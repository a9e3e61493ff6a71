"""The discussion area as a mobile client uses it, with only a JWT: list boards, read a
board's posts and a post with its replies, post, reply, report; bad bodies are 400 naming
the field; the person in charge answers through the API as on the page (§8.2)."""

from __future__ import annotations

from tests.api_client import JwtClient
from tests.discussion_helpers import board_of, department

BOTH_DATABASES = True


def call(api: JwtClient, method: str, who: str, path: str, **kwargs):
    api("GET", who, "/definitions")  # logs in for a token
    headers = {"Authorization": f"Bearer {api.tokens[who]}"}
    return api.client.open(
        f"/api/v1/discussion{path}", method=method, headers=headers, csrf=False, **kwargs
    )


def test_a_mobile_client_posts_and_the_person_in_charge_answers(client):
    api = JwtClient(client)
    boards = call(api, "GET", "staff", "/boards").get_json()["result"]
    group = next(b for b in boards if b["kind"] == "group")
    finance = department("GRP", "FIN").id
    created = call(
        api,
        "POST",
        "staff",
        f"/boards/{group['id']}/posts",
        json={
            "title": "发票抬头",
            "body": "发票抬头应写哪家公司。",
            "concerns": f"department:{finance}",
        },
    )
    assert created.status_code == 201, created.get_json()
    asked = created.get_json()["result"]
    assert asked["handler"] == "finance" and asked["due_at"]

    listed = call(api, "GET", "staff", f"/boards/{group['id']}/posts").get_json()["result"]
    assert [p["id"] for p in listed] == [asked["id"]]
    waiting = call(api, "GET", "finance", f"/unanswered/{finance}").get_json()["result"]
    assert [p["id"] for p in waiting] == [asked["id"]]

    answer = call(
        api,
        "POST",
        "finance",
        f"/posts/{asked['id']}/replies",
        json={"body": "写集团全称。", "official": True},
    )
    assert answer.status_code == 201
    read = call(api, "GET", "staff", f"/posts/{asked['id']}").get_json()["result"]
    assert read["answered_at"] and [r["body"] for r in read["replies"]] == ["写集团全称。"]
    assert call(api, "GET", "finance", f"/unanswered/{finance}").get_json()["result"] == []


def test_bad_bodies_are_refused_naming_the_field(client):
    api = JwtClient(client)
    board = board_of()
    answer = call(api, "POST", "staff", f"/boards/{board.id}/posts", json={"body": "no title"})
    assert answer.status_code == 400 and "title" in answer.get_json()["message"]
    answer = call(
        api,
        "POST",
        "staff",
        f"/boards/{board.id}/posts",
        data="[1, 2]",
        content_type="application/json",
    )
    assert answer.status_code == 400
    answer = call(
        api,
        "POST",
        "staff",
        f"/boards/{board.id}/posts",
        json={"title": "t", "body": "b", "concerns": "department:999999"},
    )
    assert answer.status_code == 422 and "concerns" in answer.get_json()["message"]


def test_the_endpoints_are_in_the_openapi_spec(client):
    api = JwtClient(client)
    api("GET", "staff", "/definitions")
    spec = client.get(
        "/api/v1/_openapi", headers={"Authorization": f"Bearer {api.tokens['staff']}"}
    ).get_json()
    paths = spec["paths"]
    for path in (
        "/api/v1/discussion/boards",
        "/api/v1/discussion/boards/{board_id}/posts",
        "/api/v1/discussion/posts/{post_id}",
        "/api/v1/discussion/posts/{post_id}/replies",
        "/api/v1/discussion/posts/{post_id}/report",
    ):
        assert path in paths, path
    assert "PostBody" in spec["components"]["schemas"]
