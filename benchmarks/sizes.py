"""How big a run is: ``full`` for ``make bench``, ``tenth`` for the growth figures in
docs/performance.md (a tenth of the data), ``tiny`` for the smoke test."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    name: str
    engine_instances: int  # expense claims driven to the end, per database
    users: int  # the generated organisation
    tasks: int  # tasks in the generated inboxes
    samples: int  # inbox queries timed, per figure
    pending_timers: int  # timers not yet due
    due_timers: int  # timers claimed and fired
    timer_batch: int
    http_seconds: float  # load per endpoint
    http_connections: int
    form_fields: int  # fields of the generated form definition (one of them the table)
    form_rows: int  # rows posted in its table
    form_repeats: int  # warm renders and validations timed


SIZES = {
    "full": Size("full", 300, 10_000, 1_000_000, 300, 1_000_000, 10_000, 1_000, 10, 16, 60, 50, 50),
    "tenth": Size("tenth", 300, 1_000, 100_000, 300, 100_000, 10_000, 1_000, 10, 16, 60, 50, 50),
    "tiny": Size("tiny", 4, 20, 400, 5, 200, 40, 20, 1, 2, 8, 3, 2),
}
