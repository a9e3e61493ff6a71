"""Templates' ``url_for`` of static files, routed once per file instead of on every page.

Every page links about twenty style sheets and scripts through Flask-AppBuilder's layout,
each routed by Werkzeug again (8 % of an empty page: benchmarks/http_load.py,
``layout_only``). A static file's address depends only on the endpoint, the file and where
the app is mounted, so it is kept; every other ``url_for`` is routed as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, request

from form_builder.lru import LRUCache


def init_app(app: Flask) -> None:
    """Give the app's templates the caching ``url_for``."""
    routed: Callable[..., str] = app.jinja_env.globals["url_for"]
    addresses: LRUCache[str] = LRUCache(512)

    def url_for(endpoint: str, **values: Any) -> str:
        if endpoint.endswith("static") and values.keys() == {"filename"}:
            key = (request.script_root, endpoint, values["filename"])
            return addresses.get_or_build(key, lambda: routed(endpoint, **values))
        return routed(endpoint, **values)

    app.jinja_env.globals["url_for"] = url_for
