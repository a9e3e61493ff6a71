"""The ``notification`` table: one row per event per person, read or not.

The unique (user, kind, key) constraint is what makes "one event notifies one person once"
hold even when two transactions notify at the same moment; the (user, read_at) index serves
the navbar's unread count on every page; the ``task_id`` index the clearing of a handled
task's notices.
"""

from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.clock import utcnow


class Notification(Model):
    """Something a person must be told about (work arrived, an urge, a deadline, ...)."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", "key", name="uq_notification_user_kind_key"),
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False
    )
    user = relationship("OAUser")
    # What happened: "task", "urged", "reminder", "overdue", "question", "answer", "returned".
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    # Which occurrence, e.g. "task:123": the same kind and key never notify a person twice.
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    # Relative URL of the page to open (never absolute: no open redirect via a link).
    link: Mapped[str] = mapped_column(String(500), nullable=False)
    # The to-do the notice announces: handled, the notice is cleared (issue 19, defect 3).
    # A plain id, not a foreign key: notices never hold up what they tell about.
    task_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When it went out by mail, alone or in a digest: a digest takes only the unmailed ones.
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} {self.key} user={self.user_id}>"


class NotificationSetting(Model):
    """How a person wants to be told, beyond the bell: which kinds of notice are mailed,
    and whether one at a time or in one digest a day at a chosen hour. No row: every kind is
    mailed at once (when the site has a mail server)."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True
    )
    user = relationship("OAUser")
    # The kinds (notifications/kinds.py) mailed; the others stay in the bell only.
    email_kinds: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # Hour of the day (0-23, the company's time zone) of the digest; None: one mail each.
    digest_hour: Mapped[int | None] = mapped_column(Integer, index=True)
    # The last digest sent: the next one takes the notices since (none: the last day's).
    digest_sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    def mails(self, kind: str) -> bool:
        """Whether notices of ``kind`` go by mail at all."""
        return kind in self.email_kinds
