"""``oa backup``: a consistent online backup while the system runs (§2.1.3, §7.2).

Order matters for consistency: the database is dumped first, from one snapshot; the files
are read after it. Attachments are content-addressed and written before the row that refers
to them commits, so every file a row of the snapshot names is already on disk when the
files are read; files newer than the snapshot come along unreferenced and do no harm.
"""

from __future__ import annotations

import importlib.metadata
import tempfile
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.operations import bundle, files, settings_snapshot
from oa_platform.operations.bundle import Progress, Written, _quiet
from oa_platform.operations.dump import dump
from oa_platform.operations.manifest import FileEntry, Manifest

ARCHIVE_PREFIX = "oa-backup-"


def platform_version() -> str:
    try:
        return importlib.metadata.version("oa-platform")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def archive_name(at: datetime, encrypted: bool) -> str:
    """``oa-backup-20261207-021500-123456.tar`` (``.tar.enc`` when encrypted), UTC."""
    return f"{ARCHIVE_PREFIX}{at:%Y%m%d-%H%M%S-%f}.tar{'.enc' if encrypted else ''}"


def backup_folder(app: Flask) -> Path:
    folder = Path(app.config["OA_BACKUP_DIR"])
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # §7.3: only the platform reads it
    return folder


def _definitions(staging: Path) -> list[tuple[str, Path]]:
    """Every definition version as its JSON document, readable without the platform."""
    from form_builder.models import DefinitionVersion
    from form_builder.transfer import export_name, export_version

    folder = staging / "definitions"
    folder.mkdir()
    members = []
    for version in db.session.scalars(select(DefinitionVersion).order_by(DefinitionVersion.id)):
        path = folder / export_name(version)
        path.write_text(export_version(version), encoding="utf-8")
        members.append((f"definitions/{path.name}", path))
    db.session.rollback()  # it only read
    return members


def take(app: Flask, progress: Progress = _quiet, folder: Path | None = None) -> Written:
    """Back up ``app``'s database, files, definitions and settings into one archive in
    ``folder`` (``OA_BACKUP_DIR``); encrypted when ``OA_BACKUP_KEY`` is set."""
    folder = folder or backup_folder(app)
    passphrase = app.config.get("OA_BACKUP_KEY") or ""
    started = utcnow()
    with tempfile.TemporaryDirectory(dir=folder, prefix=".staging-") as scratch:
        staging = Path(scratch)
        progress("database", 0, 1)
        dumped = dump(db.engine, staging)
        progress("database", 1, 1)
        settings = staging / "settings.json"
        settings.write_text(settings_snapshot.to_json(app), encoding="utf-8")
        members = [(dumped.member, dumped.path), ("settings.json", settings)]
        members += _definitions(staging)
        for name, root in files.roots(app).items():
            members += [
                (f"files/{name}/{p.relative_to(root).as_posix()}", p) for p in files.walk(root)
            ]

        def finish(entries: list[FileEntry]) -> Manifest:
            return Manifest(
                created_at=started.isoformat(),
                platform_version=platform_version(),
                dialect=dumped.dialect,
                database_server=dumped.server_version,
                dump_tool=dumped.tool,
                schema_revision=dumped.schema_revision,
                database_file=dumped.member,
                row_counts=dumped.row_counts,
                files=entries,
            )

        return bundle.write(
            folder / archive_name(started, bool(passphrase)),
            members,
            len(members),
            finish,
            passphrase,
            progress,
        )


def archives(folder: Path) -> list[Path]:
    """The backup archives in ``folder``, newest first (by the time in their names)."""
    if not folder.is_dir():
        return []
    found = [
        p
        for p in folder.glob(f"{ARCHIVE_PREFIX}*.tar*")
        if not p.name.endswith(bundle.SIDECAR_SUFFIX)
    ]
    return sorted(found, key=lambda p: p.name, reverse=True)


def taken_at(archive: Path) -> datetime:
    """When ``archive`` was taken, from its name (UTC)."""
    stamp = archive.name[len(ARCHIVE_PREFIX) :].split(".tar")[0]
    return datetime.strptime(stamp, "%Y%m%d-%H%M%S-%f")
