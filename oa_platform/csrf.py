"""CSRF protection for every state change, checked once per request before any view runs.

Flask-WTF's ``CSRFProtect`` owns the rule: every POST, PUT, PATCH and DELETE carries the
session's token, as a form field (``csrf_token``) or in the ``X-CSRFToken`` header (a page's
script). Forms bound later skip their own check (Flask-WTF marks the request as checked),
so the runtime's commands never depend on a request. FAB's REST APIs are exempted by FAB;
the process API decides for itself (a JWT client cannot be forged, a session cookie can:
see ``runtime/api.py``).
"""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template_string, request
from flask_wtf.csrf import CSRFError, CSRFProtect

EXPIRED = "The page expired (its security token is missing or old): reload it."

csrf = CSRFProtect()

# A page of its own: the check runs before FAB has loaded the user its layout needs. No
# "javascript:" link back: the Content-Security-Policy runs no inline script.
_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{{ message }}</title></head>
<body><p>{{ message }}</p><p><a href="/">Start page</a></p></body></html>"""


def init_app(app: Flask) -> None:
    """Protect ``app``; call before Flask-AppBuilder registers its API blueprints."""
    csrf.init_app(app)
    app.register_error_handler(CSRFError, _refused)


def _refused(error: CSRFError):
    if request.is_json or request.accept_mimetypes.best == "application/json":
        return make_response(jsonify({"error": EXPIRED, "message": EXPIRED}), 400)
    return make_response(render_template_string(_PAGE, message=EXPIRED), 400)
