"""The runner's output: one JSON line per figure, and the statistics every benchmark uses."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

Figure = dict[str, Any]


def emit(benchmark: str, figure: str, **values: Any) -> Figure:
    """Print one figure as a JSON line (flushed at once: a long run shows progress)."""
    line = {"benchmark": benchmark, "figure": figure, **values}
    sys.stdout.write(json.dumps(line, default=str) + "\n")
    sys.stdout.flush()
    return line


def percentiles_ms(samples: Sequence[float]) -> dict[str, float]:
    """p50 and p95 of ``samples`` (seconds), in milliseconds."""
    if len(samples) == 1:
        only = round(samples[0] * 1000, 3)
        return {"p50_ms": only, "p95_ms": only}
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return {"p50_ms": round(cuts[9] * 1000, 3), "p95_ms": round(cuts[18] * 1000, 3)}


def rate(count: int, seconds: float) -> float:
    """``count`` per second, rounded for reading."""
    return round(count / seconds, 1) if seconds > 0 else float("inf")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as took:`` ... ``took[0]`` is the elapsed wall time in seconds."""
    took: list[float] = []
    start = time.perf_counter()
    try:
        yield took
    finally:
        took.append(time.perf_counter() - start)
