"""A REST API client as a phone app or another system is: it logs in with FAB's JWT log-in
once per person and sends ``Authorization: Bearer`` (no cookie, so no CSRF token)."""

from __future__ import annotations

from typing import Any

from oa_platform.demo import DEMO_PASSWORD


class JwtClient:
    """What a client with only a JWT does: log in once, then send ``Authorization``."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[str, str] = {}

    def __call__(self, method: str, username: str, path: str, **kwargs):
        if username not in self.tokens:
            answer = self.client.post(
                "/api/v1/security/login",
                json={"username": username, "password": DEMO_PASSWORD, "provider": "db"},
                csrf=False,
            )
            assert answer.status_code == 200, answer.get_json()
            self.tokens[username] = answer.get_json()["access_token"]
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.tokens[username]}"}
        return self.client.open(
            f"/api/v1/process{path}", method=method, headers=headers, csrf=False, **kwargs
        )

    def task_of(self, username: str, instance_id: int) -> dict:
        """``username``'s open (or held) task of the instance, as their task list shows it."""
        tasks = self("GET", username, "/tasks").get_json()["result"]
        return next(t for t in tasks if t["instance"] == instance_id)

    def act(self, username: str, instance_id: int, action: str, **body: Any):
        """``username`` takes ``action`` on their open task of the instance; the answer."""
        task = self.task_of(username, instance_id)
        return self(
            "POST", username, f"/tasks/{task['id']}/actions", json={"action": action, **body}
        )
