"""Claiming and firing durable timers (``Timer`` rows), as Camunda's job executor does.

Celery beat calls :func:`fire_due` about every 30 seconds. Each round claims a batch of due
timers in one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite, whose
writers are serialised, a conditional UPDATE), then fires each in its own transaction that
first re-checks the claim, so a timer fires once even when two workers run, a message is
delivered twice, or a worker dies mid-batch (its lease runs out and the timer is claimed
again). A handler that raises is retried with back-off, then marked failed.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from form_builder.clock import utcnow
from oa_platform.runtime import deferred
from oa_platform.runtime.models import Timer, TimerState
from oa_platform.runtime.transaction import roll_back

BATCH = 1000
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
# Times a timer is run again at once when another transaction changed its instance.
CONFLICT_RETRIES = 5
log = logging.getLogger(__name__)


def claim(
    session: Session,
    owner: str,
    *,
    batch: int = BATCH,
    lease: timedelta = LEASE,
    now: datetime | None = None,
) -> list[int]:
    """Claim up to ``batch`` due timers (and timers whose worker's lease ran out) for
    ``owner``; committed before returning, so other workers skip them."""
    now = now or utcnow()
    due = or_(
        (Timer.state == TimerState.PENDING) & (Timer.due_at <= now),
        (Timer.state == TimerState.RUNNING) & (Timer.locked_until < now),
    )
    candidates = select(Timer.id).where(due).order_by(Timer.due_at, Timer.id).limit(batch)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(candidates.with_for_update(skip_locked=True)))
        if ids:
            session.execute(
                update(Timer)
                .where(Timer.id.in_(ids))
                .values(state=TimerState.RUNNING, locked_by=owner, locked_until=now + lease)
            )
    else:
        session.execute(
            update(Timer)
            .where(Timer.id.in_(candidates.scalar_subquery()))
            .values(state=TimerState.RUNNING, locked_by=owner, locked_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        ids = list(
            session.scalars(
                select(Timer.id).where(Timer.locked_by == owner, Timer.state == TimerState.RUNNING)
            )
        )
    session.commit()
    return ids


def fire(session: Session, timer_id: int, owner: str, handle: Callable[[Timer], None]) -> bool:
    """Fire one claimed timer in its own transaction; False if the claim was lost or the
    handler failed (then it is retried later, see :func:`_failed`)."""
    for _ in range(CONFLICT_RETRIES):
        # Taking the row back from RUNNING to DONE only if it is still ours makes firing
        # idempotent: a second worker (or a redelivery) finds nothing to take.
        taken = session.execute(
            update(Timer)
            .where(
                Timer.id == timer_id, Timer.locked_by == owner, Timer.state == TimerState.RUNNING
            )
            .values(state=TimerState.DONE, fired_at=utcnow(), attempts=Timer.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            session.rollback()
            return False
        try:
            handle(session.get(Timer, timer_id))
            session.commit()
        except (StaleDataError, IntegrityError) as error:
            # Another transaction changed the same instance (a user's action, another timer
            # of it): not the handler's fault, so run it again on the new state.
            roll_back(session)
            conflict = error
            continue
        except Exception as error:  # a handler's failure is recorded, never lost
            roll_back(session)
            _failed(session, timer_id, error)
            return False
        deferred.dispatch(session)
        return True
    _failed(session, timer_id, conflict)
    return False


def _failed(session: Session, timer_id: int, error: Exception) -> None:
    timer = session.get(Timer, timer_id)
    timer.attempts += 1
    timer.last_error = "".join(traceback.format_exception(error))[-4000:]
    timer.locked_by = timer.locked_until = None
    if timer.attempts >= MAX_ATTEMPTS:
        timer.state = TimerState.FAILED
        log.error("timer %s failed for good: %s", timer_id, error)
    else:
        timer.state = TimerState.PENDING
        timer.due_at = utcnow() + timedelta(seconds=30 * 2 ** (timer.attempts - 1))
    session.commit()


def fire_due(
    session: Session,
    handle: Callable[[Timer], None],
    batch: int = BATCH,
    lease: timedelta = LEASE,
) -> int:
    """Claim and fire due timers batch after batch until none is due; returns how many fired."""
    owner = uuid.uuid4().hex
    fired = 0
    while ids := claim(session, owner, batch=batch, lease=lease):
        fired += sum(fire(session, timer_id, owner, handle) for timer_id in ids)
        if len(ids) < batch:
            break
    return fired


def retry(session: Session, timer_id: int) -> Timer | None:
    """Send a failed timer round again (an administrator fixed its cause); None if the
    timer is not failed. The caller commits."""
    timer = session.get(Timer, timer_id)
    if timer is None or timer.state is not TimerState.FAILED:
        return None
    timer.state = TimerState.PENDING
    timer.attempts = 0
    timer.due_at = utcnow()
    return timer
