"""Performance benchmarks (issue 8): run with ``make bench`` or ``python -m benchmarks``.

Each module measures one thing and prints one JSON line per figure (:mod:`benchmarks.report`).
Speed is measured here and written to docs/performance.md, never asserted in a test; the smoke
test (tests/integration/platform/test_benchmarks_smoke.py) runs every benchmark at the tiny size.
"""
