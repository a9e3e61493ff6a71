"""One writer process of the SQLite stress test (test_sqlite_wal.py): commits small
transactions into the shared file for ``seconds`` through an engine configured as the
platform's (WAL, one checkpointer per file), then prints how many it committed and how many
checkpoints its process ran."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from oa_platform import sqlite_wal
from oa_platform.database import configure_sqlite


def main(database: str, seconds: float, writer: int) -> None:
    sqlite_wal.INTERVAL = 0.05  # checkpoints as often as possible: the race needs them
    engine = create_engine(f"sqlite:///{database}")
    configure_sqlite(engine)
    committed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO entries (writer, body) VALUES (:writer, :body)"),
                {"writer": writer, "body": "x" * 2000},  # a page or so: the WAL grows fast
            )
        committed += 1
    checkpointer = sqlite_wal._checkpointers.get(Path(database).resolve())
    print(committed, checkpointer.checkpoints if checkpointer else 0, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
