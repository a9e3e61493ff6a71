"""A published version's process spec is compiled once per app and shared: by every engine,
by the policy's offered actions and field access, by the page and the API
(``form_builder.services.process_spec``, issue 15)."""

from __future__ import annotations

import pytest

from form_builder import services as form_services
from form_builder.spec import compile_spec
from oa_platform.extensions import db
from oa_platform.runtime import policy
from oa_platform.runtime.engine import Engine
from plugins.registry import node_types
from tests.conftest import login, user
from tests.integration.api.test_api_clients import JwtClient
from tests.runtime_helpers import live, refresh, start


@pytest.fixture
def compiles(monkeypatch) -> list[int]:
    """The spec compilations of the test, as the number of nodes each compiled."""
    seen: list[int] = []

    def counting(document, types):
        seen.append(len(document["nodes"]))
        return compile_spec(document, types)

    monkeypatch.setattr(form_services, "compile_spec", counting)
    return seen


def test_one_spec_per_version_shared_by_engines_and_requests(client, compiles):
    instance = start("staff", "leave_request")
    task = live(instance)[0]
    assert len(compiles) == 1  # the submit's engine compiled it

    first = Engine(db.session, node_types(), refresh(instance), user("staff").id)
    second = Engine(db.session, node_types(), refresh(instance), user(task.assignee.username).id)
    assert first.spec is second.spec
    assert first.nodes is first.spec.node_documents and first.outgoing is second.outgoing
    version = refresh(instance).definition_version
    assert form_services.process_spec(version) is first.spec

    # Two requests (the page, then the API) and the inbox: nothing compiled again.
    login(client, task.assignee.username)
    assert client.get(f"/instances/{instance.id}").status_code == 200
    assert client.get("/inbox/").status_code == 200
    answer = JwtClient(client)("GET", task.assignee.username, f"/instances/{instance.id}")
    assert answer.status_code == 200
    assert len(compiles) == 1
    names = form_services.published_node_names(db.session, [version.id])[version.id]
    assert names == first.spec.names

    # What the API and the policy answer comes from that spec.
    shown = next(t for t in answer.get_json()["result"]["tasks"] if t["id"] == task.id)
    assert shown["node_name"] == first.spec.names[task.node_id]
    node = first.spec.nodes[task.node_id]
    offered = {str(a) for a in policy.offered_actions(second, refresh(instance).tasks[0])}
    assert offered <= set(node.actions) | {"submit"}
    access = policy.readable_fields(refresh(instance), task.assignee)
    assert access is node.field_access


def test_each_version_has_its_own_spec(demo, compiles):
    leave = start("staff", "leave_request")
    claim = start("staff", "expense_claim")
    specs = {
        form_services.process_spec(refresh(instance).definition_version)
        for instance in (leave, claim, leave, claim)
    }
    assert len(specs) == len(compiles) == 2


def test_the_deadline_of_a_task_is_its_nodes_spec(demo):
    # Regulations §3.3: the task is due its node's hours after it arrived (24 by default).
    instance = start("staff", "leave_request")
    task = live(instance)[0]
    spec = form_services.process_spec(refresh(instance).definition_version)
    assert spec.nodes[task.node_id].deadline_hours == spec.nodes[task.node_id].document.get(
        "deadline_hours", 24
    )
    assert task.due_at is not None and task.due_at > task.created_at
