"""The server operation log (seed 2 §6.1: kept more than 30 days): JSON lines in one file a
day, old days deleted after OA_LOG_RETENTION_DAYS (never fewer than 30), a request id tying a
page's lines together, and never a password or a form's values in it (§6.2: passwords are
kept secret)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import current_app

from oa_platform.demo import DEMO_PASSWORD, load_demo_data
from oa_platform.operations import oplog
from tests.conftest import login
from tests.runtime_helpers import form


def _lines(folder: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def test_passwords_and_form_values_never_reach_the_log(app_factory, tmp_path):
    logs = tmp_path / "logs"
    app = app_factory(OA_LOG_DIR=str(logs))
    with app.app_context():
        load_demo_data()
    client = app.test_client()
    wrong_password = "Wrong-Password-93817!"
    login(client, "staff", wrong_password)
    login(client, "staff")
    posted = form("leave_request", reason="Confidential-Reason-51234")
    answer = client.post("/processes/leave_request/start", data=posted)
    assert answer.status_code in {200, 302}
    client.get("/inbox/?token=Query-Token-77123")

    text = "\n".join(path.read_text() for path in logs.glob("*.jsonl"))
    assert text, "nothing was logged"
    for secret in (DEMO_PASSWORD, wrong_password, "Confidential-Reason-51234", "Query-Token-77123"):
        assert secret not in text
    requests = [line for line in _lines(logs) if line["logger"] == "oa.request"]
    start = next(line for line in requests if line["route"] == "/processes/<key>/start")
    assert start["method"] == "POST" and start["user"] == "staff" and start["process"] == "web"
    assert {"time", "level", "request_id", "status", "duration_ms"} <= set(start)


def test_a_request_id_ties_a_pages_lines_together(app_factory, tmp_path):
    logs = tmp_path / "logs"
    app = app_factory(OA_LOG_DIR=str(logs))

    @app.get("/test-only/logs-twice")
    def logs_twice():
        current_app.logger.warning("first line of the page")
        logging.getLogger("oa_platform.test").info("second line, password=hunter2-secret")
        return "ok"

    answer = app.test_client().get(
        "/test-only/logs-twice", headers={"X-Request-ID": "req-0123456789"}
    )
    other = app.test_client().get("/test-only/logs-twice")

    assert answer.headers["X-Request-ID"] == "req-0123456789"
    assert other.headers["X-Request-ID"] != "req-0123456789"
    page = [line for line in _lines(logs) if line.get("request_id") == "req-0123456789"]
    assert [line["message"] for line in page] == [
        "first line of the page",
        "second line, password=***",
        "GET /test-only/logs-twice 200",
    ]
    assert all(line["route"] == "/test-only/logs-twice" for line in page)


def test_one_file_a_day_kept_for_the_retention_days(tmp_path):
    logger = logging.getLogger("oa_platform.test.rotation")
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        handler = oplog.DailyFileHandler(tmp_path, "worker", days=30, zone="Asia/Shanghai")
        logger.addHandler(handler)
        try:
            for day in range(45):
                logger.warning("day %d", day)
                clock.shift(timedelta(days=1))
        finally:
            logger.removeHandler(handler)
            handler.close()

    files = sorted(p.name for p in tmp_path.glob("*.jsonl"))
    last = (start + timedelta(days=44)).date()
    assert files[-1] == f"worker-{last.isoformat()}.jsonl"
    assert files[0] == f"worker-{(last - timedelta(days=30)).isoformat()}.jsonl"
    assert len(files) == 31  # today and the 30 days before it
    assert [line["message"] for line in _lines(tmp_path)] == [f"day {d}" for d in range(14, 45)]


def test_a_retention_below_thirty_days_is_refused_with_a_clear_error(app_factory):
    with pytest.raises(oplog.RetentionTooShortError, match=r"OA_LOG_RETENTION_DAYS is 10.*§6\.1"):
        app_factory(OA_LOG_RETENTION_DAYS=10)
