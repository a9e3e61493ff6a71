"""Fixtures for the browser tests: a live server on a free port and a Chromium page.

The browser is Debian's Chromium (/usr/bin/chromium) driven by Playwright; a browser is
never downloaded. Without Chromium or Playwright the tests skip, unless OA_REQUIRE_BROWSER=1
(as in CI), where the missing piece is a failure.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

TESTS_CONFTEST = Path(__file__).resolve().parent.parent / "conftest.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _build_app(config: pytest.Config, database_url: str, **overrides):
    """tests/conftest.py's ``build_app``, taken from the conftest pytest already loaded.

    The tests are not a package, so each conftest is imported as a bare ``conftest`` module
    and cannot be imported again by name without loading it twice.
    """
    for plugin in config.pluginmanager.get_plugins():
        if Path(getattr(plugin, "__file__", "") or "").resolve() == TESTS_CONFTEST:
            return plugin.build_app(database_url, **overrides)
    raise RuntimeError(f"{TESTS_CONFTEST} is not loaded")


def _unavailable(reason: str) -> None:
    """Skip, or fail when the browser tests are required (OA_REQUIRE_BROWSER=1)."""
    if os.environ.get("OA_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required (OA_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def live_server(request, tmp_path):
    """The app with demo data (CSRF on, as everywhere), served on 127.0.0.1; yields the base URL."""
    from werkzeug.serving import make_server

    from oa_platform.demo import load_demo_data
    from oa_platform.extensions import db

    marker = request.node.get_closest_marker("app_config")
    overrides = marker.kwargs if marker else {}
    app = _build_app(request.config, f"sqlite:///{tmp_path / 'browser.sqlite'}", **overrides)
    with app.app_context():
        load_demo_data()
        for seed in request.node.iter_markers("seed"):
            seed.args[0]()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def browser_page(request):
    """A fresh Chromium page (its own context: no cookies shared between tests)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright cannot be imported: {exc}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        marker = request.node.get_closest_marker("browser_locale")
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale=marker.args[0] if marker else None
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
