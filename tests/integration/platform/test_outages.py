"""A service away mid-request (issue 25): the database connection lost (PostgreSQL restarted
under the request) answers 503 with Retry-After on the pages and on the REST API, never a
500, and the next request works; the pool pre-pings its connections. Redis away is proven
on the real processes (tests/integration/cluster/test_cluster_faults.py)."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from oa_platform.extensions import db
from oa_platform.runtime import api as process_api
from oa_platform.runtime import inbox
from tests.conftest import login

BOTH_DATABASES = True


def connection_lost(*_args, **_kwargs):
    raise OperationalError("SELECT ...", {}, Exception("server closed the connection unexpectedly"))


def test_the_api_answers_503_with_retry_after_while_the_database_is_away(api, monkeypatch):
    with monkeypatch.context() as away:
        away.setattr(process_api, "published_node_names", connection_lost)
        answer = api("GET", "staff", "/tasks")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert answer.get_json()["message"] == (
        "The service is briefly unavailable. Please try again in a minute."
    )
    assert api("GET", "staff", "/tasks").status_code == 200


def test_a_page_answers_503_with_retry_after_while_the_database_is_away(client, monkeypatch):
    login(client, "staff")
    with monkeypatch.context() as away:
        away.setattr(inbox, "counts", connection_lost)
        answer = client.get("/inbox/")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert "briefly unavailable" in answer.get_data(as_text=True)
    assert client.get("/inbox/").status_code == 200


def test_the_pool_checks_a_connection_before_using_it(app):
    with app.app_context():
        assert db.engine.pool._pre_ping
