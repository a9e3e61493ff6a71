"""The instance migration through the REST API with only a JWT (issue 23, item 4): the
proposal, the preview, the run that must carry the preview's digest, and the way back;
administrators only."""

from __future__ import annotations

from tests.migration_helpers import at_check, request, version_one, version_two
from tests.runtime_helpers import publish, refresh, verified

BASE = "/api/v1/instance-migration"


def jwt(api):
    """``api``'s JWT log-in, for this API's own addresses (``api`` prefixes the process
    API's)."""

    def call(method: str, username: str, path: str, **kwargs):
        api("GET", username, "/definitions")  # signs in once
        headers = {"Authorization": f"Bearer {api.tokens[username]}"}
        return api.client.open(path, method=method, headers=headers, csrf=False, **kwargs)

    return call


def test_a_client_with_a_jwt_previews_runs_and_takes_back(api, demo):
    api = jwt(api)
    publish(version_one())
    waiting, legal = request(), at_check(item="contract")
    publish(version_two())

    proposal = api("GET", "admin", f"{BASE}/purchase_request/1").get_json()["result"]
    assert proposal["nodes"]["check"] == "verify" and proposal["nodes"]["legal"] is None
    assert (proposal["from_version"], proposal["to_version"]) == (1, 2)

    preview = api("POST", "admin", f"{BASE}/purchase_request/1/preview", json={}).get_json()
    assert preview["result"]["counts"]["migratable"] == 1
    [refused] = [p for p in preview["result"]["plans"] if not p["ok"]]
    assert refused["instance"] == legal.id and "Legal check" in refused["refused"][0]

    answer = api("POST", "admin", f"{BASE}/purchase_request/1/run", json={"previewed": "x"})
    assert answer.status_code == 400
    assert "Preview this mapping" in answer.get_json()["message"]
    bad = api("POST", "admin", f"{BASE}/purchase_request/1/preview", json={"nodes": {"legal": "x"}})
    assert bad.status_code == 400 and "'legal'" in bad.get_json()["message"]

    digest = preview["result"]["previewed"]
    run = api("POST", "admin", f"{BASE}/purchase_request/1/run", json={"previewed": digest})
    assert run.status_code == 200 and run.get_json()["result"]["counts"]["migratable"] == 1
    assert refresh(waiting).definition_version.number == 2

    back = api("POST", "admin", f"{BASE}/back/{waiting.id}")
    assert back.get_json()["result"] == {"instance": waiting.id, "version": 1}
    assert api("POST", "admin", f"{BASE}/back/{legal.id}").status_code == 409  # never moved
    assert api("POST", "admin", f"{BASE}/back/{waiting.id}").status_code == 409  # went back
    assert api("POST", "admin", f"{BASE}/back/999999").status_code == 404
    assert verified()


def test_only_administrators_may(api, demo):
    api = jwt(api)
    publish(version_one())
    waiting = request()
    publish(version_two())
    for username in ("designer", "hr", "head", "staff", "auditor"):
        assert api("GET", username, f"{BASE}/purchase_request/1").status_code == 403
        answer = api("POST", username, f"{BASE}/purchase_request/1/preview", json={})
        assert answer.status_code == 403
        assert api("POST", username, f"{BASE}/back/{waiting.id}").status_code == 403
    assert refresh(waiting).definition_version.number == 1
