"""PostgreSQL restarted under load (issue 25): the production shape (two gunicorn web servers,
two Celery workers, beat) on a PostgreSQL server of the test's own (conftest.py's
``PrivatePostgres``: the machine's shared server is never restarted), the department head
agreeing to leave requests through the REST API with idempotency keys, and the server
stopped with a fast shutdown (what ``pg_ctl restart -m fast`` or a service manager does:
every session ended at once, new connections refused) in the middle of it, then started
again after ``OA_FAULT_POSTGRES_AWAY_SECONDS`` (4; ``make soak``: 30).

Then:

- every request had its answer: the one it has with the database up, or a clean 503 with
  Retry-After and the JSON message; never a 500, a dropped connection or none at all;
- the clients' retries with the same key applied each action once (ledger.py);
- the web servers, their workers, the Celery workers and their pool processes and beat are
  the processes they were (nothing restarted them: the pool's pre-ping replaced the dead
  connections) and serve again;
- the deadlines that passed while the server was away fire once it is back, each at its
  first attempt (an outage is not a timer's failure);
- nothing lost, nothing doubled (ledger.py).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from form_builder.clock import utcnow
from oa_platform.cluster import PRODUCTION, Cluster
from oa_platform.extensions import db
from oa_platform.processes import wait_for
from oa_platform.runtime.models import Timer
from tests.conftest import build_app
from tests.database_templates import Templates
from tests.integration.cluster.conftest import (
    PrivatePostgres,
    PrivateRedis,
    Running,
    private_postgres,
    run_cluster,
)
from tests.integration.cluster.ledger import Ledger, assert_nothing_lost_nothing_doubled
from tests.integration.cluster.test_cluster_faults import overdue, worker_pids
from tests.integration.cluster.test_cluster_scenarios import (
    FIRING_TIMEOUT,
    let_deadline_pass,
    start_leave,
)
from tests.network_client import NetworkJwtClient

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

AWAY_SECONDS = float(os.environ.get("OA_FAULT_POSTGRES_AWAY_SECONDS", "4"))
ACTIONS = 24  # leave requests the head agrees to while the server restarts
CLIENTS = 4
DEADLINES = 3  # left open, their deadlines passing while the server is away
PAUSE = 0.1  # seconds between a client's requests, so that the work spans the restart
# The test's clients come back sooner than Retry-After asks (30 s): the test is short.
IMPATIENCE = 0.25
ACTION_GIVES_UP = AWAY_SECONDS + 120  # seconds: an action never applied by then is lost
UNAVAILABLE = "The service is briefly unavailable. Please try again in a minute."


@dataclass
class Answers:
    """What the clients were answered: (kind, status) counts, and what must never be."""

    counts: Counter = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(self, kind: str, api: NetworkJwtClient, *args, **kwargs) -> requests.Response | None:
        """Send one request; None if it got no answer (which is noted as wrong)."""
        try:
            answer = api(*args, **kwargs)
        except requests.RequestException as error:
            with self.lock:
                self.wrong.append(f"{kind}: no answer ({type(error).__name__}: {error})")
            return None
        with self.lock:
            self.counts[kind, answer.status_code] += 1
            if answer.status_code == 503:
                if not answer.headers.get("Retry-After", "").isdigit():
                    self.wrong.append(f"{kind}: 503 without Retry-After")
                if (
                    not answer.headers.get("Content-Type", "").startswith("application/json")
                    or answer.json().get("message") != UNAVAILABLE
                ):
                    self.wrong.append(f"{kind}: 503 {answer.text[:300]}")
            elif answer.status_code != 200:
                self.wrong.append(f"{kind}: {answer.status_code} {answer.text[:300]}")
        return answer

    def unavailable(self) -> int:
        return sum(count for (_kind, status), count in self.counts.items() if status == 503)


@pytest.fixture(scope="module")
def restarting(
    tmp_path_factory, private_redis: PrivateRedis
) -> Iterator[tuple[Running, PrivatePostgres]]:
    """The production shape on a PostgreSQL server of its own, with the directory's private
    Redis (a database number of its own: the ``production`` cluster may be running too)."""
    with ExitStack() as stack:
        server = stack.enter_context(private_postgres())
        templates = Templates(tmp_path_factory.mktemp("restart-templates"), build_app)
        running = stack.enter_context(
            run_cluster(
                "restart",
                PRODUCTION,
                tmp_path_factory.mktemp("cluster-restart"),
                templates,
                f"redis://127.0.0.1:{private_redis.port}/1",
                postgres_url=server.url("oa_restart"),
            )
        )
        yield running, server


def processes(cluster: Cluster) -> dict[str, set[int]]:
    """Each started process with its children (gunicorn's workers, Celery's pool)."""
    return {
        process.name: {process.popen.pid, *worker_pids(process.popen.pid)}
        for process in cluster.group.started
        if process.running()
    }


def agree_to_each(
    api: NetworkJwtClient, chunk: list[int], ledger: Ledger, answers: Answers
) -> None:
    """The head agrees to each task, one key per task, sending it again on a 503 until it is
    applied; between two actions the to-do list is read, as a person does."""
    for task_id in chunk:
        key = str(uuid.uuid4())
        gives_up = time.monotonic() + ACTION_GIVES_UP
        while time.monotonic() < gives_up:
            answer = answers.ask(
                "act",
                api,
                "POST",
                "head",
                f"/tasks/{task_id}/actions",
                json={"action": "agree", "opinion": "Approved"},
                headers={"Idempotency-Key": key},
            )
            if answer is None or answer.status_code != 503:
                break
            time.sleep(IMPATIENCE)
        if answer is not None:
            with answers.lock:
                ledger.record(task_id, "agree", answer.status_code)
        answers.ask("read", api, "GET", "head", "/tasks", params={"page_size": 5})
        time.sleep(PAUSE)


def test_postgresql_restarted_under_load_fails_requests_cleanly_and_everything_recovers(
    restarting,
):
    running, server = restarting
    api, ledger, answers = running.client(), Ledger(), Answers()
    for _ in range(ACTIONS):
        start_leave(api)
    listed = api("GET", "head", "/tasks", params={"page_size": 100}).json()["result"]
    task_ids = [task["id"] for task in listed]
    assert len(task_ids) == ACTIONS
    late = [api.task_of("head", start_leave(api)["id"])["id"] for _ in range(DEADLINES)]
    before = processes(running.cluster)
    assert len(before) == len(running.cluster.group.started)

    clients = []
    for number in range(CLIENTS):
        own = NetworkJwtClient(running.cluster.urls)
        own.tokens = dict(api.tokens)
        chunk = task_ids[number::CLIENTS]
        clients.append(threading.Thread(target=agree_to_each, args=(own, chunk, ledger, answers)))
    for thread in clients:
        thread.start()
    assert wait_for(lambda: len(ledger.accepted) >= ACTIONS // 4, 60), answers.wrong
    # Deadlines that pass while the server is away: beat's ticks cannot fire them then.
    due = utcnow() + timedelta(seconds=min(3.0, AWAY_SECONDS * 0.75))
    for task_id in late:
        let_deadline_pass(running, task_id, at=due)
    server.stop("fast")
    down = utcnow()
    wait_for(lambda: False, AWAY_SECONDS)  # away
    server.start()
    for thread in clients:
        thread.join(timeout=ACTION_GIVES_UP + 60)
    assert not any(thread.is_alive() for thread in clients), "a client never finished"

    assert down < due, "the server took too long to stop: the deadlines passed before"
    print(f"answers during the restart: {dict(answers.counts)}")
    assert answers.wrong == [], answers.wrong
    assert answers.unavailable() > 0, f"no request met the restart: {answers.counts}"
    assert sorted(ledger.accepted) == sorted(task_ids), "an action was never applied"
    # Nothing was restarted, and everything serves again.
    assert processes(running.cluster) == before
    for url in running.cluster.urls:
        assert api("GET", "head", "/tasks", server=url).status_code == 200
    ledger.started.append(start_leave(api)["id"])
    # The deadlines fire once, at their first attempt, once the workers reach the database.
    assert wait_for(lambda: overdue(running, late) == dict.fromkeys(late, 1), FIRING_TIMEOUT)
    with running.app.app_context():
        attempts = db.session.scalars(
            select(Timer.attempts).where(Timer.kind == "deadline", Timer.task_id.in_(late))
        ).all()
        db.session.remove()
    assert attempts == [1] * DEADLINES
    assert_nothing_lost_nothing_doubled(running, ledger)
