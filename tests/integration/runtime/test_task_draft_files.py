"""A file added to a handler's draft is kept with the draft (issue 19; "a failed action
changes nothing, loses nothing"): Sam's expense claim comes back for a missing taxi receipt;
he adds it and saves his answer as a draft (暂存) to finish the next day. The hourly sweep
runs past its grace period meanwhile; the receipt is still there when he opens the task
again, and goes with the claim when he submits."""

from __future__ import annotations

import io
from datetime import timedelta

import time_machine
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from form_builder.attachments import FormAttachment
from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.runtime.models import InstanceAttachment
from oa_platform.runtime.tasks import sweep_orphan_attachments
from tests.conftest import login
from tests.runtime_helpers import PDF, act_at, form, refresh, start, task_of

BOTH_DATABASES = True
TAXI = PDF.replace(b"%%EOF", b"% taxi\n%%EOF")


def with_taxi_receipt(instance) -> tuple[MultiDict, MultiDict]:
    """The claim as Sam answers: its receipt kept, the taxi receipt added."""
    [kept] = instance.values["receipts"]
    formdata = form("expense_claim")
    formdata.add("receipts-keep", kept["id"])
    upload = FileStorage(io.BytesIO(TAXI), filename="taxi.pdf", name="receipts-files")
    return formdata, MultiDict([("receipts-files", upload)])


def test_a_receipt_added_to_a_draft_outlives_the_sweep_and_goes_with_the_claim(client):
    instance = start("staff", "expense_claim")
    instance = act_at(
        instance, "head", "rollback", opinion="The taxi receipt is missing.", target="initiator"
    )
    formdata, files = with_taxi_receipt(instance)
    instance = act_at(instance, "staff", "draft", formdata=formdata, files=files)
    draft = task_of(instance, "staff").draft["values"]["receipts"]
    taxi = next(item for item in draft if item["name"] == "taxi.pdf")

    with time_machine.travel(utcnow() + timedelta(hours=30), tick=False):
        sweep_orphan_attachments()  # the beat's hourly sweep, past its day of grace
    db.session.expire_all()
    assert db.session.get(FormAttachment, taxi["id"]) is not None

    # The next day the task page shows it kept, and submitting takes it along.
    login(client, "staff")
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert f'name="receipts-keep" value="{taxi["id"]}" checked' in page
    answer = form("expense_claim")
    for item in draft:
        answer.add("receipts-keep", item["id"])
    instance = act_at(refresh(instance), "staff", "submit", formdata=answer)
    names = sorted(item["name"] for item in refresh(instance).values["receipts"])
    assert names == ["receipt.pdf", "taxi.pdf"]
    linked = db.session.scalars(
        select(InstanceAttachment.attachment_id).where(
            InstanceAttachment.instance_id == instance.id
        )
    ).all()
    assert taxi["id"] in linked
    assert client.get(f"/form-builder/attachments/{taxi['id']}").status_code == 200
