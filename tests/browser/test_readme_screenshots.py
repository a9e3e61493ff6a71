"""The README shows the same pages in both languages (issue 18: "README documents the
language settings, and its screenshots or examples show both languages"). `make screenshots`
takes them again from the demo data; this runs it into a temporary folder, so it keeps
working, and reads the heading of each page it shot."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CAPTURE = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "capture.py"
PNG = b"\x89PNG\r\n\x1a\n"


def _capture_module():
    spec = importlib.util.spec_from_file_location("readme_capture", CAPTURE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_screenshots_shoots_the_inbox_and_the_instance_in_both_languages(tmp_path):
    capture = _capture_module()
    if not Path(capture.CHROMIUM).exists() and os.environ.get("OA_REQUIRE_BROWSER") != "1":
        pytest.skip(f"{capture.CHROMIUM} is missing (apt-get install chromium)")
    headings = {path.name: heading for path, heading in capture.capture(tmp_path).items()}

    assert headings["zh-inbox.png"].startswith("待办事项")
    assert headings["en-inbox.png"].startswith("Inbox")
    assert headings["zh-instance.png"].startswith("吴森的年假")
    assert headings["en-instance.png"].startswith("Sam Wu: Annual leave")
    for name in headings:
        shot = (tmp_path / name).read_bytes()
        assert shot.startswith(PNG) and len(shot) > 10_000, f"{name} is not a page's picture"
    committed = {path.name for path in CAPTURE.parent.glob("*.png")}
    assert committed == set(headings), "the README shows what make screenshots makes"
