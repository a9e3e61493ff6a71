"""Database connection settings that must hold on every connection."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine

from oa_platform import sqlite_wal

# The database holds password hashes and every form's data: only the platform's own system
# user reads it (regulations §7.2: the server's database and files are managed securely).
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def create_private_file(path: Path) -> None:
    """Create ``path`` empty, readable by its owner only, unless it exists; its folder too
    (0700). SQLite gives its -wal and -shm files the database file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))


def configure_sqlite(engine: Engine) -> sqlite_wal.Mode | None:
    """WAL (readers never block the writer), foreign keys on, and a busy timeout so the web
    server, the worker and beat can share one SQLite file; a new file is created 0600. On a
    SQLite library with the WAL-reset bug, one process at a time checkpoints the file
    (oa_platform/sqlite_wal.py). Returns the checkpoint mode of a file database."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    on_file = bool(database) and database != ":memory:" and not database.startswith("file:")
    if on_file:
        # Before SQLite creates it with the process's umask (usually world-readable).
        create_private_file(Path(database))
    checkpoints = sqlite_wal.mode()
    single_checkpointer = on_file and checkpoints.single_checkpointer

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        # Never memory-mapped: several processes write this file (see sqlite_wal).
        cursor.execute("PRAGMA mmap_size=0")
        if single_checkpointer:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            cursor.execute(f"PRAGMA journal_size_limit={sqlite_wal.JOURNAL_SIZE_LIMIT}")
            sqlite_wal.ensure_checkpointer(Path(database), engine)
        cursor.close()

    if single_checkpointer:

        @event.listens_for(engine, "engine_disposed")
        def _on_dispose(_engine) -> None:
            sqlite_wal.stop_checkpointer(Path(database))

    return checkpoints if on_file else None
