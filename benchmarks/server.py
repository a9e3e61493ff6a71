"""The WSGI application gunicorn serves in the HTTP benchmark: the platform on the generated
database (``OA_BENCH_SERVER_DATABASE_URL``), plus one bare Flask endpoint, ``/bench/minimal``,
as the ceiling: the same server, process and middleware, no work of ours."""

from __future__ import annotations

import os

from benchmarks.apps import BENCH_CONFIG
from benchmarks.http_load import MINIMAL
from oa_platform import create_app

app = create_app(
    {**BENCH_CONFIG, "SQLALCHEMY_DATABASE_URI": os.environ["OA_BENCH_SERVER_DATABASE_URL"]}
)


@app.route(MINIMAL)
def minimal() -> str:
    """Nothing but Flask's own routing and response."""
    return "ok"
