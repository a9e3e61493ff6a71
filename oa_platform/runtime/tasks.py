"""Periodic runtime work run by Celery beat."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from oa_platform.extensions import celery, db
from oa_platform.runtime import timers


@celery.task(name="oa_platform.runtime.tasks.fire_due_timers")
def fire_due_timers() -> int:
    """Fire every due timer (deadlines, node timers); returns how many fired."""
    from oa_platform.runtime.services import runtime

    config = current_app.config
    return timers.fire_due(
        db.session,
        runtime().timer_fired,
        batch=config.get("OA_TIMER_BATCH", timers.BATCH),
        lease=timedelta(seconds=config.get("OA_TIMER_LEASE_SECONDS", timers.LEASE.seconds)),
    )
