"""The embedded SQLite survives three processes writing one file (issue 25): on a library
with the WAL-reset bug (3.7.0 to 3.51.2) only one connection at a time checkpoints, nothing
is memory-mapped, and after minutes of writing the file is intact and holds every commit.

``OA_SQLITE_STRESS_SECONDS`` sets how long the writers run (``make soak`` runs minutes)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from oa_platform import sqlite_wal
from oa_platform.database import configure_sqlite

WRITER = Path(__file__).with_name("sqlite_writer.py")
ROOT = Path(__file__).resolve().parents[3]


def test_the_wal_reset_bug_is_known_by_version():
    assert sqlite_wal.bug_present("3.40.1")
    assert sqlite_wal.bug_present("3.51.2")
    assert not sqlite_wal.bug_present("3.51.3")
    assert not sqlite_wal.bug_present("3.54.1")
    assert not sqlite_wal.bug_present("3.6.23")  # before WAL existed


def _pragma(engine, name: str) -> int:
    with engine.connect() as connection:
        return connection.execute(text(f"PRAGMA {name}")).scalar()


def test_start_up_checks_the_library_and_guards_an_affected_one(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_wal, "mode", lambda: sqlite_wal.Mode("3.40.1", True))
    engine = create_engine(f"sqlite:///{tmp_path / 'oa.sqlite'}")
    mode = configure_sqlite(engine)
    assert mode.single_checkpointer
    assert "WAL-reset bug" in mode.describe()
    assert _pragma(engine, "journal_mode") == "wal"
    assert _pragma(engine, "wal_autocheckpoint") == 0  # no connection checkpoints on commit
    assert _pragma(engine, "mmap_size") == 0
    checkpointer = sqlite_wal._checkpointers[(tmp_path / "oa.sqlite").resolve()]
    assert checkpointer.is_alive()
    engine.dispose()


def test_a_fixed_library_checkpoints_as_sqlite_does(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_wal, "mode", lambda: sqlite_wal.Mode("3.51.3", False))
    engine = create_engine(f"sqlite:///{tmp_path / 'oa.sqlite'}")
    assert not configure_sqlite(engine).single_checkpointer
    assert _pragma(engine, "wal_autocheckpoint") == 1000
    assert _pragma(engine, "mmap_size") == 0
    assert (tmp_path / "oa.sqlite").resolve() not in sqlite_wal._checkpointers


def test_the_application_says_which_mode_it_runs(app):
    mode = app.extensions.get("oa_sqlite_checkpoints")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        assert mode == sqlite_wal.mode()
    else:
        assert mode is None


@pytest.mark.skipif(not sqlite_wal.bug_present(), reason="this SQLite has the fix")
def test_three_processes_writing_one_file_leave_it_intact_with_every_commit(tmp_path):
    database = tmp_path / "shared.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE entries (id INTEGER PRIMARY KEY, writer INTEGER, body TEXT)"
        )
    seconds = os.environ.get("OA_SQLITE_STRESS_SECONDS", "4")
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(database), seconds, str(number)],
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
        )
        for number in range(3)
    ]
    reports = [writer.communicate(timeout=float(seconds) + 60)[0].split() for writer in writers]
    assert all(writer.returncode == 0 for writer in writers)
    committed = [int(report[0]) for report in reports]
    checkpoints = [int(report[1]) for report in reports]

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        counts = dict(connection.execute("SELECT writer, count(*) FROM entries GROUP BY writer"))
    assert counts == dict(enumerate(committed))  # every commit is there, none twice
    assert sum(checkpoints) > 0  # the file was checkpointed, by the elected process
    wal = Path(f"{database}-wal")
    # Restarted as it grew, not left to grow with every commit (hundreds of MB unguarded).
    assert not wal.exists() or wal.stat().st_size <= sqlite_wal.JOURNAL_SIZE_LIMIT
