"""Files chosen on a form that was refused for another field are kept (issue 19, defect 2).

A start form refused for, say, a bank account typed with spaces used to lose the receipts
chosen with it, and the next submit failed with "Receipts: is required". Now the uploads
that passed their own checks are stored as *pending uploads*: their rows commit although the
submission did not, attached to no instance, and the form shown again lists them as kept
files. A later post may keep a pending upload only if the same person uploaded it and no
instance holds it yet; one nobody keeps is an orphan the sweep removes
(``form_builder/attachment_sweep.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from form_builder.attachments import FormAttachment
from oa_platform.runtime.attachment_links import file_ids
from oa_platform.runtime.models import InstanceAttachment
from plugins.fields import field_type


def _keep_name(key: str) -> str:
    return f"{key}-keep"  # the attachments widget's list of files to keep (plugins/field_kit)


def kept(
    session: Session,
    fields: Sequence[Mapping[str, Any]],
    formdata: MultiDict | None,
    uploader_id: int,
    current: Mapping[str, Any],
) -> dict[str, list[dict[str, Any]]]:
    """Per field that carries uploads, the pending uploads of ``uploader_id`` its posted
    keep list names, beyond the files ``current`` already holds, as the field stores them."""
    if formdata is None:
        return {}
    wanted = {
        spec["key"]: [
            file_id
            for file_id in formdata.getlist(_keep_name(spec["key"]))
            if file_id not in file_ids(current.get(spec["key"]))
        ]
        for spec in fields
        if field_type(spec).uploads
    }
    asked = {file_id for ids in wanted.values() for file_id in ids}
    if not asked:
        return {}
    rows = session.scalars(
        select(FormAttachment).where(
            FormAttachment.id.in_(asked),
            FormAttachment.uploaded_by_id == uploader_id,
            ~exists().where(InstanceAttachment.attachment_id == FormAttachment.id),
        )
    )
    pending = {row.id: row.to_value() for row in rows}
    return {
        key: [pending[file_id] for file_id in ids if file_id in pending]
        for key, ids in wanted.items()
        if any(file_id in pending for file_id in ids)
    }


def with_kept(values: Mapping[str, Any], pending: Mapping[str, list[dict[str, Any]]]):
    """``values`` with each field's pending uploads added after the files it holds."""
    return {**values, **{key: [*(values.get(key) or ()), *items] for key, items in pending.items()}}


def ids(pending: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """The file ids of ``pending``."""
    return [item["id"] for items in pending.values() for item in items]


def hold(session: Session, uploads: Mapping[str, Sequence[FormAttachment]]) -> None:
    """Commit the rows of uploads whose submission was refused (their bytes are stored):
    run in a unit of work of its own, after the refused command's rollback."""
    session.add_all(row for rows in uploads.values() for row in rows)


def reposted(formdata: MultiDict, uploads: Mapping[str, Sequence[FormAttachment]]) -> MultiDict:
    """``formdata`` with the held ``uploads`` (by field key) listed as kept, so the form
    shown again has them ticked, as if the person had chosen to keep them."""
    result = MultiDict(formdata)
    for key, rows in uploads.items():
        for row in rows:
            result.add(_keep_name(key), row.id)
    return result
