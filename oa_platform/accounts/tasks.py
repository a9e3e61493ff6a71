"""Periodic account housekeeping run by Celery beat."""

from __future__ import annotations

from datetime import timedelta

from form_builder.clock import utcnow
from oa_platform import idempotency
from oa_platform.accounts import lockout, sessions
from oa_platform.extensions import celery, db
from oa_platform.unit_of_work import unit_of_work


@celery.task(name="oa_platform.accounts.tasks.purge_login_throttles")
def purge_login_throttles() -> int:
    """Forget failed-log-in counters a day after their last failure (the audit keeps them),
    revocations of sessions and tokens past their expiry, and the API's idempotency keys
    past their 24 hours (oa_platform/idempotency.py)."""

    def work() -> int:
        removed = lockout.purge_expired(db.session, utcnow(), timedelta(days=1))
        # Revoked sessions and tokens that have expired anyway (issue 17).
        removed += idempotency.purge_expired(db.session, utcnow())
        return removed + sessions.purge_expired(db.session, utcnow())

    return unit_of_work(db.session).run(work, conflicts=())
