"""A service away mid-request (issue 25): the database connection lost (PostgreSQL restarted
under the request) answers 503 with Retry-After on the pages and on every REST API, never a
500, and the next request works; the pool pre-pings its connections; a Celery task that
meets the database away runs again later, and a timer does not count it as a failure. A
database error that is no outage (a bug) stays a 500. PostgreSQL really restarted under
load: tests/integration/cluster/test_cluster_postgres_restart.py; Redis away: the cluster's
test_cluster_faults.py."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import psycopg
import pytest
import time_machine
from celery.exceptions import Retry
from flask_appbuilder.api import BaseApi
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform import celery_setup
from oa_platform.extensions import celery, db
from oa_platform.outages import UnavailableApi, database_unavailable
from oa_platform.runtime import api as process_api
from oa_platform.runtime import inbox, timers
from oa_platform.runtime.models import AuditEntry, Timer, TimerState
from oa_platform.runtime.services import runtime
from tests.conftest import login
from tests.integration.timers.test_timers import countersigned_by, deadline_of

BOTH_DATABASES = True
MESSAGE = "The service is briefly unavailable. Please try again in a minute."


def connection_lost(*_args, **_kwargs):
    """What SQLAlchemy raises when the server closes the connection under a statement."""
    raise OperationalError(
        "SELECT ...",
        {},
        psycopg.OperationalError("consuming input failed: server closed the connection"),
        connection_invalidated=True,
    )


def no_such_table(*_args, **_kwargs):
    raise OperationalError("SELECT ...", {}, sqlite3.OperationalError("no such table: x"))


def test_what_counts_as_the_database_away():
    def wrapped(original: Exception, error=OperationalError) -> Exception:
        return error("SELECT 1", {}, original)

    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorname = "SQLITE_BUSY"
    away = [
        # Refused or reset before any server answered (the server is down).
        wrapped(psycopg.OperationalError("connection failed: Connection refused")),
        wrapped(psycopg.errors.AdminShutdown("terminating connection")),  # a fast shutdown
        wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")),
        wrapped(psycopg.errors.ConnectionFailure("connection failure")),  # class 08
        wrapped(busy),  # SQLite's file busy past the busy timeout
        # A later statement of a transaction whose connection was lost (SQLAlchemy's 8s2b).
        PendingRollbackError(
            "Can't reconnect until invalid transaction is rolled back", code="8s2b"
        ),
    ]
    not_away = [
        wrapped(psycopg.errors.UndefinedTable("no such relation")),
        wrapped(psycopg.errors.UniqueViolation("duplicate"), IntegrityError),
        wrapped(psycopg.errors.QueryCanceled("statement timeout")),
        wrapped(sqlite3.OperationalError("no such table: x")),
        PendingRollbackError("rolled back due to a previous exception during flush", code="7s2a"),
        RuntimeError("a bug"),
    ]
    assert [database_unavailable(error) for error in away] == [True] * len(away)
    assert [database_unavailable(error) for error in not_away] == [False] * len(not_away)


def test_the_api_answers_503_with_retry_after_while_the_database_is_away(api, monkeypatch):
    with monkeypatch.context() as away:
        away.setattr(process_api, "published_node_names", connection_lost)
        answer = api("GET", "staff", "/tasks")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert answer.get_json()["message"] == MESSAGE
    assert api("GET", "staff", "/tasks").status_code == 200


def test_a_connection_lost_while_closing_the_session_leaves_the_answer_as_it_was(api, monkeypatch):
    """The server's fast shutdown can end the connection under the rollback that closes a
    request's session, after the answer was made: the answer goes out, not a 500."""
    with monkeypatch.context() as away:
        away.setattr(Session, "close", connection_lost)
        answer = api("GET", "staff", "/tasks")
    assert answer.status_code == 200
    assert api("GET", "staff", "/tasks").status_code == 200


def test_a_database_error_that_is_no_outage_stays_a_500(api, monkeypatch):
    monkeypatch.setattr(process_api, "published_node_names", no_such_table)
    answer = api("GET", "staff", "/tasks")
    assert answer.status_code == 500
    assert "Retry-After" not in answer.headers


def test_every_api_of_the_platform_answers_503_while_the_database_is_away(app):
    """FAB's ``@safe`` turns any error of a REST API's view into a 500: each of ours (and the
    JWT log-in) mixes in the 503 for a service away. FAB's spec and menu read no table."""
    apis = [view for view in app.appbuilder.baseviews if isinstance(view, BaseApi)]
    without = {type(view).__name__ for view in apis if not isinstance(view, UnavailableApi)}
    assert without == {"OpenApi", "MenuApi"}
    assert "SecurityApi" in {type(view).__name__ for view in apis}


def test_the_jwt_log_in_answers_503_while_the_database_is_away(app, client, monkeypatch):
    monkeypatch.setattr(type(app.appbuilder.sm), "auth_user_db", connection_lost)
    answer = client.post(
        "/api/v1/security/login",
        json={"username": "staff", "password": "whatever-it-is", "provider": "db"},
    )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert "access_token" not in answer.get_data(as_text=True)


def test_a_page_answers_503_with_retry_after_while_the_database_is_away(client, monkeypatch):
    login(client, "staff")
    with monkeypatch.context() as away:
        away.setattr(inbox, "counts", connection_lost)
        answer = client.get("/inbox/", headers={"Accept-Language": "en"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    page = answer.get_data(as_text=True)
    assert answer.mimetype == "text/html"
    assert "<title>Briefly unavailable</title>" in page and MESSAGE in page
    # It asks again by itself after Retry-After, at the same address.
    assert '<meta http-equiv="refresh" content="30">' in page
    assert '<a href="/inbox/">Try again</a>' in page
    assert client.get("/inbox/").status_code == 200


def test_the_page_speaks_the_browser_language_when_the_account_cannot_be_read(
    app, client, monkeypatch
):
    """The signed-in person's saved language is in the database that is away: the page is
    in the session's or the browser's language, and a form's post is not sent again."""
    login(client, "staff")
    monkeypatch.setattr(type(app.appbuilder.sm), "_load_with_revocation", connection_lost)
    answer = client.get("/inbox/?page=2", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert answer.status_code == 503
    page = answer.get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    assert "服务暂时不可用" in page
    assert '<a href="/inbox/?page=2">' in page
    posted = client.post("/inbox/", headers={"Accept-Language": "zh-CN"})
    assert posted.status_code == 503
    assert "refresh" not in posted.get_data(as_text=True)


def test_the_pool_checks_a_connection_before_using_it(app):
    with app.app_context():
        assert db.engine.pool._pre_ping


def test_a_task_that_meets_the_database_away_runs_again_later(app, monkeypatch):
    # A task as the platform's are made (its Celery base is the app's FlaskTask), whose
    # work meets the database away.
    task = celery.task(name="tests.outages.database_away", shared=False)(connection_lost)
    asked = {}

    def retry(**options):
        asked.update(options)
        return Retry("again later")

    monkeypatch.setattr(task, "retry", retry)
    task.push_request(retries=3, called_directly=False, is_eager=False)
    try:
        with pytest.raises(Retry):
            task()
    finally:
        task.pop_request()
    assert asked["countdown"] == 16  # 2, 4, 8, 16 ... at most a minute apart
    assert asked["max_retries"] == celery_setup.DATABASE_RETRIES
    assert isinstance(asked["exc"], OperationalError)
    # Any other failure is the task's own: no retry for it here.
    monkeypatch.setattr(task, "run", no_such_table)
    task.push_request(retries=0, called_directly=False, is_eager=False)
    try:
        with pytest.raises(OperationalError):
            task()
    finally:
        task.pop_request()


def test_a_timer_that_meets_the_database_away_keeps_its_attempts_and_fires_later(demo):
    """The outage rolls the firing back; the timer stays claimed until its lease runs out,
    then fires once, at its first attempt, with no error recorded."""
    instance = countersigned_by("head", "leader")
    calls = []

    def handle(timer: Timer) -> None:
        calls.append(timer.id)
        if len(calls) == 1:
            connection_lost()
        runtime().timer_fired(timer)

    later = utcnow() + timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        timer_id = deadline_of(instance, "head")
        db.session.execute(update(Timer).where(Timer.id != timer_id).values(state=TimerState.DONE))
        db.session.commit()
        with pytest.raises(OperationalError):
            timers.fire_due(db.session, handle)
        db.session.rollback()
        timer = db.session.get(Timer, timer_id)
        assert (timer.state, timer.attempts, timer.last_error) == (TimerState.RUNNING, 0, None)
    with time_machine.travel(later + timers.default_lease() + timedelta(seconds=1), tick=False):
        assert timers.fire_due(db.session, handle) == 1
    timer = db.session.get(Timer, timer_id)
    assert (timer.state, timer.attempts, timer.last_error) == (TimerState.DONE, 1, None)
    overdue = db.session.scalars(
        db.select(AuditEntry.task_id).where(
            AuditEntry.event == "overdue", AuditEntry.instance_id == instance.id
        )
    ).all()
    assert len(overdue) == 1
