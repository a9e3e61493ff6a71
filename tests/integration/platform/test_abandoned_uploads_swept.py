"""Files kept from a refused form that nobody comes back for do not stay forever (issue 19,
defect 2): once the sweep's grace period (``OA_ATTACHMENT_ORPHAN_HOURS``, a day by default)
has passed, the hourly sweep removes the pending upload's row and then its file. One a later
submit used is an instance's attachment and stays; so does one that anything else names (the
file library, a notice) and a file another upload shares; a failed delete keeps both."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from flask import current_app
from sqlalchemy import event, select

from form_builder.attachments import AttachmentStore, FormAttachment
from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.notices.models import Notice
from oa_platform.runtime.models import Instance, InstanceAttachment
from oa_platform.runtime.tasks import sweep_orphan_attachments
from tests.conftest import login, user
from tests.integration.platform.test_staff_pages import PDF, expense
from tests.library_helpers import folder, publish

BOTH_DATABASES = True

GRACE = timedelta(hours=24)  # OA_ATTACHMENT_ORPHAN_HOURS' default


def post(client, username: str, **overrides):
    login(client, username)
    response = client.post(
        "/processes/expense_claim/start",
        data=expense(**overrides),
        content_type="multipart/form-data",
    )
    client.post("/logout/")
    return response


def refused_with_receipt(client, content: bytes = PDF) -> str:
    """staff's claim is refused for a bank account typed with spaces; the receipt chosen
    with it is kept as a pending upload, whose id is returned."""
    refused = post(
        client,
        "staff",
        payee_account="6222 0202 0011 2233",
        **{"receipts-files": (io.BytesIO(content), "receipt.pdf")},
    )
    assert refused.status_code == 422
    kept = re.search(r'name="receipts-keep" value="([0-9a-f]{32})" checked', refused.text)
    assert kept, refused.text
    return kept.group(1)


def file_of(file_id: str):
    """Where the bytes of the upload ``file_id`` live."""
    row = db.session.get(FormAttachment, file_id)
    return AttachmentStore.for_app(current_app).path_for(row.sha256)


def sweep_after(age: timedelta) -> None:
    """The beat's sweep, run ``age`` from now."""
    with time_machine.travel(utcnow() + age, tick=False):
        sweep_orphan_attachments()
    db.session.expire_all()


def still_there(file_id: str) -> bool:
    return db.session.get(FormAttachment, file_id) is not None


def test_a_receipt_nobody_came_back_for_goes_after_the_grace_period_row_and_file(client):
    receipt = refused_with_receipt(client)
    path = file_of(receipt)
    assert path.exists()

    sweep_after(GRACE + timedelta(hours=1))  # staff never submitted again

    assert not still_there(receipt)
    assert not path.exists()


def test_a_receipt_inside_the_grace_period_stays_for_the_next_submit(client):
    receipt = refused_with_receipt(client)
    path = file_of(receipt)

    sweep_after(GRACE - timedelta(hours=1))

    assert still_there(receipt) and path.exists()


def test_a_receipt_a_later_submit_used_is_the_instances_attachment_and_stays(client):
    receipt = refused_with_receipt(client)
    path = file_of(receipt)
    submitted = post(client, "staff", **{"receipts-files": None, "receipts-keep": receipt})
    assert submitted.status_code == 302, submitted.text

    sweep_after(GRACE + timedelta(hours=1))

    assert still_there(receipt) and path.exists()
    instance = db.session.scalar(select(Instance))
    assert db.session.get(InstanceAttachment, (instance.id, "receipts", receipt)) is not None


def test_a_file_another_upload_shares_stays_when_the_abandoned_row_goes(client):
    receipt = refused_with_receipt(client)
    path = file_of(receipt)
    # hr's claim carries the same bytes: one file, two rows.
    assert post(client, "hr").status_code == 302
    instance = db.session.scalar(select(Instance))
    [hr_receipt] = instance.values["receipts"]
    assert file_of(hr_receipt["id"]) == path

    sweep_after(GRACE + timedelta(hours=1))

    assert not still_there(receipt)
    assert still_there(hr_receipt["id"]) and path.read_bytes() == PDF


def test_uploads_the_library_or_a_notice_names_stay(client):
    library_file = publish(folder("公共资料"), "rules.pdf", PDF + b"rules")
    in_library = library_file_version_attachment(library_file.id)
    named_by_notice = refused_with_receipt(client, PDF + b"notice")
    db.session.add(
        Notice(
            kind="notice",
            title="Receipts for the trip",
            attachments=[db.session.get(FormAttachment, named_by_notice).to_value()],
            author_id=user("staff").id,
        )
    )
    db.session.commit()

    sweep_after(GRACE + timedelta(hours=1))

    for file_id in (in_library, named_by_notice):
        assert still_there(file_id) and file_of(file_id).exists()


def library_file_version_attachment(file_id: int) -> str:
    from oa_platform.library.models import LibraryVersion

    return db.session.scalar(
        select(LibraryVersion.attachment_id).where(LibraryVersion.file_id == file_id)
    )


def test_a_delete_that_fails_keeps_both_row_and_file(client):
    receipt = refused_with_receipt(client)
    path = file_of(receipt)
    session = db.session()

    def lost(_session) -> None:
        raise RuntimeError("the database went away")

    event.listen(session, "before_commit", lost)
    try:
        with pytest.raises(RuntimeError):
            sweep_after(GRACE + timedelta(hours=1))
    finally:
        event.remove(session, "before_commit", lost)
    db.session.rollback()

    assert still_there(receipt) and path.exists()
