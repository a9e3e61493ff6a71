"""Regulations §2.1.3 and §7.2: IT backs the system's data up regularly so nothing is lost.
A backup restored into a fresh database on a new machine gives back every table's rows and
every file exactly, with the audit chains intact (§6.1); an archive that is damaged or
locked with another key is refused before anything is restored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from oa_platform.operations.backup import archives
from oa_platform.operations.bundle import sidecar_of
from tests.integration.operations.helpers import (
    app_on,
    claim,
    empty_database,
    folder_files,
    run_cli,
    table_rows,
)

BOTH_DATABASES = True
KEY = "correct horse battery staple"


def _backup(app, tmp_path: Path, key: str = "") -> Path:
    app.config.update(OA_BACKUP_DIR=str(tmp_path / "backups"), OA_BACKUP_KEY=key)
    result = app.test_cli_runner().invoke(args=["oa", "backup", "--no-offsite"])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    return archives(tmp_path / "backups")[0]


def _restore(app, archive: Path, *extra: str):
    return run_cli(app, "restore", str(archive), *extra)


def _tables(url: str) -> list[str]:
    engine = create_engine(url)
    names = inspect(engine).get_table_names()
    engine.dispose()
    return names


@pytest.mark.parametrize("key", ["", KEY], ids=["plain", "encrypted"])
def test_a_restored_backup_gives_back_every_row_and_file(demo, database_kind, tmp_path, key):
    for number in range(4):
        claim(number, finish=number % 2 == 0)
    source_url = demo.config["SQLALCHEMY_DATABASE_URI"]
    archive = _backup(demo, tmp_path, key)
    assert archive.name.endswith(".tar.enc" if key else ".tar")

    target_url = empty_database(database_kind, tmp_path)
    new_machine = app_on(target_url, tmp_path, "new-machine", OA_BACKUP_KEY=key)
    result = _restore(new_machine, archive)

    assert result.exit_code == 0, result.output
    assert "every row count matches the manifest" in result.output
    assert "Every audit chain verifies." in result.output
    assert table_rows(target_url) == table_rows(source_url)
    attachments = folder_files(Path(demo.config["OA_ATTACHMENT_DIR"]))
    assert len(attachments) == 4  # one receipt each
    assert folder_files(Path(new_machine.config["OA_ATTACHMENT_DIR"])) == attachments
    verify = run_cli(new_machine, "audit", "verify")
    assert verify.exit_code == 0 and "Every audit chain verifies." in verify.output


def _flip_a_byte(archive: Path) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "key, keep_sidecar",
    [("", True), ("", False), (KEY, False)],
    ids=["checksum-beside", "manifest-checksums", "encrypted-chunk"],
)
def test_a_damaged_archive_is_refused_and_nothing_restored(
    demo, database_kind, tmp_path, key, keep_sidecar
):
    claim(1, finish=True)
    archive = _backup(demo, tmp_path, key)
    _flip_a_byte(archive)
    if not keep_sidecar:
        sidecar_of(archive).unlink()
    target_url = empty_database(database_kind, tmp_path)
    new_machine = app_on(target_url, tmp_path, "new-machine", OA_BACKUP_KEY=key)

    result = _restore(new_machine, archive)

    assert result.exit_code != 0
    assert "damaged" in result.output or "does not match its checksum" in result.output
    assert "Nothing was restored." in result.output
    assert _tables(target_url) == []
    assert folder_files(Path(new_machine.config["OA_ATTACHMENT_DIR"])) == {}


def test_a_wrong_or_missing_key_is_refused_and_nothing_restored(demo, database_kind, tmp_path):
    claim(1, finish=True)
    archive = _backup(demo, tmp_path, KEY)
    target_url = empty_database(database_kind, tmp_path)

    wrong = _restore(app_on(target_url, tmp_path, "wrong", OA_BACKUP_KEY="not the key"), archive)
    missing = _restore(app_on(target_url, tmp_path, "missing", OA_BACKUP_KEY=""), archive)

    assert wrong.exit_code != 0
    assert "The backup key does not match this archive" in wrong.output
    assert missing.exit_code != 0 and "is encrypted: set OA_BACKUP_KEY" in missing.output
    assert "Nothing was restored." in wrong.output + missing.output
    assert _tables(target_url) == []


def test_a_restore_refuses_a_database_that_is_not_empty_unless_told(demo, database_kind, tmp_path):
    claim(1, finish=True)
    archive = _backup(demo, tmp_path)
    target_url = empty_database(database_kind, tmp_path)
    other = app_on(target_url, tmp_path, "other")
    assert _restore(other, archive).exit_code == 0  # now it holds the platform's tables

    refused = _restore(other, archive)
    replaced = _restore(other, archive, "--replace")

    assert refused.exit_code != 0
    assert "is not empty" in refused.output and "--replace" in refused.output
    assert replaced.exit_code == 0, replaced.output
    assert table_rows(target_url) == table_rows(demo.config["SQLALCHEMY_DATABASE_URI"])


def test_the_restore_drill_restores_into_a_scratch_database_and_reports(demo, tmp_path):
    claim(1, finish=True)
    demo.config.update(OA_BACKUP_DIR=str(tmp_path / "backups"))
    result = demo.test_cli_runner().invoke(
        args=["oa", "backup", "--no-offsite", "--verify-restore"]
    )
    assert result.exit_code == 0, result.output
    assert "every row count matches the manifest" in result.output
    assert "Every audit chain verifies." in result.output
