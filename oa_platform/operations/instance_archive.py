"""Finished process instances for the yearly archive: each as one HTML page (its form, its
trail of who did what and when) with its attachments, and marked by an "archived" entry on
its own audit chain naming the disc (§6.1: the trail records what happened to it)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, render_template
from flask_babel import force_locale
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from form_builder.attachments import AttachmentStore, FormAttachment
from oa_platform.operations.archive_items import ArchiveFile, ArchiveItem
from oa_platform.runtime import audit
from oa_platform.runtime.labels import status_label
from oa_platform.runtime.models import AuditEntry, Instance, InstanceAttachment
from oa_platform.runtime.states import InstanceStatus

ARCHIVED = "archived"  # the audit event that marks an instance as on a disc
FINISHED = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def year_bounds(year: int, zone: str) -> tuple[datetime, datetime]:
    """The company's calendar year as naive UTC times [start, end)."""
    tz = ZoneInfo(zone)

    def utc(y: int) -> datetime:
        return datetime(y, 1, 1, tzinfo=tz).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    return utc(year), utc(year + 1)


def safe_name(name: str, number: int) -> str:
    """A file name for any disc: numbered (two files may share a name), no separators."""
    cleaned = _UNSAFE.sub("_", name).strip("._") or "file"
    return f"{number:02d}-{cleaned}"[:60]


def _label(value: Any) -> str:
    """A field label as the definition stores it (text, or text per language)."""
    if isinstance(value, dict):
        return str(value.get("zh_CN") or value.get("en") or next(iter(value.values()), ""))
    return str(value or "")


class FinishedInstances:
    """Completed and terminated instances of the year."""

    kind = "instance"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.store = AttachmentStore.for_app(app)

    def items(self, session: Session, year: int) -> Iterator[ArchiveItem]:
        start, end = year_bounds(year, self.app.config["OA_TIMEZONE"])
        archived = exists().where(
            AuditEntry.instance_id == Instance.id, AuditEntry.event == ARCHIVED
        )
        query = (
            select(Instance)
            .where(
                Instance.status.in_(FINISHED),
                Instance.finished_at >= start,
                Instance.finished_at < end,
                ~archived,
            )
            .order_by(Instance.finished_at, Instance.id)
        )
        for instance in session.scalars(query):
            yield self._item(session, instance)

    def _item(self, session: Session, instance: Instance) -> ArchiveItem:
        attachments = session.execute(
            select(InstanceAttachment.field_key, FormAttachment)
            .join(FormAttachment, FormAttachment.id == InstanceAttachment.attachment_id)
            .where(InstanceAttachment.instance_id == instance.id)
            .order_by(FormAttachment.created_at, FormAttachment.id)
        ).all()
        files, links = [], {}
        for number, (_field, attachment) in enumerate(attachments, 1):
            name = safe_name(attachment.file_name, number)
            files.append(ArchiveFile(name, self.store.path_for(attachment.sha256)))
            links[attachment.id] = name
        document = instance.definition_version.document or {}
        fields = [
            (_label(f.get("label")) or f.get("key"), instance.values.get(f.get("key")))
            for f in document.get("fields", [])
            if f.get("key") in (instance.values or {})
        ]
        trail = session.scalars(
            select(AuditEntry).where(AuditEntry.instance_id == instance.id).order_by(AuditEntry.seq)
        ).all()
        with force_locale(self.app.config["OA_DEFAULT_LOCALE"]):
            page = render_template(
                "operations/archived_instance.html",
                instance=instance,
                fields=fields,
                trail=trail,
                links=links,
                status_label=status_label,
            )
        return ArchiveItem(
            kind=self.kind,
            key=str(instance.id),
            number=f"#{instance.id}",
            title=instance.title,
            finished_at=instance.finished_at,
            page=page,
            files=files,
        )

    def mark(self, session: Session, keys: Sequence[str], label: str) -> None:
        for key in keys:
            audit.append(session, int(key), ARCHIVED, detail={"disc": label})
