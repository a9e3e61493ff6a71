"""Who sees what (§8.2, §8.3; regulations §6.2): a department's board and its posts for the
department, IT and Auditors; outsiders get 404 from every page and endpoint of it, and find
nothing of it in the lists. Posting, replying and reporting need the page's CSRF token."""

from __future__ import annotations

import pytest

from tests.api_client import JwtClient
from tests.conftest import login
from tests.discussion_helpers import board_of, department, post

BOTH_DATABASES = True
# staff and head are Sales; admin and designer are IT; auditor audits; hr and finance are
# outsiders to the Sales board.
PEOPLE = ("staff", "head", "admin", "auditor", "hr", "finance")
SEES = {"staff", "head", "admin", "auditor"}


def addresses(board, found) -> list[tuple[str, str, dict]]:
    return [
        ("GET", f"/discussion/boards/{board.id}", {}),
        ("GET", f"/discussion/posts/{found.id}", {}),
        ("GET", f"/api/v1/discussion/boards/{board.id}/posts", {}),
        ("GET", f"/api/v1/discussion/posts/{found.id}", {}),
        (
            "POST",
            f"/api/v1/discussion/boards/{board.id}/posts",
            {"json": {"title": "t", "body": "b", "concerns": "group"}},
        ),
        ("POST", f"/api/v1/discussion/posts/{found.id}/replies", {"json": {"body": "回复"}}),
        ("POST", f"/api/v1/discussion/posts/{found.id}/report", {"json": {"reason": "不当"}}),
        ("POST", f"/discussion/posts/{found.id}/report", {"data": {"reason": "不当"}}),
        ("POST", f"/discussion/posts/{found.id}/replies", {"data": {"body": "回复"}}),
    ]


@pytest.mark.parametrize("who", PEOPLE)
def test_a_department_board_answers_404_to_outsiders_on_every_page_and_endpoint(demo, who):
    board = board_of("department", ("SLS", "SALES"))
    # About the Sales department itself, so Finance is not the handler.
    found = post("staff", board=board, concerns=f"department:{department('SLS', 'SALES').id}")
    client = demo.test_client()
    login(client, who)
    api = JwtClient(client)
    api("GET", who, "/definitions")  # logs in for a token
    for method, address, body in addresses(board, found):
        if address.startswith("/api/"):
            headers = {"Authorization": f"Bearer {api.tokens[who]}"}
            answer = client.open(address, method=method, headers=headers, csrf=False, **body)
        else:
            answer = client.open(address, method=method, **body)
        if who in SEES:
            assert answer.status_code in (200, 201, 302), (who, method, address)
        else:
            assert answer.status_code == 404, (who, method, address, answer.status_code)


def test_outsiders_find_nothing_of_the_board_in_the_lists(demo):
    board = board_of("department", ("SLS", "SALES"))
    found = post(
        "staff",
        board=board,
        title="销售部内部讨论",
        concerns=f"department:{department('SLS', 'SALES').id}",
    )
    outsider = demo.test_client()
    login(outsider, "hr")
    assert "销售部内部讨论" not in outsider.get("/discussion/").get_data(as_text=True)
    api = JwtClient(outsider)
    api("GET", "hr", "/definitions")
    boards = outsider.get(
        "/api/v1/discussion/boards", headers={"Authorization": f"Bearer {api.tokens['hr']}"}
    ).get_json()["result"]
    assert board.id not in [b["id"] for b in boards]
    assert found.id


def test_the_handler_sees_a_post_about_their_department_on_a_board_they_are_not_in(demo):
    found = post("staff", board=board_of("department", ("SLS", "SALES")))  # about Finance
    client = demo.test_client()
    login(client, "finance")
    assert client.get(f"/discussion/posts/{found.id}").status_code == 200
    assert client.get(f"/discussion/unanswered/{department('GRP', 'FIN').id}").status_code == 200
    assert client.get(f"/discussion/unanswered/{department('SLS', 'SALES').id}").status_code == 404


def test_posting_without_the_page_s_csrf_token_is_refused_and_changes_nothing(demo):
    board = board_of()
    client = demo.test_client()
    login(client, "staff")
    answer = client.post(
        f"/discussion/boards/{board.id}/posts",
        data={"title": "伪造", "body": "伪造", "concerns": "group"},
        csrf=False,
    )
    assert answer.status_code == 400
    assert "伪造" not in client.get(f"/discussion/boards/{board.id}").get_data(as_text=True)
