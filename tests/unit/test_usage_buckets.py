"""The usage rollup's handling-time buckets (§2.1.1): a median or 90th percentile read from a
rolled-up period's buckets is the exact nearest-rank figure to within its bucket, as
docs/architecture.md promises (exact under 16 minutes, within 6.25 % above)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from oa_platform.usage.buckets import (
    COUNT,
    EXACT,
    MEDIAN,
    OPEN,
    P90,
    as_values,
    bounds,
    bucket_of,
    nearest_rank,
    representative,
)
from tests.hypothesis_profiles import examples

# Handling times as they come: most within hours, a tail of weeks, now and then beyond the
# open bucket's 91 days.
MINUTES = st.one_of(
    st.integers(0, 30),
    st.integers(0, 600),
    st.integers(0, 60 * 24 * 30),
    st.integers(0, 60 * 24 * 200),
)
TIMES = st.lists(MINUTES, min_size=1, max_size=300)


def exact(times: list[int], share: tuple[int, int]) -> int:
    """Nearest rank by the book: the ceil(share * n)-th smallest value."""
    ordered = sorted(times)
    above, below = share
    rank = -(-above * len(ordered) // below)
    return ordered[rank - 1]


def bucketed(times: list[int]) -> Counter:
    """What the rollup keeps of ``times``: a count per bucket, read back as values."""
    histogram = [0] * COUNT
    for minutes in times:
        histogram[bucket_of(minutes)] += 1
    return Counter(as_values(histogram))


def test_the_buckets_cover_every_minute_in_order_at_the_documented_resolution():
    previous_after = 0
    for bucket in range(COUNT):
        first, after = bounds(bucket)
        assert first == previous_after  # no gap, no overlap, in order
        assert bucket_of(first) == bucket == bucket_of(representative(bucket))
        if after is None:
            assert bucket == OPEN
            break
        assert bucket_of(after - 1) == bucket
        width = after - first
        assert width == 1 if first < EXACT else width * 8 <= first
        # The midpoint shown is within half a bucket, 6.25 % of any value in it.
        assert all(abs(representative(bucket) - v) * 16 <= max(v, 16) for v in (first, after - 1))
        previous_after = after
    assert bucket_of(10**9) == OPEN and bucket_of(-5) == 0


def test_known_times_read_from_buckets():
    """The quarter of tests/usage_helpers.py: Fiona's 180 and 10,080 minutes."""
    assert nearest_rank(bucketed([60, 180]), MEDIAN) == 62  # [60, 64): its midpoint
    assert nearest_rank(bucketed([180, 10080]), P90) == 9728  # [9216, 10240)
    assert nearest_rank(bucketed([3, 7, 12]), MEDIAN) == 7  # under 16 minutes: exact
    assert nearest_rank(Counter(), MEDIAN) is None


@settings(max_examples=examples(300))
@given(TIMES)
def test_the_rollups_median_and_p90_are_the_exact_figures_within_one_bucket(times):
    for share in (MEDIAN, P90):
        truth = exact(times, share)
        assert nearest_rank(Counter(times), share) == truth
        from_buckets = nearest_rank(bucketed(times), share)
        assert bucket_of(from_buckets) == bucket_of(truth)
        if truth < EXACT:
            assert from_buckets == truth


@settings(max_examples=examples(300))
@given(TIMES, TIMES)
def test_rolled_up_days_mixed_with_todays_exact_minutes_keep_the_bound(rolled, today):
    """A period reads its closed days from buckets and today to the minute."""
    mixed = bucketed(rolled) + Counter(today)
    for share in (MEDIAN, P90):
        truth = exact(rolled + today, share)
        assert bucket_of(nearest_rank(mixed, share)) == bucket_of(truth)
