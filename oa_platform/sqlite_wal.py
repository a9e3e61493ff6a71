"""One checkpointer per SQLite file: the guard against SQLite's WAL-reset bug.

The embedded default runs the web server, the Celery worker and beat as three processes
writing one SQLite file in WAL mode. SQLite 3.7.0 to 3.51.2 can corrupt such a file when a
checkpoint starts right after another one finished while a third connection restarts the
WAL (the "WAL-reset bug", fixed in 3.51.3; https://sqlite.org/wal.html#walresetbug). Python
3.11's ``sqlite3`` on Debian 12 links 3.40.1, and no maintained wheel ships 3.51.3 or later as
a drop-in ``sqlite3`` (pysqlite3-binary stops at 3.51.1).

The workaround SQLite's documentation gives: only one connection checkpoints. So, on an
affected library, no connection checkpoints on commit (``PRAGMA wal_autocheckpoint=0``)
and every process that opens the file competes for an exclusive ``flock`` on
``<file>-checkpointer.lock``: the one holding it checkpoints from one dedicated connection,
one at a time and half a second apart (PASSIVE; TRUNCATE once the WAL grows large); when it
dies the kernel releases the lock and another process takes over. Checkpoints therefore
never overlap and never follow one another immediately, which the bug needs. Memory-mapped
I/O stays off (``mmap_size`` 0): with several writer processes it turns a transient WAL
inconsistency into lasting corruption.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# The first release with the WAL-reset bug fixed.
FIXED_IN = (3, 51, 3)
# Seconds between two checkpoints, and between two attempts to become the checkpointer.
INTERVAL = 0.5
# The WAL is cut back to this size when it restarts (SQLite keeps it at its peak otherwise).
JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024
# Past this size the checkpointer waits for writers and restarts the WAL (TRUNCATE): under
# steady writes from several processes PASSIVE checkpoints never let the WAL start over.
RESTART_ABOVE = 16 * 1024 * 1024


def bug_present(version: str = sqlite3.sqlite_version) -> bool:
    """Whether the SQLite library ``version`` has the WAL-reset bug (3.7.0 to 3.51.2)."""
    numbers = tuple(int(part) for part in version.split(".")[:3])
    return (3, 7, 0) <= numbers < FIXED_IN


@dataclass(frozen=True)
class Mode:
    """How connections to a file in this process checkpoint (logged at start-up, tested)."""

    sqlite_version: str
    single_checkpointer: bool

    def describe(self) -> str:
        if self.single_checkpointer:
            return (
                f"SQLite {self.sqlite_version} has the WAL-reset bug (fixed in 3.51.3): "
                "one process at a time checkpoints, from one connection"
            )
        return f"SQLite {self.sqlite_version}: WAL checkpoints on commit, as SQLite does"


def mode(version: str = sqlite3.sqlite_version) -> Mode:
    """The checkpoint mode for the SQLite library in use."""
    return Mode(sqlite_version=version, single_checkpointer=bug_present(version))


class Checkpointer(threading.Thread):
    """Competes for ``<database>-checkpointer.lock`` and, while holding it, checkpoints
    ``database`` every ``interval`` seconds. Ends with the object it serves (``alive`` turns
    false: the engine was disposed or collected), when the file is gone, or on :meth:`stop`."""

    def __init__(
        self, database: Path, alive: Callable[[], bool], interval: float | None = None
    ) -> None:
        super().__init__(name=f"sqlite-checkpointer:{database.name}", daemon=True)
        self.database = database
        self.alive = alive
        self.interval = interval or INTERVAL
        self.lock_path = database.with_name(database.name + "-checkpointer.lock")
        self.lock_descriptor: int | None = None
        self.checkpoints = 0
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()

    def run(self) -> None:
        connection = None
        try:
            while self.alive() and self.database.exists():
                if self.lock_descriptor is None:
                    self.lock_descriptor = self._try_lock()
                if self.lock_descriptor is not None:
                    if connection is None:
                        connection = sqlite3.connect(self.database, timeout=10)
                        connection.execute("PRAGMA wal_autocheckpoint=0")
                    self._checkpoint(connection)
                if self._stopped.wait(self.interval):
                    return
        finally:
            if connection is not None:
                connection.close()
            if self.lock_descriptor is not None:
                os.close(self.lock_descriptor)  # closing the descriptor releases the flock
                self.lock_descriptor = None

    def _try_lock(self) -> int | None:
        descriptor = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        return descriptor

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        wal = self.database.with_name(self.database.name + "-wal")
        try:
            size = wal.stat().st_size
        except FileNotFoundError:
            size = 0
        how = "TRUNCATE" if size > RESTART_ABOVE else "PASSIVE"
        try:
            connection.execute(f"PRAGMA wal_checkpoint({how})").fetchall()
            self.checkpoints += 1
        except sqlite3.Error as error:  # busy or locked: the next round tries again
            log.warning("checkpoint of %s skipped: %s", self.database, error)


_checkpointers: dict[Path, Checkpointer] = {}
_registry_lock = threading.Lock()


def ensure_checkpointer(
    database: Path, owner: object, interval: float | None = None
) -> Checkpointer:
    """Start this process's checkpointer for ``database``, serving ``owner`` (an engine),
    unless one serving a live owner runs; it ends soon after ``owner`` is collected."""
    key = database.resolve()
    reference = weakref.ref(owner)
    with _registry_lock:
        running = _checkpointers.get(key)
        if running is None or not running.is_alive() or not running.alive():
            running = _checkpointers[key] = Checkpointer(
                key, lambda: reference() is not None, interval
            )
            running.start()
        return running


def stop_checkpointer(database: Path) -> None:
    """Stop this process's checkpointer for ``database`` (its engine was disposed); the next
    connection starts one again."""
    with _registry_lock:
        running = _checkpointers.pop(database.resolve(), None)
    if running is not None and running.is_alive():
        running.stop()
        running.join(timeout=10)


def _forget_in_child() -> None:
    """A forked child (Celery's pool, gunicorn's workers) has no threads, but it inherits
    the parent's lock descriptors: close them, or the lock would outlive its checkpointer."""
    for running in _checkpointers.values():
        if running.lock_descriptor is not None:
            os.close(running.lock_descriptor)
    _checkpointers.clear()


os.register_at_fork(after_in_child=_forget_in_child)
