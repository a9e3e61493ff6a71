"""Take the README's screenshots: the same pages in Simplified Chinese and in English.

Run with ``make screenshots`` (it writes ``docs/screenshots/*.png``). The app runs on a
temporary SQLite database with the demo organisation; the demo's staff member submits a leave
request and an expense claim through the runtime, so the head's inbox and the instance page
show real work. The browser is Debian's Chromium (``/usr/bin/chromium``) driven by Playwright;
nothing is downloaded. ``tests/browser/test_readme_screenshots.py`` runs this into a temporary
folder so it keeps working.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from werkzeug.datastructures import MultiDict

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 800}
# (file prefix, the browser's language, what the language menu would save)
LANGUAGES = (("zh", "zh-CN"), ("en", "en"))


def _leave_request() -> MultiDict:
    start = date.today() + timedelta(days=14)
    return MultiDict(
        {
            "leave_type": "annual",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=2)).isoformat(),
            "reason": "回老家探亲 / Visiting family",
            "handover_to": "head",
        }
    )


def _build(work: Path):
    """The app on a new database under ``work``, with the demo data and one leave request
    from the demo's staff member waiting for their head."""
    from oa_platform import create_app
    from oa_platform.demo import load_demo_data
    from oa_platform.extensions import db
    from oa_platform.models import metadata
    from oa_platform.runtime.services import runtime

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'screens.sqlite'}",
            "SECRET_KEY": "screenshots-only",
            "OA_ATTACHMENT_DIR": str(work / "attachments"),
            "CELERY_TASK_ALWAYS_EAGER": True,
            "AUTH_RATE_LIMITED": False,
        }
    )
    with app.app_context():
        metadata.create_all(db.engine)
        app.appbuilder.sm.sync_roles()
        load_demo_data()
        staff = app.appbuilder.sm.find_user(username="staff")
        instance = runtime().submit(staff, "leave_request", _leave_request(), None)
        instance_id = instance.id
        db.session.remove()
    return app, instance_id


@contextmanager
def _served(app) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def capture(out: Path) -> dict[Path, str]:
    """Write the screenshots to ``out``; return each one's path with its page's heading."""
    from playwright.sync_api import sync_playwright

    from oa_platform.demo import DEMO_PASSWORD

    out.mkdir(parents=True, exist_ok=True)
    written: dict[Path, str] = {}
    with tempfile.TemporaryDirectory(prefix="oa-screens-") as work:
        app, instance_id = _build(Path(work))
        with _served(app) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for prefix, locale in LANGUAGES:
                context = browser.new_context(viewport=VIEWPORT, locale=locale)
                page = context.new_page()
                page.goto(f"{base}/login/")
                page.fill("#username", "head")
                page.fill("#password", DEMO_PASSWORD)
                with page.expect_navigation():
                    page.click("[type=submit]")
                for name, path in (("inbox", "/inbox/"), ("instance", f"/instances/{instance_id}")):
                    page.goto(base + path)
                    target = out / f"{prefix}-{name}.png"
                    page.screenshot(path=str(target))
                    written[target] = page.locator("h1, h2").first.inner_text()
                context.close()
            browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    for path in capture(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
