"""Files chosen on a form that was refused for another field are kept (issue 19, defect 2).

A start form refused for, say, a bank account typed with spaces used to lose the receipts
chosen with it, and the next submit failed with "Receipts: is required". Now the uploads
that passed their own checks are stored as *pending uploads*: their rows commit although the
submission did not, attached to no instance, and the form shown again lists them as kept
files. A later post may keep a pending upload only if the same person uploaded it and no
instance holds it yet. One nobody keeps is *abandoned* once it is older than the sweep's
grace period and nothing else names it (:func:`discard_abandoned`): the hourly sweep
(``runtime/tasks.py``) deletes its row, and its file, which no row names then, goes with the
orphans (``form_builder/attachment_sweep.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, exists, or_, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from form_builder.attachments import FormAttachment
from oa_platform.documents.models import Document
from oa_platform.notices.models import Notice
from oa_platform.runtime.attachment_links import file_ids
from oa_platform.runtime.models import Instance, InstanceAttachment, Task
from plugins.fields import field_type

# Candidates looked up per statement: each is one LIKE per JSON column below.
LOOKUP = 100


def _pending() -> ColumnElement[bool]:
    """What makes an uploaded file pending: no instance holds it (yet)."""
    return ~exists().where(InstanceAttachment.attachment_id == FormAttachment.id)


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
            _pending(),
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


# --- Abandoned uploads -----------------------------------------------------------------------

# The JSON columns that hold files as an attachments field stores them ([{"id": ...}, ...]),
# where no foreign key can say so: an instance's values, a handler's draft, and the notice or
# document released from an instance's values. Checked as text: a file id is 32 hex digits,
# so it matches nothing but itself.
_VALUE_COLUMNS = (Instance.values, Task.draft, Notice.attachments, Document.attachments)


def discard_abandoned(session: Session, before: datetime) -> list[str]:
    """Delete the rows of pending uploads created before ``before`` that nothing names (no
    instance, library version, notice, document, handler's draft or instance value); returns
    their ids. Their files are left to the orphan sweep, which removes a file once no row
    names it, so a failure never leaves a row without its file.

    Run in the caller's unit of work. The candidates are locked and looked at again before
    the delete: an instance that kept one meanwhile (a post of a form left open that long)
    is seen, instead of losing its link to the delete's cascade."""
    candidates = _abandoned(session, before)
    if not candidates:
        return []
    session.scalars(
        select(FormAttachment.id).where(FormAttachment.id.in_(candidates)).with_for_update()
    ).all()
    gone = _abandoned(session, before, among=candidates)
    for start in range(0, len(gone), LOOKUP):
        for row in session.scalars(
            select(FormAttachment).where(FormAttachment.id.in_(gone[start : start + LOOKUP]))
        ):
            session.delete(row)
    return gone


def _abandoned(session: Session, before: datetime, among: list[str] | None = None) -> list[str]:
    """The ids of pending uploads created before ``before`` no row names (``among``: only
    these)."""
    query = select(FormAttachment.id).where(
        FormAttachment.created_at < before, _pending(), *_not_named_by_key()
    )
    if among is not None:
        query = query.where(FormAttachment.id.in_(among))
    candidates = list(session.scalars(query.order_by(FormAttachment.id)))
    named: set[str] = set()
    for start in range(0, len(candidates), LOOKUP):
        named |= _named_in_values(session, candidates[start : start + LOOKUP])
    return [file_id for file_id in candidates if file_id not in named]


def _not_named_by_key() -> Iterator[ColumnElement[bool]]:
    """No row of another table names the file by foreign key (a library version, and any
    table added later: found from the metadata, so there is no list to keep)."""
    table = FormAttachment.__table__
    for other in table.metadata.tables.values():
        for key in other.foreign_keys:
            if key.column is table.c.id and other is not InstanceAttachment.__table__:
                yield ~exists().where(key.parent == FormAttachment.id)


def _named_in_values(session: Session, ids: list[str]) -> set[str]:
    """Which of ``ids`` a value column holds. Read only for uploads already old and
    unclaimed, which are few, so the columns' scan is rare."""
    named: set[str] = set()
    for column in _VALUE_COLUMNS:
        text = cast(column, Text)
        for (found,) in session.execute(
            select(text).where(column.isnot(None), or_(*(text.contains(i) for i in ids)))
        ):
            named.update(i for i in ids if i in found)
    return named
