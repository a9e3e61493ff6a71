"""The agent delegation table: who acts for whom, when, and for which forms."""

from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.clock import utcnow


class AgentDelegation(Model):
    """``principal``'s to-dos go to ``agent`` from ``starts_on`` to ``ends_on`` (both days
    included), for the forms of ``categories`` (empty: every form)."""

    __tablename__ = "agent_delegation"
    # Resolution asks "whose delegation covers this day" on every task created.
    __table_args__ = (
        Index("ix_agent_delegation_principal_dates", "principal_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    principal = relationship("OAUser", foreign_keys=[principal_id])
    agent_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    agent = relationship("OAUser", foreign_keys=[agent_id])
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    categories: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # Also move the principal's open tasks to the agent when the delegation starts.
    include_open: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # When the open tasks were moved, so the daily start job moves them once only.
    tasks_moved_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    created_by = relationship("OAUser", foreign_keys=[created_by_id])
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    def covers(self, category: str | None, on: date) -> bool:
        """Whether this delegation, if not revoked, applies to a ``category`` form on ``on``."""
        if self.revoked_at is not None or not self.starts_on <= on <= self.ends_on:
            return False
        return not self.categories or category in self.categories

    def __repr__(self) -> str:
        return f"agent {self.agent_id} for {self.principal_id} {self.starts_on}..{self.ends_on}"
