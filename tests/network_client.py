"""The REST API's JWT client of tests/api_client.py, over the network: real HTTP (requests)
to running web servers, each request sent to the next server in turn, as behind a load
balancer. A person logs in once; the token is good on every server (one secret key)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Sequence
from typing import Any

import requests

from oa_platform.demo import DEMO_PASSWORD

TIMEOUT = 60  # seconds: generous, the machine may be busy


class NetworkJwtClient:
    """``api(method, username, path, **requests_kwargs)`` against ``urls`` in turn."""

    def __init__(self, urls: Sequence[str]):
        self.urls = list(urls)
        self._next = itertools.cycle(self.urls)
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = "en"
        self.tokens: dict[str, str] = {}
        self.served_by: list[str] = []  # the server of each request, in order

    def token(self, username: str) -> str:
        if username not in self.tokens:
            answer = self.http.post(
                next(self._next) + "/api/v1/security/login",
                json={"username": username, "password": DEMO_PASSWORD, "provider": "db"},
                timeout=TIMEOUT,
            )
            assert answer.status_code == 200, answer.text
            self.tokens[username] = answer.json()["access_token"]
        return self.tokens[username]

    def __call__(
        self, method: str, username: str, path: str, *, server: str | None = None, **kwargs: Any
    ) -> requests.Response:
        url = server or next(self._next)
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.token(username)}"}
        self.served_by.append(url)
        return self.http.request(
            method, f"{url}/api/v1/process{path}", headers=headers, timeout=TIMEOUT, **kwargs
        )

    def task_of(self, username: str, instance_id: int) -> dict:
        """``username``'s open (or held) task of the instance, as their task list shows it."""
        tasks = self("GET", username, "/tasks", params={"page_size": 100}).json()["result"]
        return next(t for t in tasks if t["instance"] == instance_id)

    def act(self, username: str, instance_id: int, action: str, **body: Any) -> requests.Response:
        """``username`` takes ``action`` on their open task of the instance, with a fresh
        idempotency key; the answer."""
        task = self.task_of(username, instance_id)
        return self(
            "POST",
            username,
            f"/tasks/{task['id']}/actions",
            json={"action": action, **body},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
