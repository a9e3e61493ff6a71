"""Document tables: numbers and their counters, issued documents, frozen recipient lists with
their receipts, urgings, clerks and printing allowances.

A document is drafted, reviewed and signed off as an instance of the issuing definition (its
values are the header and body); ``distribute`` freezes it into a :class:`Document` row, which
never changes afterwards (a correction is a new row whose ``revision_of`` is the old one).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.clock import utcnow
from oa_platform.org.models import shown_name


class NumberCounter(Model):
    """The last sequence number given per issuing unit, kind and year (§4.2: uniformly
    numbered). Taken under a row lock, so two documents numbered at once never share one."""

    __tablename__ = "document_counter"

    unit: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class DocumentNumber(Model):
    """Every number ever given, with the instance that took it; a withdrawn document's number
    is marked void here and never given again."""

    __tablename__ = "document_number"
    __table_args__ = (
        UniqueConstraint("unit", "kind", "year", "seq", name="uq_document_number_seq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(64), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    number: Mapped[str] = mapped_column(String(128), nullable=False, unique=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    taken_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    void: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_at: Mapped[datetime | None] = mapped_column(DateTime)


class Document(Model):
    """An issued document (or a registered incoming one): header, body and attachments as
    they were at issue, with the SHA-256 of that content. Never updated but for its status."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_kind_year", "kind", "issue_date"),
        # The library lists newest first: the first page of a common word stops early.
        Index("ix_document_issue_date", "issue_date", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    direction: Mapped[str] = mapped_column(String(16), nullable=False, default="outgoing")
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    issuing_unit: Mapped[str] = mapped_column(String(64), nullable=False)
    # The unit's names when it issued, frozen with the document: English (and the company's
    # code) and, where the organisation has one, Chinese; `unit_shown` picks the reader's.
    issuing_unit_name: Mapped[str] = mapped_column(String(255), nullable=False)
    issuing_unit_name_zh: Mapped[str | None] = mapped_column(String(255))
    number: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False, index=True)
    # especially_urgent, urgent, routine (kinds.URGENCIES)
    urgency: Mapped[str] = mapped_column(String(32), nullable=False)
    security_level: Mapped[str] = mapped_column(String(16), nullable=False)
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Plain text of title, number and body, for the library's search (queries.search).
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    main_recipients: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    copy_recipients: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # issued, withdrawn, superseded (a newer revision corrects it)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="issued")
    revision_of_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    revision_of = relationship("Document", remote_side=[id])
    drafter_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    drafter = relationship("OAUser", foreign_keys=[drafter_id])
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    issuer = relationship("OAUser", foreign_keys=[issuer_id])
    issued_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    recipient_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The yearly disc it was archived on (seed 2 §7.2; documents/archive.py), once.
    archived_disc: Mapped[str | None] = mapped_column(String(64))
    # How many hours unopened copies wait before a reminder (by urgency, frozen at issue).
    remind_after_hours: Mapped[float] = mapped_column(nullable=False, default=24.0)

    @property
    def unit_shown(self) -> str:
        """The issuing unit in the reader's language, as it was named when it issued."""
        return shown_name(self.issuing_unit_name, self.issuing_unit_name_zh)


class DocumentTerm(Model):
    """The library's word index: a two-character Chinese sequence or a word of a document's
    text (search.py)."""

    __tablename__ = "document_term"

    term: Mapped[str] = mapped_column(String(32), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True)


class Recipient(Model):
    """One person a document reached, frozen at issue (§6.3: the scope of issuance), with
    their receipt (§4.4, §4.5): delivered, opened first and last, acknowledged (签收)."""

    __tablename__ = "document_recipient"
    __table_args__ = (
        UniqueConstraint("document_id", "user_id", name="uq_document_recipient"),
        # The inbox's Documents tab and the dashboard: a person's unacknowledged documents.
        Index("ix_document_recipient_user", "user_id", "acknowledged_at"),
        # The receipt board: one document's unopened recipients in the board's order, and
        # its counts by unit from the index alone (receipts.board).
        Index("ix_document_recipient_board", "document_id", "first_opened_at", "unit", "user_id"),
        Index(
            "ix_document_recipient_units",
            "document_id",
            "unit",
            "first_opened_at",
            "acknowledged_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    user = relationship("OAUser", foreign_keys=[user_id])
    copy: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The unit the person belonged to at issue (the board groups by it) and the recipient
    # entry ("department:GRP/OFFICE") that brought them.
    unit: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    via: Mapped[str] = mapped_column(String(160), nullable=False, default="")
    delivered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    first_opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    acknowledged_by = relationship("OAUser", foreign_keys=[acknowledged_by_id])
    urged_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_urged_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Urging(Model):
    """The sender urged a document's unopened recipients (§4.5), recorded."""

    __tablename__ = "document_urging"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), nullable=False, index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    by = relationship("OAUser", foreign_keys=[by_id])
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, nullable=False)
    automatic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Clerk(Model):
    """A unit's document clerk (seed 2 §4.6): receives what is addressed to the unit,
    registers it and passes it on. ``unit`` is a recipient entry ("company:SLS",
    "department:GRP/OFFICE")."""

    __tablename__ = "document_clerk"
    __table_args__ = (UniqueConstraint("unit", "user_id", name="uq_document_clerk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(160), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    user = relationship("OAUser", foreign_keys=[user_id])


class PrintedCopy(Model):
    """A paper copy printed under an approved print request (§4.1), numbered."""

    __tablename__ = "document_printed_copy"
    __table_args__ = (
        UniqueConstraint("request_instance_id", "copy_no", name="uq_document_printed_copy"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), nullable=False, index=True)
    request_instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id"), nullable=False
    )
    copy_no: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    printed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
