"""A service the web process needs is away (issue 25): the answer is 503 with Retry-After,
never a 500, and nothing half-done stays behind (the request's transaction rolls back).

- **Redis** holds the log-in rate limit's counts in production. When it is away the limit
  cannot be counted, so a log-in is refused (it fails closed: an attacker gains nothing from
  an outage) with 503, while every page and API call that needs only the database goes on.
- **The database** itself: a connection lost mid-request (PostgreSQL restarted, failed over)
  or refused while it starts again fails that request with 503; the pool's pre-ping
  (``SQLALCHEMY_ENGINE_OPTIONS``) replaces the dead connections of the next ones, so the web
  processes recover without a restart. The REST API answers JSON, a browser a short page in
  its language that reloads itself. Other database errors (a missing table, a broken
  constraint) are bugs and stay 500s: :func:`database_unavailable` tells the two apart.

Celery tasks retry on the same errors (``celery_setup.py``), and a timer is not failed by
an outage (``runtime/timers.py``): both ask :func:`database_unavailable`.
"""

from __future__ import annotations

import contextlib
import sys

from flask import Flask, Response, current_app, jsonify, request
from flask_babel import gettext as _
from markupsafe import escape
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError, SQLAlchemyError

from oa_platform.extensions import db

RETRY_AFTER_SECONDS = 30
REDIS_AWAY = (RedisConnectionError, RedisTimeoutError)
# SQLSTATEs of a server that is away: class 08 (connection exception), and 57P01-57P03 (an
# administrator shut it down, it crashed, it is starting and not yet accepting connections).
_AWAY_STATES = ("08", "57P01", "57P02", "57P03")
# SQLite's file is busy past the busy timeout (another process holds the write lock).
_SQLITE_BUSY = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})
_LOST_EARLIER_IN_TRANSACTION = "8s2b"  # SQLAlchemy's error code for it


def database_unavailable(error: BaseException) -> bool:
    """True when ``error`` says the database cannot be reached for now (a connection lost or
    refused, a server shutting down or starting up, SQLite busy), as opposed to a statement
    it refused (a bug, or a conflict the command handles)."""
    if isinstance(error, PendingRollbackError):
        # "Can't reconnect until invalid transaction is rolled back": a statement met the
        # connection lost earlier in its transaction (the first error was handled on the
        # way, in a savepoint say); the other kind ("7s2a", a failed flush) is a bug.
        return error.code == _LOST_EARLIER_IN_TRANSACTION
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:  # SQLAlchemy saw the connection die under a statement
        return True
    original = error.orig
    if hasattr(original, "sqlstate"):  # psycopg
        state = original.sqlstate
        if state is None:
            # No answer from a server at all: the connection could not be opened (refused,
            # reset), psycopg's client-side OperationalError.
            return isinstance(error, OperationalError)
        return state.startswith(_AWAY_STATES)
    return getattr(original, "sqlite_errorname", None) in _SQLITE_BUSY


def unavailable(error: BaseException) -> bool:
    """True when ``error`` is a service away: Redis, or the database (above)."""
    return isinstance(error, REDIS_AWAY) or database_unavailable(error)


def init_app(app: Flask) -> None:
    """Answer services away with 503 and turn on the pool's pre-ping."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("pool_pre_ping", True)
    for error in (*REDIS_AWAY, DBAPIError, PendingRollbackError):
        app.register_error_handler(error, _handle)


def init_teardown(app: Flask) -> None:
    """Close each request's (and task's) session before Flask-SQLAlchemy does: call after
    ``db.init_app`` (the last teardown registered runs first)."""
    app.teardown_appcontext(_close_session)


def _close_session(_error: BaseException | None) -> None:
    try:
        db.session.remove()
    except DBAPIError as error:
        if not database_unavailable(error):
            raise
        # The server ended the connection under the closing rollback (a fast shutdown): it
        # rolled the transaction back itself, and the answer is ready; forget the session,
        # whose connection SQLAlchemy has invalidated, rather than turn the answer into a 500.
        db.session.registry.clear()


class UnavailableApi:
    """Mixed into a Flask-AppBuilder ``BaseApi``: its ``@safe`` views catch every error and
    answer 500; a service away answers 503 with Retry-After instead."""

    def response_500(self, message: str | None = None) -> Response:
        error = sys.exc_info()[1]  # @safe calls this inside its ``except`` block
        if error is not None and unavailable(error):
            return _unavailable(error)
        return super().response_500(message=message)  # type: ignore[misc]


def _handle(error: Exception) -> Response:
    if not unavailable(error):
        raise error  # not an outage: Flask's own 500 (and its log)
    return _unavailable(error)


# A page of its own, written without Jinja: the layout, and Flask-Login's template context,
# read the signed-in person from the database that is away. It asks again by itself after
# Retry-After (a GET only: a form is never sent twice unasked).
_PAGE = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8">{again}'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>{title}</title></head><body><h1>{title}</h1><p>{message}</p>"
    '<p><a href="{here}">{retry}</a></p></body></html>'
)


def _unavailable(error: Exception) -> Response:
    cause = str(getattr(error, "orig", None) or error).strip().splitlines()
    current_app.logger.warning(
        "503: a service is unavailable: %s %s", type(error).__name__, cause[0] if cause else ""
    )
    # What the request read is gone with the connection: forget it, so the language's look-up
    # (the signed-in person's choice) and the teardown start from a clean session.
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    message = _("The service is briefly unavailable. Please try again in a minute.")
    if (
        request.path.startswith("/api/")
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    ):
        response = jsonify(message=message)
    else:
        from oa_platform.i18n import current_language

        again = request.method == "GET"
        page = _PAGE.format(
            lang=escape(current_language().replace("_", "-")),
            again=f'<meta http-equiv="refresh" content="{RETRY_AFTER_SECONDS}">' if again else "",
            title=escape(_("Briefly unavailable")),
            message=escape(message),
            # The same address, never another site's ("//host" would leave this one).
            here=escape("/" + request.full_path.lstrip("/").rstrip("?") if again else "/"),
            retry=escape(_("Try again")),
        )
        response = Response(page, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
