"""Which backups to keep: the newest of each of the last N days, N ISO weeks and N months
(grandfather-father-son), and always the newest of all."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

from oa_platform.operations.backup import archives, taken_at
from oa_platform.operations.bundle import sidecar_of

_BUCKETS: tuple[Callable[[datetime], tuple], ...] = (
    lambda at: (at.year, at.month, at.day),
    lambda at: tuple(at.isocalendar())[:2],
    lambda at: (at.year, at.month),
)


def to_keep(taken: Iterable[datetime], daily: int, weekly: int, monthly: int) -> set[datetime]:
    """The times (of ``taken``) whose backups are kept."""
    newest_first = sorted(set(taken), reverse=True)
    kept = set(newest_first[:1])
    for bucket, count in zip(_BUCKETS, (daily, weekly, monthly), strict=True):
        seen: set[tuple] = set()
        for at in newest_first:
            key = bucket(at)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.add(key)
            kept.add(at)  # the newest backup of that day / week / month
    return kept


def prune(folder: Path, daily: int, weekly: int, monthly: int) -> list[Path]:
    """Delete the archives (and their sidecars) in ``folder`` that are not kept; returns
    what was deleted."""
    found = {taken_at(path): path for path in archives(folder)}
    keep = to_keep(found, daily, weekly, monthly)
    removed = []
    for at, path in sorted(found.items()):
        if at not in keep:
            path.unlink(missing_ok=True)
            sidecar_of(path).unlink(missing_ok=True)
            removed.append(path)
    return removed
