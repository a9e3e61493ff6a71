"""Periodic runtime work run by Celery beat: timers, and the clean-up of attachment files."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from form_builder.attachment_sweep import sweep
from form_builder.attachments import AttachmentStore
from oa_platform.extensions import celery, db
from oa_platform.runtime import timers

log = logging.getLogger(__name__)


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


@celery.task(name="oa_platform.runtime.tasks.sweep_orphan_attachments")
def sweep_orphan_attachments() -> int:
    """Remove attachment files no submission refers to, a grace period
    (``OA_ATTACHMENT_ORPHAN_HOURS``) after they were last touched; returns how many."""
    hours = current_app.config.get("OA_ATTACHMENT_ORPHAN_HOURS", 24)
    swept = sweep(db.session, AttachmentStore.for_app(current_app), timedelta(hours=hours))
    db.session.rollback()  # it only read
    for path in swept.orphans + swept.unfinished:
        log.info("removed attachment file %s: nothing refers to it", path.name)
    return len(swept.orphans) + len(swept.unfinished)
