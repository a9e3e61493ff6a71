"""What IT did about organisation changes: each applied change request and each bulk
reassignment, with who did it, when and exactly what changed (regulations §2.1.2, §6.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.clock import utcnow


class AppliedChange(Model):
    """A change request carried out: the changes made, from the request's own data."""

    __tablename__ = "org_change_applied"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One application per request: a second one is refused (and the unique key says so
    # even when two administrators press Apply at the same moment).
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id"), nullable=False, unique=True
    )
    instance = relationship("Instance")
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    # [{"what": "department.head", "unit": "SLS/SALES", "from": "head", "to": "wei"}, ...]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    applied_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    applied_by = relationship("OAUser", foreign_keys=[applied_by_id])


class BulkReassignment(Model):
    """One bulk reassignment: a chosen set of open tasks moved to one person, with a reason."""

    __tablename__ = "org_bulk_reassignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    actor = relationship("OAUser", foreign_keys=[actor_id])
    to_user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    to_user = relationship("OAUser", foreign_keys=[to_user_id])
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    # [{"task": old id, "new_task": new id or None, "instance": id, "from": username}, ...]
    moved: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False, default=list)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
