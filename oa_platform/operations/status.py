"""How the backup runs went, kept in ``OA_BACKUP_DIR/status.json`` beside the archives
(written whole and renamed, so a reader never sees half of it): the last attempt, the last
good backup, each off-site target's last copy and the last restore drill."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from form_builder.clock import utcnow

NAME = "status.json"


def _path(app: Flask) -> Path:
    return Path(app.config["OA_BACKUP_DIR"]) / NAME


def read(app: Flask) -> dict[str, Any]:
    try:
        return json.loads(_path(app).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def record(app: Flask, **parts: Any) -> dict[str, Any]:
    """Merge ``parts`` (top-level keys; ``offsite`` by target) into the status and save it."""
    status = read(app)
    offsite = parts.pop("offsite", None)
    status.update(parts)
    if offsite:
        status.setdefault("offsite", {}).update(offsite)
    path = _path(app)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{NAME}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(status, indent=2, default=str) + "\n")
    os.replace(partial, path)
    return status


def last_good_at(app: Flask) -> datetime | None:
    good = read(app).get("last_good")
    return datetime.fromisoformat(good["at"]) if good else None


def overdue(app: Flask, now: datetime | None = None) -> bool:
    """Whether the newest good backup is older than ``OA_BACKUP_MAX_AGE_HOURS`` (or none)."""
    at = last_good_at(app)
    limit = timedelta(hours=app.config["OA_BACKUP_MAX_AGE_HOURS"])
    return at is None or (now or utcnow()) - at > limit
