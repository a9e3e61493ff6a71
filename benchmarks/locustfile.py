"""Staff at work, for locust (issue 25): the load test of the production shape.

Two kinds of people, as in the demo organisation:

- **initiators** (``staff``) start leave requests through the REST API, look at their inbox
  page and read their notifications page;
- **approvers** (``head`` and ``hr``) open their task list (REST API), open one of the
  instances, act on it with an opinion (an ``Idempotency-Key`` on every action), and look at
  their inbox and notifications pages.

The API is used with a JWT, the pages with a session cookie, each person logged in once at
the start. Many simulated users share one account (the demo has a few people), so two may act
on the same task at once: the loser's 409 ("already handled") is the platform's correct
answer and counts as a success, named apart ("act: already handled").

Run: ``OA_LOAD_HOSTS=http://127.0.0.1:8001,http://127.0.0.1:8002 locust -f
benchmarks/locustfile.py --host http://127.0.0.1:8001`` (``make cluster`` first);
tests/integration/cluster/test_cluster_load.py runs it headless. With
``OA_LOAD_LEDGER`` set, every accepted action ("<task> agree") and every started instance
("<instance> start") is appended to that file, for the nothing-lost checks.
"""

from __future__ import annotations

import os
import random
import re
import uuid
from datetime import date, timedelta

from locust import HttpUser, between, task

from oa_platform.demo import DEMO_PASSWORD

PASSWORD = os.environ.get("OA_LOAD_PASSWORD", DEMO_PASSWORD)
LEDGER = os.environ.get("OA_LOAD_LEDGER")
# Comma-separated web servers: each simulated person uses one, as a load balancer would pick.
HOSTS = [host for host in os.environ.get("OA_LOAD_HOSTS", "").split(",") if host]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Person(HttpUser):
    """One signed-in person: a JWT for the API and a session for the pages."""

    abstract = True
    wait_time = between(1, 3)  # reading, thinking, typing
    usernames: tuple[str, ...] = ()

    def on_start(self) -> None:
        if HOSTS:
            self.client.base_url = random.choice(HOSTS)
        self.username = random.choice(self.usernames)
        self.client.headers["Accept-Language"] = "en"
        answer = self.client.post(
            "/api/v1/security/login",
            json={"username": self.username, "password": PASSWORD, "provider": "db"},
            name="log in (API)",
        )
        self.bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        page = self.client.get("/login/", name="log in (page)")
        token = CSRF.search(page.text)
        self.client.post(
            "/login/",
            data={"username": self.username, "password": PASSWORD, "csrf_token": token[1]},
            name="log in (page)",
        )

    def api(self, method: str, path: str, name: str, **kwargs):
        headers = {**self.bearer, **kwargs.pop("headers", {})}
        return self.client.request(
            method, f"/api/v1/process{path}", headers=headers, name=name, **kwargs
        )

    @task(2)
    def inbox_page(self) -> None:
        self.client.get("/inbox/", name="inbox page")

    @task(1)
    def notifications_page(self) -> None:
        self.client.get("/notifications/", name="notifications page")


class Initiator(Person):
    """Staff starting forms."""

    weight = 1
    usernames = ("staff",)

    @task(2)
    def start_a_leave_request(self) -> None:
        first = date.today() + timedelta(days=random.randint(10, 60))
        data = {
            "leave_type": "annual",
            "start_date": first.isoformat(),
            "end_date": (first + timedelta(days=1)).isoformat(),
            "reason": "Family visit",
            "handover_to": "head",
        }
        answer = self.api(
            "POST",
            "/instances",
            "start a form",
            json={"definition": "leave_request", "data": data},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if answer.status_code == 201:
            record(f"{answer.json()['result']['id']} start")


class Approver(Person):
    """Department heads and HR working through their tasks."""

    weight = 2
    usernames = ("head", "hr")

    @task(4)
    def task_list(self) -> None:
        self.api("GET", "/tasks", "task list (API)")

    @task(2)
    def open_an_instance(self) -> None:
        mine = self.api("GET", "/tasks", "task list (API)").json()["result"]
        if mine:
            instance = random.choice(mine)["instance"]
            self.api("GET", f"/instances/{instance}", "open an instance")

    @task(3)
    def act_with_an_opinion(self) -> None:
        mine = self.api("GET", "/tasks", "task list (API)").json()["result"]
        if not mine:
            return
        chosen = random.choice(mine)
        body = {"action": "agree", "opinion": "Checked, approved."}
        with self.client.post(
            f"/api/v1/process/tasks/{chosen['id']}/actions",
            json=body,
            headers={**self.bearer, "Idempotency-Key": str(uuid.uuid4())},
            name="act with an opinion",
            catch_response=True,
        ) as answer:
            if answer.status_code == 409:  # another simulated user of this account won
                answer.success()
                answer.request_meta["name"] = "act: already handled"
            elif answer.status_code == 200:
                record(f"{chosen['id']} agree")


def record(line: str) -> None:
    """Note what a simulated person was told was done, for the nothing-lost checks."""
    if LEDGER:
        with open(LEDGER, "a") as ledger:
            ledger.write(line + "\n")
