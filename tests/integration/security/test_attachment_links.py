"""A file is downloaded through the field it was uploaded into, by whoever may read that
field (issue 17, defect 6; regulations §6.2: read "according to the prescribed permissions").

Each upload is tied to its (instance, field) (``instance_attachment``); the download check
asks ``policy.readable_fields`` about that field. Before, it searched the viewer's readable
values for the file's id, so an id typed into a text field of one's own draft granted the
download of somebody else's file.
"""

from __future__ import annotations

import io

from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from oa_platform.extensions import db
from oa_platform.runtime.models import InstanceAttachment
from tests.conftest import login, user
from tests.runtime_helpers import PDF, act_at, chain, form, node, publish, refresh, rt, start

BOTH_DATABASES = True


def status_of_download(client, username: str, attachment_id: str) -> int:
    login(client, username)
    response = client.get(f"/form-builder/attachments/{attachment_id}")
    response.close()
    client.post("/logout/")
    return response.status_code


def links(instance) -> set[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        select(InstanceAttachment.field_key, InstanceAttachment.attachment_id).where(
            InstanceAttachment.instance_id == instance.id
        )
    )
    return {(key, file_id) for key, file_id in rows}


def test_a_file_id_typed_into_ones_own_draft_does_not_grant_its_download(client, demo):
    claim = start("staff", "expense_claim")  # staff's receipt, in a field HR cannot see
    receipt = claim.values["receipts"][0]["id"]
    assert status_of_download(client, "hr", receipt) == 404
    # HR keeps a draft of its own with the receipt's id in a text field it reads.
    draft = rt().save_draft(
        user("hr"), "leave_request", form("leave_request", reason=receipt), None, None
    )
    assert receipt in str(refresh(draft).values)
    assert status_of_download(client, "hr", receipt) == 404
    # The same id submitted (HR is then a participant of its own request): still nothing.
    rt().submit(user("hr"), "leave_request", form("leave_request", reason=receipt), None)
    assert status_of_download(client, "hr", receipt) == 404


def test_an_upload_is_tied_to_its_instance_and_field(demo):
    claim = start("staff", "expense_claim")
    receipt = claim.values["receipts"][0]["id"]
    assert links(claim) == {("receipts", receipt)}


def test_readers_of_the_field_download_it_and_those_it_is_hidden_from_do_not(client, demo):
    fields = [
        {"key": "note", "type": "text", "label": "Note", "max_length": 200},
        {"key": "contract", "type": "attachments", "label": "Contract"},
    ]
    document = chain(
        "signed_contract",
        node("check", "approval", ["head"], field_access={"contract": "hidden"}),
        node("file", "approval", ["hr"]),
        fields=fields,
    )
    publish(document)
    upload = FileStorage(io.BytesIO(PDF), filename="contract.pdf", name="contract-files")
    instance = rt().submit(
        user("staff"),
        "signed_contract",
        MultiDict([("note", "Supplier contract")]),
        MultiDict([("contract-files", upload)]),
    )
    contract = refresh(instance).values["contract"][0]["id"]
    assert links(instance) == {("contract", contract)}
    assert status_of_download(client, "staff", contract) == 200  # the uploader
    assert status_of_download(client, "head", contract) == 404  # hidden at head's node
    assert status_of_download(client, "hr", contract) == 404  # no part in it yet
    act_at(refresh(instance), "head", "agree")
    assert status_of_download(client, "hr", contract) == 200  # reads it at its node
    assert status_of_download(client, "head", contract) == 404
    assert status_of_download(client, "auditor", contract) == 200  # reads as the start node


def test_a_reinitiated_instance_keeps_its_files_attached(client, demo):
    claim = start("staff", "expense_claim")
    receipt = claim.values["receipts"][0]["id"]
    again = rt().reinitiate(user("staff"), claim.id, "Wrong amount")
    assert links(again) == {("receipts", receipt)}
