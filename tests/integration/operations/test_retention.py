"""Backups are kept as the operator asks (§7.2): the newest of each of the last N days, N
weeks and N months, and always the newest of all; the others are deleted with their sidecar.
A backup run at a terminal shows its progress."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from oa_platform.operations.backup import archive_name, archives
from oa_platform.operations.cli import TerminalProgress
from oa_platform.operations.retention import prune, to_keep

times = st.lists(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1)),
    min_size=1,
    max_size=60,
)
counts = st.integers(min_value=0, max_value=8)


@given(times, counts, counts, counts)
def test_the_newest_backup_of_each_recent_day_week_and_month_is_kept(taken, daily, weekly, monthly):
    kept = to_keep(taken, daily, weekly, monthly)

    assert max(taken) in kept
    assert len(kept) <= 1 + daily + weekly + monthly
    for bucket, count in (
        (lambda at: at.date(), daily),
        (lambda at: at.isocalendar()[:2], weekly),
        (lambda at: (at.year, at.month), monthly),
    ):
        newest_per_bucket = {}
        for at in taken:
            key = bucket(at)
            newest_per_bucket[key] = max(at, newest_per_bucket.get(key, at))
        for key in sorted(newest_per_bucket, reverse=True)[:count]:
            assert newest_per_bucket[key] in kept


def test_pruning_deletes_the_archives_retention_does_not_keep(tmp_path):
    start = datetime(2026, 12, 7, 18, 0)
    for day in range(40):  # nightly backups for 40 days, two on the last day
        for at in (start - timedelta(days=day), start - timedelta(days=day, hours=6)):
            if day == 0 or at.hour == 18:
                (tmp_path / archive_name(at, False)).write_bytes(b"x")
                (tmp_path / (archive_name(at, False) + ".json")).write_text("{}")

    removed = prune(tmp_path, daily=7, weekly=4, monthly=2)

    left = archives(tmp_path)
    assert len(left) == len(to_keep([start - timedelta(days=d) for d in range(40)], 7, 4, 2))
    assert left[0].name == archive_name(start, False)
    assert archive_name(start - timedelta(hours=6), False) in {p.name for p in removed}
    assert not any((tmp_path / (p.name + ".json")).exists() for p in removed)
    assert len(list(tmp_path.glob("*.json"))) == len(left)


def test_progress_is_shown_on_a_terminal_and_nowhere_else():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal, pipe = Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = TerminalProgress(stream)
        progress("database", 1, 1)
        for done in range(1, 5):
            progress("archive", done, 4)
        progress.end()

    assert "database: 1/1 (100%)\n" in terminal.getvalue()
    assert terminal.getvalue().endswith("\rarchive: 4/4 (100%)\n")
    assert pipe.getvalue() == ""  # beat's runs and redirected output stay quiet
