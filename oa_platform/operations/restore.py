"""``oa restore`` and the restore drill (``oa backup --verify-restore``).

A restore checks first and writes after: the sidecar's checksum, the key, every member
against the manifest, the target database's emptiness. Only then is the database loaded and
the files put back; after it, every table's row count is compared with the manifest and the
audit chains are verified (regulations §6.1), exactly as ``oa audit verify`` does.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from oa_platform.operations import bundle, files
from oa_platform.operations.bundle import Progress, _quiet
from oa_platform.operations.dump import count_rows, load_postgres, load_sqlite, table_names
from oa_platform.operations.exceptions import OperationsError, RestoreCheckError
from oa_platform.operations.manifest import Manifest, sha256_of


@dataclass
class Restored:
    """What a restore put back and what its checks found."""

    archive: Path
    manifest: Manifest
    database: str  # the target's URL, password hidden
    tables: int
    rows: int
    files: int
    audit_problems: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.audit_problems


def _dialect(url: str | URL) -> str:
    return make_url(url).get_backend_name()


def _put_files(manifest: Manifest, staging: Path, roots: Mapping[str, Path]) -> int:
    """Copy ``files/<root>/...`` members into their folders (content-addressed: a file that
    is there with the right checksum is left alone)."""
    count = 0
    for entry in manifest.files:
        parts = entry.path.split("/", 2)
        if parts[0] != "files" or len(parts) < 3:
            continue
        if parts[1] not in roots:
            raise OperationsError(
                f"The backup holds files of '{parts[1]}', which this platform has no folder for."
            )
        target = roots[parts[1]] / parts[2]
        if target.is_file() and sha256_of(target) == entry.sha256:
            count += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = target.with_name(f".restore-{target.name}")
        shutil.copyfile(staging / entry.path, partial)
        os.chmod(partial, 0o600)
        os.replace(partial, target)
        count += 1
    return count


def check(url: str | URL, manifest: Manifest) -> tuple[int, int, list[str]]:
    """Compare the database at ``url`` with the manifest's row counts and verify its audit
    chains; returns (tables, rows, audit problems). Raises when a count differs."""
    from oa_platform.runtime.audit import verify

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            counts = count_rows(connection, table_names(engine))
        differ = [
            f"{table}: {counts.get(table)} rows, the backup had {rows}"
            for table, rows in sorted(manifest.row_counts.items())
            if counts.get(table) != rows
        ]
        if differ:
            raise RestoreCheckError(
                "The restored database does not match the backup: " + "; ".join(differ[:10])
            )
        with Session(bind=engine) as session:
            problems = [str(problem) for problem in verify(session)]
    finally:
        engine.dispose()
    return len(counts), sum(counts.values()), problems


def restore(
    app: Flask,
    archive: Path,
    *,
    database_url: str | URL | None = None,
    file_roots: Mapping[str, Path] | None = None,
    replace: bool = False,
    progress: Progress = _quiet,
) -> Restored:
    """Restore ``archive`` into ``database_url`` (the app's own database by default) and
    its files into ``file_roots`` (the app's folders), checking before and after."""
    url = database_url or app.config["SQLALCHEMY_DATABASE_URI"]
    passphrase = app.config.get("OA_BACKUP_KEY") or ""
    with tempfile.TemporaryDirectory(prefix="oa-restore-", dir=archive.parent) as scratch:
        staging = Path(scratch)
        manifest = bundle.extract(archive, staging, passphrase, progress)
        if _dialect(url) != manifest.dialect:
            raise OperationsError(
                f"The backup is of a {manifest.dialect} database and restores into"
                f" {manifest.dialect} only; the target is {_dialect(url)}."
            )
        progress("database", 0, 1)
        dump_file = staging / manifest.database_file
        if manifest.dialect == "sqlite":
            load_sqlite(dump_file, url, replace=replace)
        else:
            load_postgres(dump_file, url, dump_tool=manifest.dump_tool, replace=replace)
        progress("database", 1, 1)
        restored_files = _put_files(manifest, staging, file_roots or files.roots(app))
    tables, rows, problems = check(url, manifest)
    return Restored(
        archive,
        manifest,
        make_url(url).render_as_string(hide_password=True),
        tables,
        rows,
        restored_files,
        problems,
    )


def postgres_beside(url: str | URL, name: str, *, create: bool) -> str:
    """Drop the PostgreSQL database ``name`` on ``url``'s server (ending its sessions) and,
    with ``create``, make it anew, empty; returns its URL."""
    url = make_url(url)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@contextmanager
def scratch_database(app: Flask) -> Iterator[str]:
    """An empty database of the app's dialect for the drill, removed afterwards:
    ``OA_BACKUP_SCRATCH_URL``, else a temporary SQLite file, else ``<database>_restore_drill``
    created beside the PostgreSQL database."""
    configured = app.config.get("OA_BACKUP_SCRATCH_URL")
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if configured:
        yield configured
    elif url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="oa-drill-") as folder:
            yield f"sqlite:///{folder}/drill.sqlite"
    else:
        name = f"{url.database}_restore_drill"
        try:
            yield postgres_beside(url, name, create=True)
        finally:
            postgres_beside(url, name, create=False)


def drill(app: Flask, archive: Path, progress: Progress = _quiet) -> Restored:
    """Restore ``archive`` into a scratch database and scratch folders and report (the
    weekly drill: a backup is only as good as its restore)."""
    with (
        scratch_database(app) as url,
        tempfile.TemporaryDirectory(prefix="oa-drill-files-") as folder,
    ):
        roots = {name: Path(folder) / name for name in files.roots(app)}
        return restore(
            app, archive, database_url=url, file_roots=roots, replace=True, progress=progress
        )
