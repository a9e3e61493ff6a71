"""Beat's entries for operations, from the settings: the backup and the drill at crontab
times (``OA_BACKUP_SCHEDULE``, ``OA_BACKUP_DRILL_SCHEDULE``; empty turns one off), the
backup-age check hourly and the heartbeat every minute."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery.schedules import crontab


def parse_crontab(setting: str, value: str) -> crontab:
    """A crontab from five fields, or a clear error naming the setting."""
    fields = value.split()
    if len(fields) != 5:
        raise RuntimeError(
            f"Setting {setting} must be five crontab fields (minute hour day month weekday),"
            f" got {value!r}"
        )
    minute, hour, day, month, weekday = fields
    try:
        return crontab(
            minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week=weekday
        )
    except ValueError as error:
        raise RuntimeError(
            f"Setting {setting} is not a valid crontab ({value!r}): {error}"
        ) from None


def entries(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Beat schedule entries for the operations tasks."""
    found: dict[str, dict[str, Any]] = {
        "check-backup-age": {
            "task": "oa_platform.operations.tasks.check_backup_age",
            "schedule": 3600.0,
        },
        "beat-heartbeat": {
            "task": "oa_platform.operations.tasks.beat_heartbeat",
            "schedule": float(config.get("OA_BEAT_HEARTBEAT_SECONDS") or 60),
        },
    }
    for name, setting, task in (
        ("backup", "OA_BACKUP_SCHEDULE", "scheduled_backup"),
        ("restore-drill", "OA_BACKUP_DRILL_SCHEDULE", "restore_drill"),
    ):
        value = (config.get(setting) or "").strip()
        if value:
            found[name] = {
                "task": f"oa_platform.operations.tasks.{task}",
                "schedule": parse_crontab(setting, value),
            }
    return found
