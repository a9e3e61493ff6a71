"""Off-site dumps (§7.2): each backup is copied to every target (a path, an S3-compatible
store, an SFTP host) and verified there by checksum, and restores from there on a new
machine; a target that fails, or a backup that fails or goes missing, tells the
administrators and shows on the Backups page (Admin only, seed 2 §6.2)."""

from __future__ import annotations

import hashlib
import socket

import boto3
import paramiko
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import select

from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.operations import backup, offsite
from oa_platform.operations.backup import archives
from oa_platform.operations.exceptions import DumpToolError
from tests.conftest import login, user
from tests.integration.operations.helpers import (
    app_on,
    claim,
    empty_database,
    folder_files,
    run_cli,
    table_rows,
)
from tests.integration.operations.sftp_server import sftp_server


@pytest.fixture
def s3_store(monkeypatch):
    """An S3-compatible server (moto) on loopback with a bucket "oa-offsite"."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "test-only",
        "AWS_SECRET_ACCESS_KEY": "test-only",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket="oa-offsite")
    yield endpoint, client
    server.stop()


def _notices(kind: str = "backup") -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind)))


def test_each_backup_is_copied_off_site_verified_and_restores_from_there(demo, tmp_path, s3_store):
    endpoint, s3 = s3_store
    claim(1, finish=True)
    demo.config.update(
        OA_BACKUP_DIR=str(tmp_path / "backups"),
        OA_BACKUP_TARGETS=[str(tmp_path / "offsite-disk"), "s3://oa-offsite/nightly"],
        OA_BACKUP_S3_ENDPOINT=endpoint,
    )

    result = run_cli(demo, "backup")

    assert result.exit_code == 0, result.output
    assert result.output.count("Off-site OK") == 2
    archive = archives(tmp_path / "backups")[0]
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    on_disk = tmp_path / "offsite-disk" / archive.name
    assert hashlib.sha256(on_disk.read_bytes()).hexdigest() == digest
    stored = s3.get_object(Bucket="oa-offsite", Key=f"nightly/{archive.name}")["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == digest
    assert _notices() == []

    # A new machine fetches the S3 copy and restores it.
    fetched = tmp_path / "fetched"
    fetched.mkdir()
    copy = offsite.fetch(demo, "s3://oa-offsite/nightly", archive.name, fetched)
    target_url = empty_database("sqlite", tmp_path)
    restored = run_cli(app_on(target_url, tmp_path, "new-machine"), "restore", str(copy))
    assert restored.exit_code == 0, restored.output
    assert table_rows(target_url) == table_rows(demo.config["SQLALCHEMY_DATABASE_URI"])


def test_a_failing_target_tells_the_administrators_and_shows_on_the_backups_page(
    client, tmp_path, s3_store
):
    endpoint, _ = s3_store
    app = client.application
    (tmp_path / "unmounted").write_text("the off-site disk is not mounted here")
    broken = str(tmp_path / "unmounted" / "oa")  # a folder inside a file: cannot be made
    app.config.update(
        OA_BACKUP_DIR=str(tmp_path / "backups"),
        OA_BACKUP_TARGETS=["s3://oa-offsite/nightly", broken],
        OA_BACKUP_S3_ENDPOINT=endpoint,
    )

    result = run_cli(app, "backup")

    assert result.exit_code != 0
    assert "Off-site OK" in result.output and "Off-site FAILED" in result.output
    notices = _notices()
    assert {n.user_id for n in notices} == {user("admin").id}
    assert f"The off-site copy to {broken} failed" in notices[0].subject
    assert notices[0].link == "/admin/backups/"

    login(client, "admin")
    page = client.get("/admin/backups/").get_data(as_text=True)
    assert broken in page and "copied and verified by checksum" in page
    assert "Last good backup" in page and "hours ago" in page
    assert archives(tmp_path / "backups")[0].name in page


def test_a_failed_or_missing_backup_tells_the_administrators(client, tmp_path, monkeypatch):
    app = client.application
    app.config.update(OA_BACKUP_DIR=str(tmp_path / "backups"), OA_BACKUP_MAX_AGE_HOURS=26)
    from oa_platform.operations.tasks import check_backup_age

    assert check_backup_age() is False  # no backup at all yet
    assert [n.subject for n in _notices()] == ["No good backup in the last 26 hours."]

    def no_pg_dump(engine, folder):
        raise DumpToolError("pg_dump is not installed: install the PostgreSQL client.")

    monkeypatch.setattr(backup, "dump", no_pg_dump)  # the dump tool gone from the server
    result = run_cli(app, "backup", "--no-offsite")
    assert result.exit_code != 0 and "pg_dump is not installed" in result.output
    assert archives(tmp_path / "backups") == []
    assert any(n.subject.startswith("The backup failed:") for n in _notices())

    login(client, "admin")
    page = client.get("/admin/backups/").get_data(as_text=True)
    assert 'id="backup-overdue"' in page and 'id="last-failure"' in page


def test_the_backups_page_is_for_administrators_only_and_its_button_needs_csrf(client, tmp_path):
    app = client.application
    app.config.update(OA_BACKUP_DIR=str(tmp_path / "backups"))
    login(client, "staff")
    assert client.get("/admin/backups/").status_code in {302, 403, 404}
    assert client.post("/admin/backups/run").status_code in {302, 403, 404}
    assert archives(tmp_path / "backups") == []

    admin = app.test_client()
    login(admin, "admin")
    assert admin.post("/admin/backups/run", csrf=False).status_code == 400
    assert archives(tmp_path / "backups") == []
    answer = admin.post("/admin/backups/run", follow_redirects=True)
    assert answer.status_code == 200
    assert len(archives(tmp_path / "backups")) == 1  # run at once: tasks are eager in tests
    assert "Archives kept" in answer.get_data(as_text=True)
    assert folder_files(tmp_path / "backups")  # archive and sidecar


def test_an_sftp_target_gets_a_verified_copy_with_the_platforms_own_key(
    demo, tmp_path, monkeypatch
):
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    paramiko.RSAKey.generate(2048).write_private_key_file(str(home / ".ssh" / "id_rsa"))
    monkeypatch.setenv("HOME", str(home))  # the platform's user's ~/.ssh
    vault = tmp_path / "vault"
    vault.mkdir()
    claim(1, finish=True)
    with sftp_server(vault) as port:
        demo.config.update(
            OA_BACKUP_DIR=str(tmp_path / "backups"),
            OA_BACKUP_TARGETS=[f"sftp://backup@127.0.0.1:{port}/srv/oa"],
        )
        result = run_cli(demo, "backup")

    assert result.exit_code == 0, result.output
    assert "Off-site OK" in result.output
    archive = archives(tmp_path / "backups")[0]
    copied = vault / "srv" / "oa" / archive.name
    assert copied.read_bytes() == archive.read_bytes()
    assert (vault / "srv" / "oa" / f"{archive.name}.json").is_file()
