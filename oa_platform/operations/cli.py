"""``oa backup``, ``oa restore`` (and ``oa archive``): the operator's commands. Output and
errors are in English (read at a terminal, like the logs)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from oa_platform.operations.exceptions import OperationsError, RestoreCheckError


class TerminalProgress:
    """Progress on a terminal (one line per stage, rewritten in place); silent otherwise."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()
        self.stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.shown:
            return
        if stage != self.stage and self.stage is not None:
            self.stream.write("\n")
        self.stage = stage
        share = f" {done}/{total} ({100 * done // total}%)" if total else f" {done}"
        self.stream.write(f"\r{stage}:{share}")
        self.stream.flush()

    def end(self) -> None:
        if self.shown and self.stage is not None:
            self.stream.write("\n")
            self.stage = None


def _report(restored) -> None:
    manifest = restored.manifest
    click.echo(
        f"Restored {restored.archive.name} (taken {manifest.created_at} UTC, platform"
        f" {manifest.platform_version}) into {restored.database}: {restored.tables} tables,"
        f" {restored.rows} rows, {restored.files} files; every row count matches the manifest."
    )
    for problem in restored.audit_problems:
        click.echo(f"AUDIT: {problem}", err=True)
    if restored.audit_problems:
        raise click.ClickException(
            f"{len(restored.audit_problems)} audit chain problem(s) after the restore."
        )
    click.echo("Every audit chain verifies.")


@click.command("backup")
@click.option(
    "--verify-restore", is_flag=True, help="Then restore it into a scratch database and report."
)
@click.option("--no-offsite", is_flag=True, help="Do not copy it to OA_BACKUP_TARGETS.")
@with_appcontext
def backup_command(verify_restore: bool, no_offsite: bool) -> None:
    """Back up the database, files, definitions and settings into one archive (OA_BACKUP_DIR),
    prune by retention and copy it off site."""
    from oa_platform.operations.runs import backup_run, drill_run

    progress = TerminalProgress()
    try:
        run = backup_run(current_app, progress, offsite_copies=not no_offsite)
    except OperationsError as error:
        progress.end()
        raise click.ClickException(error.message) from None
    progress.end()
    written = run.written
    click.echo(
        f"Backup written: {written.path} ({written.size} bytes, SHA-256 {written.sha256},"
        f" {len(written.manifest.files)} files, {sum(written.manifest.row_counts.values())} rows"
        f"{', encrypted' if written.manifest.encrypted else ''})."
    )
    for path in run.pruned:
        click.echo(f"Pruned by retention: {path.name}")
    for copied in run.copies:
        click.echo(f"Off-site {'OK' if copied.ok else 'FAILED'}: {copied.location or copied.error}")
    if verify_restore:
        try:
            restored = drill_run(current_app, written.path, progress)
        except OperationsError as error:
            progress.end()
            raise click.ClickException(f"Restore drill failed: {error.message}") from None
        progress.end()
        _report(restored)
    if any(not copied.ok for copied in run.copies):
        raise click.ClickException("An off-site copy failed (the administrators were told).")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--database",
    "database_url",
    help="Restore into this database URL (default: the configured one).",
)
@click.option("--replace", is_flag=True, help="Overwrite a database that is not empty.")
@with_appcontext
def restore_command(archive: Path, database_url: str | None, replace: bool) -> None:
    """Restore a backup archive into an empty database and the files into their folders,
    checking the manifest and checksums first, row counts and audit chains after."""
    from oa_platform.extensions import db
    from oa_platform.operations.restore import restore

    db.session.remove()
    db.engine.dispose()  # the restore writes the database file: no pooled connection on it
    progress = TerminalProgress()
    try:
        restored = restore(
            current_app, archive, database_url=database_url, replace=replace, progress=progress
        )
    except RestoreCheckError as error:  # loaded, but not what the backup held
        progress.end()
        raise click.ClickException(error.message) from None
    except OperationsError as error:  # refused before anything was written
        progress.end()
        raise click.ClickException(f"{error.message} Nothing was restored.") from None
    progress.end()
    _report(restored)


@click.command("archive")
@click.argument("year", type=click.IntRange(2000, 2999))
@click.option(
    "--disc-mb",
    type=click.FloatRange(min=0.1),
    help="Disc size in MB (default OA_ARCHIVE_DISC_MB, 700: a CD).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the images (default OA_ARCHIVE_DIR/YEAR).",
)
@with_appcontext
def archive_command(year: int, disc_mb: float | None, output: Path | None) -> None:
    """Build ISO 9660 disc images of YEAR's finished instances and issued documents for the
    group archives (seed 2 §7.2), each with an index, checksums and verify.py; mark the
    archived items with their disc's label."""
    from oa_platform.operations.yearly import build

    progress = TerminalProgress()
    try:
        discs = build(
            current_app,
            year,
            disc_bytes=int(disc_mb * 1024 * 1024) if disc_mb else None,
            output=output,
            progress=progress,
        )
    except OperationsError as error:
        progress.end()
        raise click.ClickException(
            f"{error.message} No disc was kept and nothing was marked."
        ) from None
    progress.end()
    if not discs:
        click.echo(f"Nothing to archive for {year}: every finished item is on a disc already.")
    for disc in discs:
        size = disc.image.stat().st_size
        click.echo(f"{disc.image}: {disc.label}, {len(disc.items)} item(s), {size:,} bytes")
