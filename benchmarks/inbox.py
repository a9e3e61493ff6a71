"""Inbox latency at size: "my open tasks, first page, soonest due first" and the badge
counts, for users drawn at random from the generated organisation (:mod:`benchmarks.dataset`).

Each sample is one user's query on an empty session, as a page request makes it, through
the same functions the inbox page calls (``oa_platform.runtime.inbox``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from benchmarks.dataset import Generated
from benchmarks.report import emit, percentiles_ms
from benchmarks.sizes import Size

NAME = "inbox"


def _sample(samples: int, user_ids: list[int], query: Callable[[int], object]) -> list[float]:
    from oa_platform.extensions import db

    rng = random.Random(samples)
    took = []
    for user_id in rng.sample(user_ids, min(samples, len(user_ids))):
        db.session.expunge_all()
        start = time.perf_counter()
        query(user_id)
        took.append(time.perf_counter() - start)
    return took


def measure(size: Size, database: str, generated: Generated) -> None:
    """Emit p50/p95 of the first to-do page and of the badge counts."""
    from oa_platform.extensions import db
    from oa_platform.runtime import inbox

    session = db.session
    for query in (generated.user_ids[0], generated.user_ids[-1]):  # warm the caches once
        inbox.todo(session, query, inbox.Filters(), 1)
        inbox.counts(session, query)
    queries = {
        "todo_first_page": lambda uid: inbox.todo(session, uid, inbox.Filters(), 1),
        "badge_counts": lambda uid: inbox.counts(session, uid),
    }
    for figure, query in queries.items():
        took = _sample(size.samples, generated.user_ids, query)
        emit(
            NAME,
            figure,
            database=database,
            users=size.users,
            tasks=size.tasks,
            samples=len(took),
            target="p95 <= 10 ms",
            **percentiles_ms(took),
        )
