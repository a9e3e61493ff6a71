"""The ``notification`` table: one row per event per person, read or not.

The unique (user, kind, key) constraint is what makes "one event notifies one person once"
hold even when two transactions notify at the same moment; the (user, read_at) index serves
the navbar's unread count on every page; the ``task_id`` index the clearing of a handled
task's notices.
"""

from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
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

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} {self.key} user={self.user_id}>"
