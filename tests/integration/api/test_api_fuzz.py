"""The served OpenAPI spec, fuzzed by schemathesis as staff and as admin: whatever a client
sends that the spec allows or not, no answer is a server error.

Bounded (a few examples per operation, no shrinking beyond hypothesis' own) so that it runs
in ``make test`` in well under a minute; the ``ci`` hypothesis profile raises the count, and
``make fuzz`` (profile ``fuzz``) runs it twenty times longer with fresh examples.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from oa_platform.demo import DEMO_PASSWORD
from tests import hypothesis_profiles
from tests.conftest import build_app
from tests.hypothesis_profiles import examples

LEAVE = {
    "leave_type": "annual",
    "start_date": "2026-12-01",
    "end_date": "2026-12-02",
    "reason": "Family visit",
    "handover_to": "head",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One app for the whole fuzz run, with the demo data and a running leave request (so
    that generated ids sometimes hit a real instance, task or question)."""
    from oa_platform.demo import load_demo_data
    from oa_platform.extensions import db

    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'oa.sqlite'}")
    with app.app_context():
        load_demo_data()
    client = app.test_client()
    tokens = {}
    for username in ("staff", "admin", "head"):
        answer = client.post(
            "/api/v1/security/login",
            json={"username": username, "password": DEMO_PASSWORD, "provider": "db"},
            csrf=False,
        )
        tokens[username] = answer.get_json()["access_token"]
    headers = {"Authorization": f"Bearer {tokens['staff']}"}
    started = client.post(
        "/api/v1/process/instances",
        json={"definition": "leave_request", "data": LEAVE},
        headers=headers,
    )
    assert started.status_code == 201, started.get_json()
    yield app, tokens
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


FUZZ = settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    # The same examples in `make test`; new ones every run of `make fuzz`.
    derandomize=hypothesis_profiles.name() != "fuzz",
)


@pytest.mark.parametrize("username", ["staff", "admin"])
def test_no_request_gets_a_server_error(served, username):
    app, tokens = served
    headers = {"Authorization": f"Bearer {tokens[username]}"}
    spec = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=headers)
    operations = [
        result.ok() for result in spec.include(path_regex="^/api/v1/process/").get_all_operations()
    ]
    assert len(operations) >= 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @FUZZ
        def no_server_error(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()
