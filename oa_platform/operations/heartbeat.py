"""Beat's last tick, for /health/ready: beat sends a tiny task every minute
(``OA_BEAT_HEARTBEAT_SECONDS``) and the worker that runs it stamps the time into
``instance/beat-heartbeat-<database>`` (so a fresh stamp means beat, the broker and a worker
all work). On several machines the instance folder must be shared, or readiness reports the
stamp missing."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

from flask import Flask

from form_builder.clock import utcnow


def interval(app: Flask) -> float:
    """Seconds between beats (``OA_BEAT_HEARTBEAT_SECONDS``)."""
    return float(app.config.get("OA_BEAT_HEARTBEAT_SECONDS") or 60)


def _path(app: Flask) -> Path:
    # Named after the database: the tick belongs to the installation whose timers beat
    # drives, not to whichever installation shares the folder.
    database = hashlib.sha256(str(app.config["SQLALCHEMY_DATABASE_URI"]).encode()).hexdigest()
    return Path(app.instance_path) / f"beat-heartbeat-{database[:12]}"


def beat(app: Flask) -> datetime:
    now = utcnow()
    path = _path(app)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(now.isoformat())
    os.replace(partial, path)
    return now


def last_tick(app: Flask) -> datetime | None:
    try:
        return datetime.fromisoformat(_path(app).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
