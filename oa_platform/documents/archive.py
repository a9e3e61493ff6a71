"""Issued documents on the yearly archive discs (seed 2 §7.2: once a year the office burns
the year's electronic documents to discs for the group archives).

Each issued document goes on a disc as its red-header page (the same page as the print
view) with its attachments, and is marked with the disc's label so it is archived once
(``operations/archive_items.py``, the provider contract).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, time

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from form_builder.attachments import AttachmentStore, FormAttachment
from oa_platform.documents.models import Document
from oa_platform.documents.printing import redhead_html
from oa_platform.operations.archive_items import ArchiveFile, ArchiveItem
from oa_platform.operations.instance_archive import safe_name, year_bounds


class IssuedDocuments:
    """The documents issued in the year (by their issue time), withdrawn ones included: what
    was issued is part of the record."""

    kind = "document"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.store = AttachmentStore.for_app(app)

    def items(self, session: Session, year: int) -> Iterator[ArchiveItem]:
        start, end = year_bounds(year, self.app.config["OA_TIMEZONE"])
        query = (
            select(Document)
            .where(
                Document.issued_at >= start,
                Document.issued_at < end,
                Document.archived_disc.is_(None),
            )
            .order_by(Document.issued_at, Document.id)
        )
        for document in session.scalars(query):
            yield self._item(session, document)

    def _item(self, session: Session, document: Document) -> ArchiveItem:
        ids = [item["id"] for item in document.attachments or () if isinstance(item, dict)]
        rows = {
            row.id: row
            for row in session.scalars(select(FormAttachment).where(FormAttachment.id.in_(ids)))
        }
        files = [
            ArchiveFile(safe_name(rows[i].file_name, n), self.store.path_for(rows[i].sha256))
            for n, i in enumerate(ids, 1)
            if i in rows
        ]
        with force_locale(self.app.config["OA_DEFAULT_LOCALE"]):
            page = redhead_html(session, document)
        return ArchiveItem(
            kind=self.kind,
            key=str(document.id),
            number=document.number,
            title=document.title,
            finished_at=document.issued_at or datetime.combine(document.issue_date, time()),
            page=page,
            files=files,
        )

    def mark(self, session: Session, keys: Sequence[str], label: str) -> None:
        session.execute(
            update(Document)
            .where(Document.id.in_([int(key) for key in keys]))
            .values(archived_disc=label)
        )
