"""Seed 2 §6.1 with real processes: the worker and beat started as the Procfile starts them
write their own day files of the operation log (each task's lines carry its id), and beat's
heartbeat reaches /health/ready through the broker and a worker."""

from __future__ import annotations

import json
from pathlib import Path

from oa_platform.operations import heartbeat
from oa_platform.operations.health import readiness
from tests.celery_processes import CeleryProcesses, wait_for
from tests.conftest import build_app

TIMEOUT = 120  # generous: the machine running the suite may be busy


def _lines(folder: Path, process: str) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(folder.glob(f"{process}-*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def _beat_ready(app) -> bool:
    with app.app_context():
        return {check.name: check.ok for check in readiness(app)}["beat"]


def test_worker_and_beat_log_their_own_lines_and_beat_ticks_for_readiness(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'oa.sqlite'}"
    instance = tmp_path / "instance"
    logs = tmp_path / "logs"
    app = build_app(database_url, OA_BEAT_HEARTBEAT_SECONDS=1)
    app.instance_path = str(instance)
    processes = CeleryProcesses(
        tmp_path,
        {
            "DATABASE_URL": database_url,
            "OA_INSTANCE_DIR": str(instance),
            "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "celerybeat-schedule"),
            "SECRET_KEY": "operation-log-test-only",
            "OA_LOG_DIR": str(logs),
            "OA_BEAT_HEARTBEAT_SECONDS": "1",
            "OA_TIMER_INTERVAL_SECONDS": "1",
        },
    )
    try:
        worker = processes.start("worker", "worker", "--concurrency=1", "--hostname=worker@%h")
        processes.start("beat", "beat")
        processes.wait_ready(worker)
        assert wait_for(lambda: heartbeat.last_tick(app) is not None, TIMEOUT), processes.report()
        assert wait_for(lambda: any(line.get("task") for line in _lines(logs, "worker")), TIMEOUT)
        assert wait_for(lambda: _beat_ready(app), TIMEOUT)
    finally:
        processes.stop_all()

    worker_lines = [line for line in _lines(logs, "worker") if line.get("task")]
    assert {line["process"] for line in worker_lines} == {"worker"}
    assert all(line["request_id"] for line in worker_lines)
    beat_lines = _lines(logs, "beat")
    assert beat_lines and {line["process"] for line in beat_lines} == {"beat"}
    assert any(
        "oa_platform.operations.tasks.beat_heartbeat" in line["message"] for line in beat_lines
    )
