"""The designer's two chain and form edits of issue 19 (deliver 6), on the server's side:

- a field renamed in the designer is renamed wherever the definition names it, by the one
  endpoint the page calls (``POST /designer/api/rename``, CSRF token posted, IT only), which
  answers the changes the page applies; a key the field cannot take is refused with a
  sentence naming the field, in the reader's language;
- a node inserted on a connection (A -> B becomes A -> new -> B, the condition and label
  staying on A's part) saves as a draft that passes the publish-time validation; the other
  way round (the condition on the new node's part) and a connection left dangling are
  refused by that validation, naming the node.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from form_builder import services
from tests.conftest import login

BOTH_DATABASES = True
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "definitions"


def leave(key: str = "leave_renamed") -> dict:
    document = json.loads((EXAMPLES / "leave_request.json").read_text(encoding="utf-8"))
    document["key"] = key
    return document


def apply(document: dict, changes: list[dict]) -> dict:
    """What the page does with the answer (state.js ``applyChange``), for the save after."""
    document = copy.deepcopy(document)
    for change in changes:
        steps = change["path"].replace("[", ".").replace("]", "").split(".")[1:]
        holder = document
        for step in steps[:-1]:
            holder = holder[int(step)] if step.isdigit() else holder[step]
        holder[steps[-1]] = change["after"]
    return document


def rename_days(client, document: dict, new: str, **headers):
    days = [field["key"] for field in document["fields"]].index("days")
    body = {"document": document, "key": None, "field": days, "column": None}
    return client.post(
        "/designer/api/rename", json={**body, "old": "days", "new": new}, headers=headers
    )


def test_renaming_days_renames_the_condition_and_the_title_and_the_draft_validates(client):
    login(client, "designer")
    document = leave()
    answer = rename_days(client, document, "ri_shu")
    assert answer.status_code == 200, answer.json
    changes = {change["path"]: change for change in answer.json["changes"]}
    assert changes["$.fields[4].key"]["after"] == "ri_shu"
    assert changes["$.edges[2].condition"] == {
        "path": "$.edges[2].condition",
        "before": "days > 3",
        "after": "ri_shu > 3",
    }
    title = changes["$.title"]["after"]
    assert title["zh_CN"] == "{initiator}的{leave_type}（{ri_shu}天，{start_date}起）"
    assert answer.json["skipped"] == []

    document = apply(document, answer.json["changes"])
    saved = client.post("/designer/api/save", json={"document": document})
    assert saved.status_code == 200 and saved.json["problems"] == []
    stored = services.lifecycle().definition("leave_renamed").versions[-1].document
    assert stored["edges"][2]["condition"] == "ri_shu > 3"


def test_a_key_the_field_cannot_take_is_refused_in_the_readers_language(client):
    login(client, "designer")
    document = leave()
    taken = rename_days(client, document, "reason")
    assert taken.status_code == 422
    assert taken.json["error"] == "Field 5 (Days): another field's key is 'reason' already"
    assert taken.json["problems"][0]["path"] == "$.fields[4].key"
    assert taken.json["problems"][0]["field"] == "days"
    chinese = rename_days(client, document, "class", **{"Accept-Language": "zh-CN"})
    assert chinese.status_code == 422
    assert chinese.json["error"].startswith("第 5 个字段 (天数)：")
    assert "class" in chinese.json["error"]


def test_a_condition_that_does_not_parse_is_left_and_named(client):
    login(client, "designer")
    document = leave()
    document["edges"][2]["condition"] = "days > "
    answer = rename_days(client, document, "ri_shu")
    assert answer.status_code == 200
    assert [item["path"] for item in answer.json["skipped"]] == ["$.edges[2].condition"]
    assert "$.edges[2].condition" not in [c["path"] for c in answer.json["changes"]]


@pytest.mark.parametrize(
    "body",
    [
        {"field": "4", "column": None, "old": "days", "new": "x"},
        {"field": 4, "column": -1, "old": "days", "new": "x"},
        {"field": True, "column": None, "old": "days", "new": "x"},
        {"field": 4, "column": None, "old": None, "new": "x"},
    ],
)
def test_a_request_that_is_not_a_rename_gets_a_clear_400(client, body):
    login(client, "designer")
    answer = client.post("/designer/api/rename", json={"document": leave(), **body})
    assert answer.status_code == 400 and answer.json["error"]


def test_a_field_that_is_not_there_is_a_422_not_a_500(client):
    login(client, "designer")
    body = {"document": leave(), "field": 40, "column": None, "old": "days", "new": "x"}
    answer = client.post("/designer/api/rename", json=body)
    assert answer.status_code == 422 and "reload the designer" in answer.json["error"]


def test_only_it_renames_and_the_csrf_token_is_required(client):
    body = {"document": leave(), "field": 4, "column": None, "old": "days", "new": "x"}
    for username in ("staff", "mc"):
        login(client, username)
        assert client.post("/designer/api/rename", json=body).status_code == 404
        client.post("/logout/")
    login(client, "designer")
    refused = client.post("/designer/api/rename", json=body, csrf=False)
    assert refused.status_code == 400 and "security token" in refused.json["error"]


# Inserting a node on a connection --------------------------------------------------------


def insert_on(document: dict, source: str, target: str, node: dict, keep_on_first=True) -> dict:
    """A -> B becomes A -> node -> B as the designer does it (state.js ``insertNode``)."""
    document = copy.deepcopy(document)
    edges = document["edges"]
    index = next(i for i, e in enumerate(edges) if (e["from"], e["to"]) == (source, target))
    at = [n["id"] for n in document["nodes"]].index(source) + 1
    document["nodes"].insert(at, node)
    first = edges[index]
    second = {"from": node["id"], "to": target}
    if not keep_on_first:  # the other way: the condition and label travel to the new part
        second.update({k: first.pop(k) for k in ("condition", "label") if k in first})
    first["to"] = node["id"]
    edges.insert(index + 1, second)
    return document


FINANCE_CHECK = {
    "id": "cai_wu_fu_he",
    "type": "approval",
    "name": {"zh_CN": "财务复核", "en": "Finance check"},
    "assignee": {"rule": "role", "role": "HR"},
}


def test_a_node_inserted_on_a_conditional_connection_saves_without_problems(client):
    login(client, "designer")
    document = insert_on(leave(), "over_three_days", "leader_in_charge", FINANCE_CHECK)
    answer = client.post("/designer/api/save", json={"document": document, "key": None})
    assert answer.status_code == 200 and answer.json["problems"] == []
    saved = services.lifecycle().definition("leave_renamed").versions[-1].document
    ids = {node["id"] for node in saved["nodes"]}
    assert all(edge["from"] in ids and edge["to"] in ids for edge in saved["edges"])
    assert saved["edges"][2] == {
        "from": "over_three_days",
        "to": "cai_wu_fu_he",
        "label": {"zh_CN": "超过 3 天", "en": "More than 3 days"},
        "condition": "days > 3",
    }
    assert saved["edges"][3] == {"from": "cai_wu_fu_he", "to": "leader_in_charge"}


def test_the_condition_moved_to_the_new_nodes_part_or_a_dangling_edge_is_named(client):
    login(client, "designer")
    moved = insert_on(leave(), "over_three_days", "leader_in_charge", FINANCE_CHECK, False)
    answer = client.post("/designer/api/check", json={"document": moved})
    nodes = {problem["node"] for problem in answer.json["problems"]}
    assert "over_three_days" in nodes  # its choice lost a condition
    dangling = leave()
    dangling["edges"][4]["to"] = "gone"
    answer = client.post("/designer/api/check", json={"document": dangling})
    assert any("gone" in problem["message"] for problem in answer.json["problems"])
