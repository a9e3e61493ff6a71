"""Library tables: folders with their audience, files, the versions of each file, the word
index of the current versions and each file's trail.

A version's bytes are a :class:`form_builder.attachments.FormAttachment` in the attachment
store (content-addressed, kept while a row names them); a file row carries what the lists
and the search need (its name, the current version, the download count, its status), so a
listing reads one table.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.clock import utcnow

TERM_LENGTH = 64  # as the runtime's word index (runtime/search.py)


class LibraryFolder(Model):
    """A folder of a company, or of one of its departments (seed 2 §7.1), and who sees it.

    ``audience`` lists entries: ``everyone``, ``company:CODE``, ``department:CO/DEPT`` or
    ``role:Name`` (library/audience.py reads them)."""

    __tablename__ = "library_folder"
    __table_args__ = (
        UniqueConstraint("company_id", "department_id", "name", name="uq_library_folder_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("org_company.id"), nullable=False, index=True
    )
    company = relationship("Company")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_department.id"))
    department = relationship("Department")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    audience: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class LibraryFile(Model):
    """A published file: its name, the current version, its downloads and its status
    (``current``, or ``withdrawn`` as invalid or confidential with the reason)."""

    __tablename__ = "library_file"
    __table_args__ = (
        # A folder's files and the search's results, newest first, among current files.
        Index("ix_library_file_listing", "status", "updated_at", "id"),
        Index("ix_library_file_folder", "folder_id", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folder_id: Mapped[int] = mapped_column(ForeignKey("library_folder.id"), nullable=False)
    folder = relationship("LibraryFolder")
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="current")
    withdrawn_as: Mapped[str | None] = mapped_column(String(16))  # invalid, confidential
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    current_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    downloads: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Lower-cased name, description and the current version's text: the search confirms a
    # word's candidates from the index against it (search.py).
    # Deferred: up to 200,000 characters, never loaded by a list or the search's results.
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="", deferred=True)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    published_by = relationship("OAUser", foreign_keys=[published_by_id])
    published_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class LibraryVersion(Model):
    """One version of a file: the stored bytes, its original name and extracted text."""

    __tablename__ = "library_version"
    __table_args__ = (UniqueConstraint("file_id", "number", name="uq_library_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("library_file.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    attachment_id: Mapped[str] = mapped_column(ForeignKey("form_attachment.id"), nullable=False)
    attachment = relationship("FormAttachment")
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    file_type: Mapped[str] = mapped_column(String(16), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # The text the search reads (pypdf, python-docx, openpyxl; extract.py), bounded.
    text: Mapped[str] = mapped_column(Text, nullable=False, default="", deferred=True)
    downloads: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    uploaded_by = relationship("OAUser", foreign_keys=[uploaded_by_id])
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class LibraryTerm(Model):
    """The word index of each file's name, description and current text (search.py)."""

    __tablename__ = "library_term"

    term: Mapped[str] = mapped_column(String(TERM_LENGTH), primary_key=True)
    file_id: Mapped[int] = mapped_column(
        ForeignKey("library_file.id"), primary_key=True, index=True
    )


class LibraryEvent(Model):
    """A file's or folder's trail: published, new version, withdrawn (with the reason),
    restored, audience changed. Append-only: nothing updates or deletes these rows."""

    __tablename__ = "library_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folder_id: Mapped[int] = mapped_column(
        ForeignKey("library_folder.id"), nullable=False, index=True
    )
    file_id: Mapped[int | None] = mapped_column(ForeignKey("library_file.id"), index=True)
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    actor = relationship("OAUser", foreign_keys=[actor_id])
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
