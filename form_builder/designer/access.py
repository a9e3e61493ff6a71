"""Who may use the designer, checked on the server for every page and endpoint.

The designer shares the Definitions pages' permission (``can_design`` on ``DefinitionsView``,
held by Admin and Process Designer): whoever may edit a draft's JSON may design it. A signed-in
user without it gets 404, as if the designer did not exist; a visitor who is not signed in is
sent to the log-in page (pages) or gets 401 (JSON). Every POST carries the CSRF token, as a
form field or in the ``X-CSRFToken`` header: the app checks it before any view runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, jsonify, make_response, redirect, request, url_for
from flask_login import current_user

PERMISSION_VIEW = "DefinitionsView"
PERMISSION = "design"


def may_design() -> bool:
    """Whether the signed-in user holds the design permission."""
    security = current_app.appbuilder.sm
    return bool(
        current_user.is_authenticated and security.has_access(f"can_{PERMISSION}", PERMISSION_VIEW)
    )


def designer_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """An HTML page of the designer."""

    @functools.wraps(view)
    def guarded(self, *args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            login = current_app.appbuilder.sm.auth_view.__class__.__name__ + ".login"
            return redirect(url_for(login, next=request.url))
        if not may_design():
            abort(404)
        return view(self, *args, **kwargs)

    guarded._permission_name = PERMISSION  # type: ignore[attr-defined]  # FAB's marker
    return guarded


def designer_api(view: Callable[..., Any]) -> Callable[..., Any]:
    """A JSON endpoint of the designer: errors answer as ``{"error": message}``."""

    @functools.wraps(view)
    def guarded(self, *args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return json_error("Sign in first.", 401)
        if not may_design():
            return json_error("Not found.", 404)
        return view(self, *args, **kwargs)

    guarded._permission_name = PERMISSION  # type: ignore[attr-defined]  # FAB's marker
    return guarded


def json_error(message: str, status: int) -> Response:
    """``{"error": message}`` with ``status`` (a view may return it or ``abort`` with it)."""
    return make_response(jsonify({"error": message}), status)
