"""Faults on the production shape (issue 25), each ending with the nothing-lost checks
(ledger.py): a web worker killed in the middle of actions while its clients retry with their
idempotency keys, beat killed and restarted, Redis away, the attachments' disk full.

The cluster is conftest.py's ``production``: a Redis of its own, its attachments on a 1 MB
tmpfs (the disk-full test is skipped where mounting is not allowed). PostgreSQL is shared by the
machine's test runs and is not restarted here: test_cluster_postgres_restart.py restarts a
server of its own.
``OA_FAULT_REDIS_AWAY_SECONDS`` sets how long Redis stays away (``make soak``: a minute).
"""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from oa_platform.cluster import PRODUCTION
from oa_platform.extensions import db
from oa_platform.processes import wait_for
from oa_platform.runtime.models import AuditEntry, Instance, Timer
from tests.integration.api.test_api_clients import CLAIM
from tests.integration.cluster.conftest import Running
from tests.integration.cluster.ledger import Ledger, assert_nothing_lost_nothing_doubled
from tests.integration.cluster.test_cluster_scenarios import (
    FIRING_TIMEOUT,
    let_deadline_pass,
    start_leave,
)
from tests.network_client import NetworkJwtClient
from tests.runtime_helpers import PDF

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

REDIS_AWAY_SECONDS = float(os.environ.get("OA_FAULT_REDIS_AWAY_SECONDS", "5"))
ACTIONS = 24  # actions sent while web workers are killed
CLIENTS = 4
MAX_KILLS = 30


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's workers (its children)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def test_a_web_worker_killed_mid_action_loses_nothing_and_retries_apply_nothing_twice(production):
    api, ledger = production.client(), Ledger()
    for _ in range(ACTIONS):
        start_leave(api)
    listed = api("GET", "head", "/tasks", params={"page_size": 100}).json()["result"]
    task_ids = [task["id"] for task in listed]
    assert len(task_ids) == ACTIONS
    victim, other = production.cluster.urls
    interrupted: list[int] = []
    replayed: list[int] = []
    lock = threading.Lock()

    def client(chunk: list[int]) -> None:
        own = NetworkJwtClient(production.cluster.urls)
        own.tokens = dict(api.tokens)
        for task_id in chunk:
            key = str(uuid.uuid4())
            for attempt in range(8):  # the first try to the victim, retries to either
                server = victim if attempt % 2 == 0 else other
                try:
                    answer = own(
                        "POST",
                        "head",
                        f"/tasks/{task_id}/actions",
                        server=server,
                        json={"action": "agree", "opinion": "Approved"},
                        headers={"Idempotency-Key": key},
                    )
                except requests.ConnectionError:
                    with lock:
                        interrupted.append(task_id)
                    continue
                if answer.status_code >= 500:  # a worker cut off mid-answer
                    with lock:
                        interrupted.append(task_id)
                    continue
                with lock:
                    ledger.record(task_id, "agree", answer.status_code)
                    if answer.headers.get("Idempotent-Replayed"):
                        replayed.append(task_id)
                break

    threads = [
        threading.Thread(target=client, args=(task_ids[i::CLIENTS],)) for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    master = production.cluster.webs[0].popen.pid
    kills = 0
    while any(t.is_alive() for t in threads) and not interrupted and kills < MAX_KILLS:
        pids = worker_pids(master)
        if pids:
            os.kill(pids[kills % len(pids)], signal.SIGKILL)
            kills += 1
        wait_for(lambda: bool(interrupted), 0.5, every=0.05)
    for thread in threads:
        thread.join(timeout=300)
    assert interrupted, f"{kills} kills and no request cut off: the kill never landed mid-action"
    assert sorted(ledger.accepted) == sorted(task_ids), "an action never went through"
    assert_nothing_lost_nothing_doubled(production, ledger)
    # The master replaced its killed workers.
    assert wait_for(lambda: len(worker_pids(master)) == PRODUCTION.web_workers, 60)


def test_beat_killed_and_restarted_fires_each_passed_deadline_once(production):
    api = production.client()
    production.cluster.beat.kill()
    tasks = [api.task_of("head", start_leave(api)["id"])["id"] for _ in range(3)]
    for task_id in tasks:
        let_deadline_pass(production, task_id)
    production.cluster.start_beat()

    assert wait_for(lambda: set(overdue(production, tasks)) == set(tasks), FIRING_TIMEOUT)
    assert overdue(production, tasks) == dict.fromkeys(tasks, 1)
    with production.app.app_context():
        attempts = db.session.scalars(
            select(Timer.attempts).where(Timer.kind == "deadline", Timer.task_id.in_(tasks))
        ).all()
        db.session.remove()
    assert attempts == [1, 1, 1]
    assert_nothing_lost_nothing_doubled(production, Ledger())


def test_with_redis_away_pages_work_log_in_is_refused_and_timers_catch_up(
    production, private_redis
):
    api, ledger = production.client(), Ledger()
    before = start_leave(api)
    head_task = api.task_of("head", before["id"])
    api.token("staff")
    private_redis.stop()
    try:
        # Reading and acting need only the database: on both web servers.
        for url in production.cluster.urls:
            assert api("GET", "head", "/tasks", server=url).status_code == 200
            assert requests.get(url + "/login/", timeout=60).status_code == 200
        agreed = api("POST", "head", f"/tasks/{head_task['id']}/actions", json={"action": "agree"})
        ledger.record(head_task["id"], "agree", agreed.status_code)
        assert agreed.status_code == 200, agreed.text
        during = start_leave(api)
        late_task = api.task_of("head", during["id"])["id"]
        let_deadline_pass(production, late_task)
        # Log-in attempts cannot be counted: refused, not let through uncounted.
        refused = NetworkJwtClient(production.cluster.urls).http.post(
            production.cluster.urls[0] + "/api/v1/security/login",
            json={"username": "hr", "password": "x", "provider": "db"},
            timeout=60,
        )
        assert refused.status_code == 503, refused.text
        assert "access_token" not in refused.text
        assert refused.headers.get("Retry-After")
        wait_for(lambda: False, REDIS_AWAY_SECONDS)  # away for a while
    finally:
        private_redis.start()
    # The deadline that passed while Redis was away fires once beat reaches the broker.
    assert wait_for(lambda: overdue(production, [late_task]) == {late_task: 1}, FIRING_TIMEOUT)
    assert NetworkJwtClient(production.cluster.urls).token("hr")
    assert_nothing_lost_nothing_doubled(production, ledger)


def test_an_upload_on_a_full_disk_is_refused_clearly_and_leaves_nothing(
    production, attachment_disk
):
    if attachment_disk is None:
        pytest.skip("no tmpfs could be mounted (needs root)")
    api = production.client()
    before = started(production)
    too_big = PDF + b"%" * (2 * 1024 * 1024)  # twice the disk
    answer = api("POST", "staff", "/instances", **claim_with_receipt(too_big))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"]["receipts"] == [
        "The file could not be stored: the server's disk is full."
    ]
    assert [p for p in attachment_disk.rglob("*") if p.is_file()] == []
    assert started(production) == before
    # Room for a small one: the disk was full for that file only.
    small = api("POST", "staff", "/instances", **claim_with_receipt(PDF))
    assert small.status_code == 201, small.text
    assert len([p for p in attachment_disk.rglob("*") if p.is_file()]) == 1
    assert_nothing_lost_nothing_doubled(production, Ledger())


def claim_with_receipt(content: bytes) -> dict:
    payload = json.dumps({"definition": "expense_claim", "data": CLAIM})
    return {
        "data": {"payload": payload},
        "files": {"receipts": ("receipt.pdf", io.BytesIO(content))},
    }


def started(production: Running) -> int:
    """Instances in the database (the test's view; it opened none itself)."""
    with production.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Instance))


def overdue(production: Running, task_ids: list[int]) -> Counter:
    """Task id -> its "overdue" audit entries."""
    with production.app.app_context():
        found = Counter(
            db.session.scalars(
                select(AuditEntry.task_id).where(
                    AuditEntry.event == "overdue", AuditEntry.task_id.in_(task_ids)
                )
            )
        )
        db.session.remove()
    return found
