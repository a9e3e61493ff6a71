"""A service the web process needs is away (issue 25): the answer is 503 with Retry-After,
never a 500, and nothing half-done stays behind (the request's transaction rolls back).

- **Redis** holds the log-in rate limit's counts in production. When it is away the limit
  cannot be counted, so a log-in is refused (it fails closed: an attacker gains nothing from
  an outage) with 503, while every page and API call that needs only the database goes on.
- **The database** itself: a connection lost mid-request (PostgreSQL restarted) fails that
  request with 503; the pool's pre-ping (``SQLALCHEMY_ENGINE_OPTIONS``) replaces the dead
  connections of the next ones, so the web processes recover without a restart.
"""

from __future__ import annotations

import sys

from flask import Flask, Response, current_app, jsonify, request
from flask_babel import gettext as _
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OperationalError)


def init_app(app: Flask) -> None:
    """Answer :data:`UNAVAILABLE` errors with 503 and turn on the pool's pre-ping."""
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("pool_pre_ping", True)
    for error in UNAVAILABLE:
        app.register_error_handler(error, _unavailable)


class UnavailableApi:
    """Mixed into a Flask-AppBuilder ``BaseApi``: its ``@safe`` views catch every error and
    answer 500; one of :data:`UNAVAILABLE` answers 503 with Retry-After instead."""

    def response_500(self, message: str | None = None) -> Response:
        error = sys.exc_info()[1]  # @safe calls this inside its ``except`` block
        if isinstance(error, UNAVAILABLE):
            return _unavailable(error)
        return super().response_500(message=message)  # type: ignore[misc]


def _unavailable(error: Exception) -> Response:
    current_app.logger.warning("503: a service is unavailable: %s", error.__class__.__name__)
    message = _("The service is briefly unavailable. Please try again in a minute.")
    if request.path.startswith("/api/"):
        response = jsonify(message=message)
    else:
        response = Response(message, mimetype="text/plain")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
