"""Hypothesis profiles: a quick run on a developer's machine, the full one in CI.

``HYPOTHESIS_PROFILE`` names the profile; without it, CI (``CI`` set, as ``.ci/run`` does)
runs ``ci`` and everyone else ``dev``; ``make fuzz`` runs ``fuzz``. Tests state the
examples a full run draws with :func:`examples`, which a ``dev`` run divides by five.
"""

from __future__ import annotations

import os

from hypothesis import settings

FULL = 100  # the ``ci`` profile's max_examples: a test's figure is relative to it

# CI draws the same examples every run: a red CI names a defect of the change, not a chance
# find (those come from the random local runs, which hypothesis' database then replays).
settings.register_profile("ci", max_examples=FULL, deadline=None, print_blob=True, derandomize=True)
settings.register_profile("dev", max_examples=FULL // 5, deadline=None)
# `make fuzz`: twenty times CI's examples, new ones every run (issue 17).
settings.register_profile("fuzz", max_examples=FULL * 20, deadline=None, print_blob=True)


def load() -> str:
    """Load the profile this run asks for; returns its name."""
    settings.load_profile(name())
    return name()


def name() -> str:
    """The profile this run asks for."""
    return os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")


def examples(full: int) -> int:
    """``full`` examples in a full run, proportionally fewer in a quick one (at least 5)."""
    return max(5, full * settings.default.max_examples // FULL)
