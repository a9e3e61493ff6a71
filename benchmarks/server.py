"""The WSGI application gunicorn serves in the HTTP benchmark: the platform on the generated
database (``OA_BENCH_SERVER_DATABASE_URL``), plus three bare endpoints that measure the stack
under the pages, on the same server, process and middleware:

- ``/bench/minimal``: nothing but Flask's routing and response (the ceiling);
- ``/bench/signed-in``: the same for a signed-in user: session, user and roles loaded, the
  platform's before-request checks run (401 when not signed in);
- ``/bench/layout``: Flask-AppBuilder's page layout (menu, navigation bar, notices badge)
  around an empty page, for a signed-in user: the least any page of the platform costs.
"""

from __future__ import annotations

import os

from flask import abort, render_template
from flask_login import current_user

from benchmarks.apps import BENCH_CONFIG
from benchmarks.http_load import LAYOUT, MINIMAL, SIGNED_IN
from oa_platform import create_app

app = create_app(
    {**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": os.environ["OA_BENCH_SERVER_DATABASE_URL"]}
)
# A page template with nothing in it, compiled once as the platform's templates are.
_EMPTY_PAGE = app.jinja_env.from_string(
    '{% extends "appbuilder/base.html" %}{% block content %}{% endblock %}'
)


@app.route(MINIMAL)
def minimal() -> str:
    """Nothing but Flask's own routing and response."""
    return "ok"


@app.route(SIGNED_IN)
def signed_in() -> str:
    """A signed-in user's request that does nothing."""
    if not current_user.is_authenticated:
        abort(401)
    return "ok"


@app.route(LAYOUT)
def layout() -> str:
    """An empty page in the platform's layout, rendered as every view renders its pages."""
    if not current_user.is_authenticated:
        abort(401)
    appbuilder = app.appbuilder
    return render_template(
        _EMPTY_PAGE, base_template=appbuilder.base_template, appbuilder=appbuilder
    )
