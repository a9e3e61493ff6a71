"""A whole backup run as beat and ``oa backup`` do it: take the backup, remember how it
went, prune by retention, copy off site, and tell the administrators when anything fails."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from form_builder.clock import utcnow
from oa_platform.operations import alerts, backup, offsite, restore, retention, status
from oa_platform.operations.bundle import Progress, Written, _quiet
from oa_platform.operations.exceptions import OperationsError
from oa_platform.operations.offsite import Copied

log = logging.getLogger(__name__)


@dataclass
class Run:
    """One run's outcome."""

    written: Written
    pruned: list[Path] = field(default_factory=list)
    copies: list[Copied] = field(default_factory=list)


def backup_run(app: Flask, progress: Progress = _quiet, offsite_copies: bool = True) -> Run:
    """Take a backup and do everything that follows it; a failure is recorded, told to the
    administrators and raised."""
    started = utcnow()
    try:
        written = backup.take(app, progress)
    except Exception as error:
        message = (
            error.message
            if isinstance(error, OperationsError)
            else f"{type(error).__name__}: {error}"
        )
        log.exception("backup failed")
        status.record(app, last_attempt={"at": started.isoformat(), "ok": False, "error": message})
        alerts.backup_failed(app, message)
        raise
    good = {
        "at": written.manifest.created_at,
        "ok": True,
        "archive": written.path.name,
        "sha256": written.sha256,
        "size": written.size,
    }
    status.record(app, last_attempt=good, last_good=good)
    log.info("backup written: %s (%d bytes)", written.path.name, written.size)
    run = Run(written)
    run.pruned = retention.prune(
        written.path.parent,
        app.config["OA_BACKUP_KEEP_DAILY"],
        app.config["OA_BACKUP_KEEP_WEEKLY"],
        app.config["OA_BACKUP_KEEP_MONTHLY"],
    )
    if offsite_copies:
        run.copies = offsite.copy_everywhere(app, written)
        now = utcnow().isoformat()
        status.record(
            app,
            offsite={
                c.target: {
                    "at": now,
                    "ok": c.ok,
                    "archive": written.path.name,
                    "error": c.error,
                    "location": c.location,
                }
                for c in run.copies
            },
        )
        for copied in run.copies:
            if not copied.ok:
                log.error("off-site copy failed: %s", copied.error)
                alerts.offsite_failed(app, copied.target, copied.error)
    return run


def drill_run(
    app: Flask, archive: Path | None = None, progress: Progress = _quiet
) -> restore.Restored:
    """Restore ``archive`` (the newest by default) into a scratch database and record it."""
    archive = archive or next(iter(backup.archives(backup.backup_folder(app))), None)
    at = utcnow().isoformat()
    try:
        if archive is None:
            raise OperationsError("There is no backup to restore.")
        report = restore.drill(app, archive, progress)
        if not report.sound:
            raise OperationsError(
                f"{len(report.audit_problems)} audit chain problem(s) after the restore."
            )
    except Exception as error:
        message = (
            error.message
            if isinstance(error, OperationsError)
            else f"{type(error).__name__}: {error}"
        )
        status.record(
            app,
            drill={
                "at": at,
                "ok": False,
                "archive": archive.name if archive else None,
                "error": message,
            },
        )
        alerts.drill_failed(app, message)
        raise
    status.record(
        app,
        drill={
            "at": at,
            "ok": True,
            "archive": archive.name,
            "tables": report.tables,
            "rows": report.rows,
            "files": report.files,
        },
    )
    return report


def check_age(app: Flask) -> bool:
    """Tell the administrators when no good backup is recent enough; whether one is."""
    if status.overdue(app):
        alerts.backup_missing(app, app.config["OA_BACKUP_MAX_AGE_HOURS"])
        return False
    return True
