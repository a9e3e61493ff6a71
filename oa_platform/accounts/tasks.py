"""Periodic account housekeeping run by Celery beat."""

from __future__ import annotations

from datetime import timedelta

from form_builder.clock import utcnow
from oa_platform.accounts import lockout
from oa_platform.extensions import celery, db


@celery.task(name="oa_platform.accounts.tasks.purge_login_throttles")
def purge_login_throttles() -> int:
    """Forget failed-log-in counters a day after their last failure (the audit keeps them)."""
    removed = lockout.purge_expired(db.session, utcnow(), timedelta(days=1))
    db.session.commit()
    return removed
