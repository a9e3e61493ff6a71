"""Timer throughput: claim and fire the due timers among many pending ones, batch by batch,
as ``timers.fire_due`` does (``timers.fire_claimed``), with the handlers Celery beat uses
(each timer's subject's: here process reminders, ``Runtime.timer_fired``, each an audit entry
and a notification)."""

from __future__ import annotations

import time
import uuid

from benchmarks.dataset import Generated
from benchmarks.report import emit, percentiles_ms, rate
from benchmarks.sizes import Size

NAME = "timers"


def measure(size: Size, database: str, generated: Generated) -> None:
    """Emit per-batch claim and claim-plus-fire times, and timers fired per second."""
    from oa_platform.extensions import db
    from oa_platform.runtime import timer_subjects, timers

    session = db.session
    handle = timer_subjects.dispatcher(session)
    owner = uuid.uuid4().hex
    claims, batches, fired = [], [], 0
    while True:
        start = time.perf_counter()
        ids = timers.claim(session, owner, batch=size.timer_batch)
        claimed = time.perf_counter()
        fired += timers.fire_claimed(session, ids, owner, handle)
        if not ids:
            break
        claims.append(claimed - start)
        batches.append(time.perf_counter() - start)
        session.expunge_all()
    if fired != generated.due_timers:
        raise RuntimeError(f"fired {fired} timers, expected {generated.due_timers}")
    emit(
        NAME,
        "claim_and_fire",
        database=database,
        pending=size.pending_timers,
        due=generated.due_timers,
        batch=size.timer_batch,
        batches=len(batches),
        claim=percentiles_ms(claims),
        batch_total=percentiles_ms(batches),
        fired_per_s=rate(fired, sum(batches)),
        target=f"a batch of {size.timer_batch} in <= 1 s",
    )
