"""What Celery beat runs for operations: the backup, the weekly restore drill, the hourly
check that a recent good backup exists, and the heartbeat that tells /health/ready when
beat last ticked."""

from __future__ import annotations

from flask import current_app

from oa_platform.extensions import celery
from oa_platform.operations import heartbeat, runs


@celery.task(name="oa_platform.operations.tasks.scheduled_backup")
def scheduled_backup() -> str:
    """Back up, prune, copy off site (failures reach the administrators)."""
    return runs.backup_run(current_app._get_current_object()).written.path.name


@celery.task(name="oa_platform.operations.tasks.restore_drill")
def restore_drill() -> int:
    """Restore the newest backup into a scratch database; returns the rows restored."""
    return runs.drill_run(current_app._get_current_object()).rows


@celery.task(name="oa_platform.operations.tasks.check_backup_age")
def check_backup_age() -> bool:
    """Tell the administrators when the newest good backup is too old (or missing)."""
    return runs.check_age(current_app._get_current_object())


@celery.task(name="oa_platform.operations.tasks.beat_heartbeat")
def beat_heartbeat() -> str:
    """Record that beat ticked (and a worker ran what it sent)."""
    return heartbeat.beat(current_app._get_current_object()).isoformat()
