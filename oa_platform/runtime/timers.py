"""Claiming and firing durable timers (``Timer`` rows), as Camunda's job executor does.

Celery beat calls :func:`fire_due` about every 30 seconds. Each round claims a batch of due
timers in one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite, whose
writers are serialised, a conditional UPDATE), then fires them ``CHUNK`` at a time, each chunk
in one transaction that takes back only timers still claimed by this worker and commits their
effects with their DONE marks. So a timer fires once even when two workers run, a message is
delivered twice, or a worker dies mid-batch (its lease runs out and the timer is claimed
again). A chunk in which a handler fails is rolled back and fired timer by timer
(:func:`fire`), where a handler that raises is retried with back-off, then marked failed.

The service keeps time for any subject, not only process instances: each timer names its
subject's kind and id, and a due timer is fired by the
:class:`~plugins.timer_subject.TimerSubject` registered under that kind
(:mod:`oa_platform.runtime.timer_subjects`), as a process's deadlines go to
``TimerHandlers`` and a discussion post's reminders to ``discussion.reminders``.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.outages import database_unavailable
from oa_platform.runtime import timer_subjects
from oa_platform.runtime.models import Timer, TimerState
from oa_platform.unit_of_work import unit_of_work

# Fires one timer inside the transaction that marks it done; by default the subject's handler.
Handle = Callable[[Timer], None]

# Most timers fired in one transaction: one commit for many, yet short enough (a fraction of
# a second) not to hold PostgreSQL's row locks on their subjects long.
CHUNK = 100
MAX_ATTEMPTS = 5
# Times a timer is run again at once when another transaction changed its subject.
CONFLICT_RETRIES = 5
log = logging.getLogger(__name__)


def claim(
    session: Session,
    owner: str,
    *,
    batch: int | None = None,
    lease: timedelta | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Claim up to ``batch`` due timers (and timers whose worker's lease ran out) for
    ``owner``; committed before returning, so other workers skip them. ``batch`` and
    ``lease`` default to the settings (``OA_TIMER_BATCH``, :func:`default_lease`)."""
    now = now or utcnow()
    batch = batch or current_app.config["OA_TIMER_BATCH"]
    lease = lease or default_lease()
    return unit_of_work(session).run(
        lambda: _claim(session, owner, batch, lease, now), conflicts=()
    )


def _claim(session: Session, owner: str, batch: int, lease: timedelta, now: datetime) -> list[int]:
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
    return ids


def fire(session: Session, timer_id: int, owner: str, handle: Handle | None = None) -> bool:
    """Fire one claimed timer in its own transaction; False if the claim was lost or the
    handler failed (then it is retried later, see :func:`_failed`). ``handle`` defaults to
    the timer's subject's handler.

    A conflict (another transaction changed the same subject: a user's action, another
    timer of it) is not the handler's fault: the unit of work runs it again on the new state,
    up to ``CONFLICT_RETRIES`` times."""
    handle = handle or timer_subjects.dispatcher(session)

    def work() -> bool:
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
            return False
        handle(session.get(Timer, timer_id))
        return True

    try:
        return unit_of_work(session).run(work, retries=CONFLICT_RETRIES)
    except Exception as error:  # a handler's failure is recorded, never lost
        if database_unavailable(error):
            # Not the handler's fault, and nothing to record it in: the transaction rolled
            # back, the claim's lease runs out and the timer fires once the database is back.
            raise
        _failed(session, timer_id, error)
        return False


def _failed(session: Session, timer_id: int, error: Exception) -> None:
    def work() -> None:
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

    unit_of_work(session).run(work, conflicts=())


def fire_claimed(session: Session, ids: list[int], owner: str, handle: Handle | None = None) -> int:
    """Fire timers claimed by ``owner``, up to ``CHUNK`` to a transaction; returns how many
    fired. ``handle`` defaults to each timer's subject's handler.

    If a handler of a chunk raises (or its commit fails), the chunk is rolled back, so none
    of its effects or DONE marks stay, and its timers are fired again one by one with
    :func:`fire`, which runs a handler that met a concurrent change again and records a
    failing one. A failing timer thus costs its chunk a second run, never its effects.
    """
    handle = handle or timer_subjects.dispatcher(session)
    fired = 0
    for chunk in _chunks(ids):
        try:
            count, _held = unit_of_work(session).run(
                lambda chunk=chunk: _fire_chunk(session, chunk, owner, handle), conflicts=()
            )
            fired += count
        except Exception as error:
            if database_unavailable(error):
                raise  # one by one would fail the same way (see fire)
            log.info("firing %s timers one by one after: %s", len(chunk), error)
            fired += sum(fire(session, timer_id, owner, handle) for timer_id in chunk)
    return fired


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    """``ids`` in slices of 1, 10, then ``CHUNK``: a worker commits its first timers at
    once, so one that dies right after claiming leaves little to redo, and its progress shows
    as soon as it starts, as when timers were fired one per transaction."""
    start, size = 0, 1
    while start < len(ids):
        yield ids[start : start + size]
        start += size
        size = min(size * 10, CHUNK)


def _fire_chunk(
    session: Session, ids: list[int], owner: str, handle: Handle
) -> tuple[int, list[object]]:
    """Fire ``ids`` (the caller's unit of work commits); returns how many, and the objects
    the timers' subjects loaded for their handlers, which must stay referenced until the
    commit: the session keeps unchanged objects only while they are."""
    taken = session.scalars(
        update(Timer)
        .where(Timer.id.in_(ids), Timer.locked_by == owner, Timer.state == TimerState.RUNNING)
        .values(state=TimerState.DONE, fired_at=utcnow(), attempts=Timer.attempts + 1)
        .returning(Timer)
        .execution_options(populate_existing=True)
    ).all()
    held = timer_subjects.load(session, taken)
    # Subject by subject, so concurrent workers lock shared subjects (instances, posts) in
    # the same order (no deadlock on PostgreSQL), and a subject's timers fire in due order.
    for timer in sorted(taken, key=lambda t: (t.subject_kind, t.subject_id, t.due_at, t.id)):
        handle(timer)
    return len(taken), held


def fire_due(
    session: Session,
    handle: Handle | None = None,
    batch: int | None = None,
    lease: timedelta | None = None,
) -> int:
    """Claim and fire due timers batch after batch until none is due; returns how many fired.
    ``handle`` defaults to each timer's subject's handler (what Celery beat runs)."""
    owner = uuid.uuid4().hex
    handle = handle or timer_subjects.dispatcher(session)
    batch = batch or current_app.config["OA_TIMER_BATCH"]
    fired = 0
    while ids := claim(session, owner, batch=batch, lease=lease):
        fired += fire_claimed(session, ids, owner, handle)
        if len(ids) < batch:
            break
    return fired


def default_lease() -> timedelta:
    """How long a worker's claim on timers lasts (``OA_TIMER_LEASE_SECONDS``)."""
    return timedelta(seconds=current_app.config["OA_TIMER_LEASE_SECONDS"])


def retry(session: Session, timer_id: int, actor_id: int) -> Timer | None:
    """Send a failed timer round again (an administrator, ``actor_id``, fixed its cause),
    recorded in its subject's trail (an instance's audit); None if the timer is not failed."""

    def work() -> Timer | None:
        timer = session.get(Timer, timer_id)
        if timer is None or timer.state is not TimerState.FAILED:
            return None
        timer.state = TimerState.PENDING
        timer.attempts = 0
        timer.due_at = utcnow()
        subject = timer_subjects.find(timer.subject_kind)
        if subject is not None:  # else its plugin is gone: it fails again, and says so
            subject.retried(session, timer, actor_id)
        return timer

    return unit_of_work(session).run(work)
