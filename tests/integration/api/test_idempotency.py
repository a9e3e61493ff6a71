"""Idempotency keys (issue 25): a client that got no answer sends its write again with the
same ``Idempotency-Key`` and the platform applies it once, answering the retry with the
first answer; the key and the action are committed together or not at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from form_builder.clock import utcnow
from oa_platform.accounts.tasks import purge_login_throttles
from oa_platform.extensions import db
from oa_platform.idempotency import IdempotentRequest
from oa_platform.runtime.models import AuditEntry, Instance, Task
from oa_platform.runtime.states import TaskStatus
from tests.api_client import JwtClient
from tests.integration.api.test_process_api import LEAVE
from tests.integration.runtime.test_runtime_concurrency import THREADS, at_once, pg_app

BOTH_DATABASES = True
__all__ = ["pg_app"]  # a fixture, used by the last test


def start(api, key: str, **data):
    return api(
        "POST",
        "staff",
        "/instances",
        json={"definition": "leave_request", "data": {**LEAVE, **data}},
        headers={"Idempotency-Key": key},
    )


def agree(api, task_id: int, key: str, **body):
    return api(
        "POST",
        "head",
        f"/tasks/{task_id}/actions",
        json={"action": "agree", **body},
        headers={"Idempotency-Key": key},
    )


def instances_started() -> int:
    return db.session.scalar(select(func.count()).select_from(Instance))


def actions_on(task_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.detail["action"].as_string()).where(
                AuditEntry.event == "action", AuditEntry.task_id == task_id
            )
        )
    )


def test_a_retried_start_and_action_are_applied_once_and_answered_alike(api):
    first = start(api, "start-1")
    again = start(api, "start-1")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert instances_started() == 1

    task = api.task_of("head", first.get_json()["result"]["id"])
    acted = agree(api, task["id"], "agree-1")
    retried = agree(api, task["id"], "agree-1")
    assert acted.status_code == retried.status_code == 200
    assert retried.get_json() == acted.get_json()
    assert actions_on(task["id"]) == ["agree"]
    # Without a key a repeated action is a new request: the task is done, so 409.
    assert (
        api("POST", "head", f"/tasks/{task['id']}/actions", json={"action": "agree"}).status_code
        == 409
    )


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(api):
    assert start(api, "mine").status_code == 201
    reused = start(api, "mine", reason="Another family visit")
    assert reused.status_code == 422
    assert "This Idempotency-Key was used for another request" in reused.get_json()["message"]
    assert instances_started() == 1


def test_a_refusal_is_not_kept_so_the_corrected_request_goes_through(api):
    instance = start(api, "start").get_json()["result"]
    task = api.task_of("head", instance["id"])
    disagree = {"action": "disagree"}
    path = f"/tasks/{task['id']}/actions"
    refused = api("POST", "head", path, json=disagree, headers={"Idempotency-Key": "d"})
    assert refused.status_code == 422  # no opinion (§3.5)
    corrected = api(
        "POST",
        "head",
        path,
        json={**disagree, "opinion": "Not this week"},
        headers={"Idempotency-Key": "d"},
    )
    assert corrected.status_code == 200, corrected.get_json()
    assert actions_on(task["id"]) == ["disagree"]


def test_a_key_is_honoured_for_24_hours_then_free(api):
    assert start(api, "daily").status_code == 201
    db.session.execute(
        update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=23, minutes=59))
    )
    db.session.commit()
    assert start(api, "daily").headers["Idempotent-Replayed"] == "true"
    db.session.execute(
        update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=24, minutes=1))
    )
    db.session.commit()
    fresh = start(api, "daily")
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert instances_started() == 2
    assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 1
    # Beat's hourly housekeeping forgets the answers past their 24 hours.
    db.session.execute(update(IdempotentRequest).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert purge_login_throttles() >= 1
    assert db.session.scalar(select(func.count()).select_from(IdempotentRequest)) == 0


def test_an_action_whose_key_cannot_be_stored_is_not_applied(api, monkeypatch):
    instance = start(api, "start").get_json()["result"]
    task = api.task_of("head", instance["id"])

    def fail_to_store(session, _context, _instances):
        if any(isinstance(row, IdempotentRequest) for row in session.new):
            raise OSError("the database went away while storing the key")

    event.listen(db.session, "before_flush", fail_to_store)
    try:
        failed = agree(api, task["id"], "lost")
    finally:
        event.remove(db.session, "before_flush", fail_to_store)
    assert failed.status_code == 500
    assert db.session.get(Task, task["id"]).status is TaskStatus.OPEN
    assert actions_on(task["id"]) == []
    retried = agree(api, task["id"], "lost")
    assert retried.status_code == 200 and "Idempotent-Replayed" not in retried.headers
    assert actions_on(task["id"]) == ["agree"]


def test_a_key_must_not_be_empty_or_longer_than_255(api):
    assert start(api, "x" * 256).status_code == 400
    assert start(api, "").status_code == 400
    assert instances_started() == 0


def test_the_spec_documents_the_header_on_the_write_endpoints(client):
    from tests.conftest import login

    login(client, "admin")
    spec = client.get("/api/v1/_openapi").get_json()
    parameter = spec["components"]["parameters"]["IdempotencyKey"]
    assert (parameter["in"], parameter["name"]) == ("header", "Idempotency-Key")
    reference = {"$ref": "#/components/parameters/IdempotencyKey"}
    process = {path: item for path, item in spec["paths"].items() if "/process/" in path}
    marked = {
        (path, method)
        for path, item in process.items()
        for method, operation in item.items()
        if reference in operation.get("parameters", [])
    }
    writes = {
        (path, method) for path, item in process.items() for method in item if method == "post"
    }
    assert marked == writes and len(writes) == 5


@pytest.mark.postgres
def test_the_same_request_sent_eight_times_at_once_is_applied_once(pg_app):
    api = JwtClient(pg_app.test_client())
    with pg_app.app_context():
        instance = start(api, "start").get_json()["result"]
        task = api.task_of("head", instance["id"])
        api.task_of("head", instance["id"])  # logged in before the race
        db.session.remove()
    answers = at_once(pg_app, [lambda: agree(api, task["id"], "race")] * THREADS)
    assert [answer.status_code for answer in answers] == [200] * THREADS
    assert len({answer.get_data() for answer in answers}) == 1
    assert sum("Idempotent-Replayed" in answer.headers for answer in answers) == THREADS - 1
    with pg_app.app_context():
        assert actions_on(task["id"]) == ["agree"]
        db.session.remove()
