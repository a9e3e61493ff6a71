"""Periodic runtime work run by Celery beat: timers, the clean-up of attachment files (and of
abandoned pending uploads), and signed checkpoints of the audit trails."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from form_builder import clock
from form_builder.attachment_sweep import sweep
from form_builder.attachments import AttachmentStore
from oa_platform.extensions import celery, db
from oa_platform.runtime import audit_checkpoints, pending_uploads, timers
from oa_platform.unit_of_work import unit_of_work

log = logging.getLogger(__name__)


@celery.task(name="oa_platform.runtime.tasks.fire_due_timers")
def fire_due_timers() -> int:
    """Fire every due timer, each by its subject's handler (a process's deadlines and node
    timers, a discussion post's reminders); returns how many fired."""
    return timers.fire_due(db.session)


@celery.task(name="oa_platform.runtime.tasks.sweep_orphan_attachments")
def sweep_orphan_attachments() -> int:
    """Remove attachment files no submission refers to, a grace period
    (``OA_ATTACHMENT_ORPHAN_HOURS``) after they were last touched, and first the rows of
    pending uploads left that long that nothing names (``pending_uploads.discard_abandoned``),
    so that their files go in the same run; returns how many rows and files."""
    grace = timedelta(hours=current_app.config["OA_ATTACHMENT_ORPHAN_HOURS"])
    # The rows go in a transaction of their own, before any file: a failure keeps both.
    discarded = unit_of_work(db.session).run(
        lambda: pending_uploads.discard_abandoned(db.session, clock.utcnow() - grace)
    )
    for file_id in discarded:
        log.info("removed pending upload %s: nobody came back for it", file_id)
    swept = sweep(db.session, AttachmentStore.for_app(current_app), grace)
    db.session.rollback()  # it only read
    for path in swept.orphans + swept.unfinished:
        log.info("removed attachment file %s: nothing refers to it", path.name)
    return len(discarded) + len(swept.orphans) + len(swept.unfinished)


@celery.task(name="oa_platform.runtime.tasks.checkpoint_audit_trails")
def checkpoint_audit_trails() -> int:
    """Sign the head of every audit chain that grew since its last checkpoint (regulations
    §6.1, every ``OA_AUDIT_CHECKPOINT_MINUTES``); returns how many were signed."""
    try:
        run = audit_checkpoints.checkpoint(db.session, audit_checkpoints.default_key())
    except audit_checkpoints.CheckpointClash as clash:
        log.warning("%s: this run wrote nothing, the next one will", clash)
        return 0
    for problem in run.refused:
        # A chain that no longer follows on from its signed checkpoint was tampered with.
        log.error("audit chain not checkpointed, it does not verify: %s", problem)
    return run.signed
