"""Files of uploads whose submission never committed, and writes cut off half-way, are removed
once left alone for the grace period (a day by default, ``OA_ATTACHMENT_ORPHAN_HOURS``); a
file an attachment row names, or one an upload has just reused, is never removed."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from form_builder.attachment_sweep import sweep
from form_builder.attachments import TEMPORARY_PREFIX, AttachmentStore, Upload
from oa_platform.extensions import db
from oa_platform.runtime.tasks import sweep_orphan_attachments
from tests.conftest import user

DAY = timedelta(days=1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(store: AttachmentStore, content: bytes, age: timedelta | None = None):
    """Store ``content`` as an upload by staff; with ``age``, as if written that long ago."""
    row = store.save(Upload("receipt.pdf", "pdf", content), uploaded_by_id=user("staff").id)
    if age is not None:
        backdate(store.path_for(row.sha256), age)
    return row


def backdate(path, age: timedelta) -> None:
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))


def test_orphans_and_unfinished_writes_go_after_the_grace_period_and_named_files_stay(demo):
    store = AttachmentStore.for_app(demo)
    kept = upload(store, PDF + b"kept", age=2 * DAY)
    db.session.add(kept)  # its submission committed
    db.session.commit()
    orphan = upload(store, PDF + b"orphan", age=2 * DAY)  # its submission failed
    recent = upload(store, PDF + b"recent", age=timedelta(hours=1))  # may still commit
    reused = upload(store, PDF + b"reused", age=2 * DAY)
    upload(store, PDF + b"reused")  # a new upload of the same bytes, not yet committed
    unfinished = store.path_for(orphan.sha256).parent / f"{TEMPORARY_PREFIX}abc"
    unfinished.write_bytes(b"half a fi")
    backdate(unfinished, 2 * DAY)

    swept = sweep(db.session, store, DAY)

    assert swept.orphans == [store.path_for(orphan.sha256)]
    assert swept.unfinished == [unfinished]
    for row in (kept, recent, reused):
        assert store.path_for(row.sha256).read_bytes().startswith(PDF)
    assert not store.path_for(orphan.sha256).exists() and not unfinished.exists()


def test_beat_sweeps_with_the_configured_grace_period(demo):
    store = AttachmentStore.for_app(demo)
    orphan = upload(store, PDF + b"orphan", age=timedelta(hours=5))
    demo.config["OA_ATTACHMENT_ORPHAN_HOURS"] = 6
    assert sweep_orphan_attachments() == 0
    demo.config["OA_ATTACHMENT_ORPHAN_HOURS"] = 4
    assert sweep_orphan_attachments() == 1
    assert not store.path_for(orphan.sha256).exists()
