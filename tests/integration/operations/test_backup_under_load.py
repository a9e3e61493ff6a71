"""A backup is taken while the office works (§7.2: "regularly", so during the day too): while
a load keeps starting and approving instances, the backup is of one moment, and restores to
a consistent state: every finished instance complete, every attachment a row names present,
every audit chain verifying."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from form_builder.attachments import AttachmentStore, FormAttachment
from oa_platform.operations import backup
from oa_platform.operations.restore import restore
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.states import LIVE_TASK, InstanceStatus
from tests.conftest import build_app
from tests.integration.operations.helpers import app_on, claim, empty_database

BOTH_DATABASES = True


def _load(app, started: threading.Event, stop: threading.Event, failures: list) -> None:
    """Start and approve expense claims until told to stop (another process, as far as the
    database can tell)."""
    number = 1000
    try:
        with app.app_context():
            while not stop.is_set():
                number += 1
                claim(number, finish=number % 3 != 0)
                if number >= 1002:
                    started.set()
    except Exception as error:  # reported by the test, not lost in the thread
        failures.append(error)
        started.set()


def test_a_backup_taken_under_load_restores_consistently(demo, database_kind, tmp_path):
    source_url = demo.config["SQLALCHEMY_DATABASE_URI"]
    loader = build_app(source_url, schema=False, OA_ATTACHMENT_DIR=demo.config["OA_ATTACHMENT_DIR"])
    started, stop, failures = threading.Event(), threading.Event(), []
    worker = threading.Thread(target=_load, args=(loader, started, stop, failures))
    worker.start()
    try:
        assert started.wait(120)
        written = backup.take(demo, folder=tmp_path)  # while the load goes on
        # Let the load go on past the backup, so the backup is not simply the end state.
        claims_then = written.manifest.row_counts["process_instance"]
    finally:
        stop.set()
        worker.join(120)
    assert failures == []

    target_url = empty_database(database_kind, tmp_path)
    new_machine = app_on(target_url, tmp_path, "new-machine")
    with new_machine.app_context():
        restored = restore(new_machine, written.path)

    assert restored.audit_problems == []
    engine = create_engine(target_url)
    with Session(engine) as session:
        instances = session.scalars(select(Instance)).all()
        assert len(instances) == claims_then
        for instance in instances:
            live = session.scalars(
                select(Task).where(Task.instance_id == instance.id, Task.status.in_(LIVE_TASK))
            ).all()
            if instance.status is InstanceStatus.COMPLETED:
                assert instance.finished_at is not None and live == []
            else:
                assert instance.status is InstanceStatus.RUNNING and live
        store = AttachmentStore(Path(new_machine.config["OA_ATTACHMENT_DIR"]))
        for attachment in session.scalars(select(FormAttachment)):
            assert store.path_for(attachment.sha256).is_file()
    engine.dispose()
