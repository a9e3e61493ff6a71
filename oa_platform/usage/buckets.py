"""Handling times in fixed log-scale buckets: how the daily rollup keeps a day's times so a
period's median and 90th percentile come from a few hundred rows instead of every task.

The resolution (the same for every database and every day, so days add up):

- under 16 minutes every minute is its own bucket (exact);
- from 16 minutes on, each doubling (16-31, 32-63, ... 65,536-131,071) is split into 8 equal
  buckets, so a bucket is at most an eighth of its lower bound wide (12.5 %);
- from 131,072 minutes (91 days) on, one open bucket.

A percentile read from buckets is the midpoint of the bucket the exact nearest-rank value lies
in (its lower bound for the open bucket): within half a bucket, 6.25 % of the value, of the
exact figure, and exact under 16 minutes. Values mixed with exact ones (days not rolled up
yet, counted to the minute) keep that bound: replacing a value by another in its bucket does
not move any rank to another bucket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

EXACT = 16  # minutes counted one by one
SPLIT = 8  # buckets per doubling from EXACT on
TOP = 17  # 2**17 minutes (91 days) and more share the open bucket
_FIRST_POWER = EXACT.bit_length() - 1  # 16 = 2**4
COUNT = EXACT + (TOP - _FIRST_POWER) * SPLIT + 1  # 121
OPEN = COUNT - 1


def bucket_of(minutes: int) -> int:
    """The bucket holding ``minutes`` (negative spans, which clocks can produce, as 0)."""
    if minutes < EXACT:
        return max(minutes, 0)
    power = minutes.bit_length() - 1
    if power >= TOP:
        return OPEN
    return EXACT + (power - _FIRST_POWER) * SPLIT + ((minutes - (1 << power)) * SPLIT >> power)


def bounds(bucket: int) -> tuple[int, int | None]:
    """The bucket's minutes: (first, first after it); None after the open bucket's."""
    if bucket < EXACT:
        return bucket, bucket + 1
    if bucket == OPEN:
        return 1 << TOP, None
    power, part = divmod(bucket - EXACT, SPLIT)
    power += _FIRST_POWER
    width = (1 << power) // SPLIT
    first = (1 << power) + part * width
    return first, first + width


def representative(bucket: int) -> int:
    """The value a percentile falling in ``bucket`` is shown as: its midpoint (whole
    minutes), the open bucket's lower bound."""
    first, after = bounds(bucket)
    return first if after is None else first + (after - first) // 2


def column(bucket: int) -> str:
    """The rollup tables' column for ``bucket`` (``h000`` ... ``h120``)."""
    return f"h{bucket:03d}"


COLUMNS = tuple(column(bucket) for bucket in range(COUNT))


def nearest_rank(counts: Mapping[int, int], share: tuple[int, int]) -> int | None:
    """The nearest-rank percentile of values given as {value: how many}: the smallest value
    with at least ``share`` (numerator, denominator) of the values at or below it, as
    PostgreSQL's ``percentile_disc``; None for no values. Integers only: no rounding."""
    total = sum(counts.values())
    if total <= 0:
        return None
    above, below = share
    running = 0
    for value in sorted(counts):
        running += counts[value]
        if below * running >= above * total:
            return value
    raise AssertionError("unreachable: the running sum reaches the total")


MEDIAN = (1, 2)
P90 = (9, 10)


def as_values(histogram: Iterable[int]) -> dict[int, int]:
    """A rollup histogram (a count per bucket, in bucket order) as {shown value: count}."""
    return {representative(bucket): n for bucket, n in enumerate(histogram) if n}
