"""Notice tables: the released notice, who it is for, and who has read it.

A notice is drafted and approved as an instance of the release definition (its values are
the content); the ``notice_release`` node freezes it into a :class:`Notice` row. Only its
status changes afterwards (withdrawn, with who, when and why).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.clock import utcnow


class Notice(Model):
    """A released announcement, notice or briefing of a unit (§5.1)."""

    __tablename__ = "notice"
    __table_args__ = (
        # The dashboard: live notices, pinned first, newest first; the first page stops early.
        Index("ix_notice_live", "status", "pinned", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # announcement, notice, briefing
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    # Rich text as the allow-list cleaned it at submission; cleaned again on every page.
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    # The publishing unit: its department (its head withdraws, §5.1) and name at release.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_department.id"), index=True)
    department = relationship("Department")
    unit_name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    author = relationship("OAUser", foreign_keys=[author_id])
    major: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The last day it shows (in the company's calendar); None: until withdrawn.
    expires_on: Mapped[date | None] = mapped_column(Date)
    # The audience entries as drafted ("everyone", "company:SLS", ...), for the page.
    audience: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # published, withdrawn
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="published")
    published_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    withdrawn_by = relationship("OAUser", foreign_keys=[withdrawn_by_id])
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    # How many people opened it (the publisher's side sees it); one per person.
    read_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class NoticeAudience(Model):
    """One entry of a notice's audience: ``kind`` everyone, company, department, position or
    user and its ``key`` (a code, "COMPANY/CODE", a position's name, a user name). A reader
    matches by their own keys (policy.audience_keys), read through this primary key."""

    __tablename__ = "notice_audience"
    __table_args__ = (Index("ix_notice_audience_notice", "notice_id"),)

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), primary_key=True)


class NoticeRead(Model):
    """``user`` first opened ``notice`` at ``read_at`` (the unread mark goes away)."""

    __tablename__ = "notice_read"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
