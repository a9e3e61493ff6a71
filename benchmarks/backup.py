"""Backup and restore of the generated data (issue 24): ``oa backup``'s work (one snapshot of
the database, the files, the manifest with every table's row count and every file's SHA-256)
and ``oa restore``'s (checks first, then the load into an empty database, then row counts and
audit chains), timed on the 1,000,000-task data set; archive size and rows beside."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import make_url

from benchmarks.apps import SCRATCH, Database
from benchmarks.report import emit, stopwatch
from benchmarks.sizes import Size


def _empty_target(database: Database) -> str:
    """An empty database beside ``database`` for the restore."""
    from oa_platform.operations.restore import postgres_beside

    if database.kind == "sqlite":
        path = SCRATCH / "restored.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    return postgres_beside(database.url, f"{make_url(database.url).database}_restored", create=True)


def _drop(database: Database, target: str) -> None:
    from oa_platform.operations.restore import postgres_beside

    if database.kind == "sqlite":
        Path(make_url(target).database).unlink(missing_ok=True)
    else:
        postgres_beside(database.url, make_url(target).database, create=False)


def measure(size: Size, database: Database) -> None:
    """Back the generated database up, restore it into an empty one, print both times."""
    from oa_platform.operations import backup
    from oa_platform.operations.restore import restore

    app = current_app._get_current_object()
    with tempfile.TemporaryDirectory(dir=SCRATCH, prefix="backups-") as folder:
        with stopwatch() as took:
            written = backup.take(app, folder=Path(folder))
        rows = sum(written.manifest.row_counts.values())
        emit(
            "backup",
            "backup",
            database=database.kind,
            tasks=size.tasks,
            rows=rows,
            archive_mb=round(written.size / 1024 / 1024, 1),
            seconds=round(took[0], 1),
        )
        target = _empty_target(database)
        try:
            with stopwatch() as took, tempfile.TemporaryDirectory(dir=SCRATCH) as files:
                restored = restore(
                    app, written.path, database_url=target, file_roots={"attachments": Path(files)}
                )
            emit(
                "backup",
                "restore_and_check",
                database=database.kind,
                tasks=size.tasks,
                rows=restored.rows,
                audit_problems=len(restored.audit_problems),
                seconds=round(took[0], 1),
            )
        finally:
            _drop(database, target)
