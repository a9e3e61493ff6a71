"""Which (instance, field) each uploaded file is attached to (issue 17, defect 6).

A download is checked against the field a file was attached to, not against any value that
happens to contain its id: a file id typed into a text field of one's own draft attached
nothing. Rows are written when a field that carries uploads (``FieldType.uploads``) changes,
by the runtime's edit step (``commands/base.py: edit``) and when an instance is
re-initiated; who may read the field is ``policy.readable_fields``' rule, asked by the
download check (``runtime/views.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.runtime.models import Instance, InstanceAttachment
from plugins.fields import field_type


def upload_fields(fields: Sequence[Mapping[str, Any]]) -> frozenset[str]:
    """The keys of the definition's fields whose type carries uploaded files."""
    return frozenset(spec["key"] for spec in fields if field_type(spec).uploads)


def file_ids(stored: Any) -> list[str]:
    """The file ids in a stored value of a field that carries uploads."""
    if not isinstance(stored, list):
        return []
    return [
        item["id"]
        for item in stored
        if isinstance(item, Mapping) and isinstance(item.get("id"), str)
    ]


def link_uploads(session: Session, instance: Instance, uploaded: Iterable[str]) -> None:
    """Attach the files just uploaded (``uploaded``: their ids) to the fields of
    ``instance`` that now hold them. Only uploads are attached: a file a field keeps was
    attached when it was uploaded, and an id that reached a field any other way attaches
    nothing."""
    new = set(uploaded)
    if not new:
        return
    fields = upload_fields(instance.definition_version.document["fields"])
    _add(
        session,
        instance,
        {
            (key, file_id)
            for key in fields
            for file_id in file_ids(instance.values.get(key))
            if file_id in new
        },
    )


def carry_over(session: Session, old: Instance, new: Instance) -> None:
    """A re-initiated instance (``new``) keeps ``old``'s files in the fields that still
    carry uploads in its version and still hold them."""
    fields = upload_fields(new.definition_version.document["fields"])
    rows = session.execute(
        select(InstanceAttachment.field_key, InstanceAttachment.attachment_id).where(
            InstanceAttachment.instance_id == old.id
        )
    )
    _add(
        session,
        new,
        {
            (key, file_id)
            for key, file_id in rows
            if key in fields and file_id in file_ids(new.values.get(key))
        },
    )


def _add(session: Session, instance: Instance, wanted: set[tuple[str, str]]) -> None:
    """Add the (field key, file id) rows of ``instance`` it does not have yet."""
    if not wanted:
        return
    known = {
        (key, file_id)
        for key, file_id in session.execute(
            select(InstanceAttachment.field_key, InstanceAttachment.attachment_id).where(
                InstanceAttachment.instance_id == instance.id
            )
        )
    }
    session.add_all(
        InstanceAttachment(instance_id=instance.id, field_key=key, attachment_id=file_id)
        for key, file_id in sorted(wanted - known)
    )


def holders(session: Session, attachment_id: str, where: Any = None) -> list[tuple[Instance, str]]:
    """(instance, field key) the file is attached to; ``where``: a condition on the
    instance (e.g. ``visibility.visible_to(user)``)."""
    query = (
        select(Instance, InstanceAttachment.field_key)
        .join(InstanceAttachment, InstanceAttachment.instance_id == Instance.id)
        .where(InstanceAttachment.attachment_id == attachment_id)
        .order_by(Instance.id, InstanceAttachment.field_key)
    )
    if where is not None:
        query = query.where(where)
    return [(instance, key) for instance, key in session.execute(query)]
