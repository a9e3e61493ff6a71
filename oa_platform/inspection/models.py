"""Inspection tables: the org structure's history (what §8.6 needs to name who answered for
an action when it happened), checklist items, ticket rules, inspections with their sample
and findings, kept reports, and red and white tickets."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.clock import utcnow
from oa_platform.runtime.models import Instance
from plugins.contract import N_


class DepartmentHistory(Model):
    """A department's head and leader in charge from ``valid_from`` on (§8.6: the head answers
    for content, the leader in charge for leadership, as they were at the time). Written by
    every change of either (``history.record_changes``)."""

    __tablename__ = "inspection_department_history"
    __table_args__ = (Index("ix_inspection_department_history", "department_id", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key: the history outlives a department merged away, as the findings about
    # what was done in it do.
    department_id: Mapped[int] = mapped_column(Integer, nullable=False)
    head_id: Mapped[int | None] = mapped_column(Integer)
    leader_in_charge_id: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class PersonHistory(Model):
    """A person's department from ``valid_from`` on (people move; the initiating department
    of an action is the one the initiator was in then)."""

    __tablename__ = "inspection_person_history"
    __table_args__ = (Index("ix_inspection_person_history", "user_id", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False
    )
    department_id: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class ChecklistItem(Model):
    """One question of the inspection's checklist (configurable by IT), with who answers for
    a finding under it (``responsibility``: business, content, leadership or handler) and the
    points of the ticket a finding proposes."""

    __tablename__ = "inspection_checklist_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    name_zh: Mapped[str | None] = mapped_column(String(128))
    responsibility: Mapped[str] = mapped_column(String(16), nullable=False)
    colour: Mapped[str] = mapped_column(String(8), nullable=False, default="red")
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class TicketRule(Model):
    """A rule that proposes tickets for an inspector to confirm (§8.7): ``overtime_hours``
    (an overtime record later than ``threshold`` hours) or ``missing_opinions`` (a person
    with at least ``threshold`` missing-opinion findings in the period)."""

    __tablename__ = "inspection_ticket_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    threshold: Mapped[float] = mapped_column(Float, nullable=False)
    colour: Mapped[str] = mapped_column(String(8), nullable=False, default="white")
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Inspection(Model):
    """A random inspection of one period (§8.5: at least once a quarter) over a scope, with
    the seed its sample was drawn with (the same inspection always draws the same sample)."""

    __tablename__ = "inspection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    period_first: Mapped[date] = mapped_column(Date, nullable=False)
    period_last: Mapped[date] = mapped_column(Date, nullable=False)
    # {"companies": [codes], "departments": [ids], "definitions": [keys]}; empty: everything.
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    sample_size: Mapped[int | None] = mapped_column(Integer)
    sample_rate: Mapped[float | None] = mapped_column(Float)
    seed: Mapped[str] = mapped_column(String(64), nullable=False)
    population: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    created_by = relationship("OAUser", foreign_keys=[created_by_id])
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class SampledInstance(Model):
    """An instance the inspection drew, in its stratum (definition)."""

    __tablename__ = "inspection_sample"
    __table_args__ = (
        UniqueConstraint("inspection_id", "instance_id", name="uq_inspection_sample"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False, index=True
    )
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), nullable=False)
    instance = relationship("Instance")
    definition_id: Mapped[int] = mapped_column(Integer, nullable=False)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))


class Finding(Model):
    """A violation found on a sampled instance under one checklist item, with who answers
    for it (§8.6), proposed from the org structure at the time of the action."""

    __tablename__ = "inspection_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sample_id: Mapped[int] = mapped_column(ForeignKey("inspection_sample.id"), nullable=False)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), nullable=False)
    item_code: Mapped[str] = mapped_column(String(32), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("process_task.id"))
    node_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    responsibility: Mapped[str] = mapped_column(String(16), nullable=False)
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    responsible = relationship("OAUser", foreign_keys=[responsible_id])
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_department.id"))
    action_at: Mapped[datetime | None] = mapped_column(DateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class InspectionReport(Model):
    """The report as it was exported at closing (§8.5: kept), one row per format."""

    __tablename__ = "inspection_report"
    __table_args__ = (UniqueConstraint("inspection_id", "format", name="uq_inspection_report"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), nullable=False
    )
    format: Mapped[str] = mapped_column(String(8), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


# A ticket's status and an appeal's decision as people read them: stored in English, shown
# through gettext by the ticket's page (inspection/ticket.html).
TICKET_WORDS = (
    N_("proposed"),
    N_("issued"),
    N_("dismissed"),
    N_("cancelled"),
    N_("upheld"),
    N_("granted"),
)


class Ticket(Model):
    """A red or white ticket (§8.7) for one person: proposed (by a finding or a rule), issued
    by an inspector, or dismissed; appealed at most once, decided by the person's leader in
    charge (upheld: it stands; granted: it is cancelled and leaves the tallies)."""

    __tablename__ = "inspection_ticket"
    __table_args__ = (
        Index("ix_inspection_ticket_person", "person_id", "status"),
        Index("ix_inspection_ticket_department", "department_id", "quarter"),
        # A rule proposes once per source (an overtime record, a person and quarter).
        UniqueConstraint("rule_code", "source_key", name="uq_inspection_ticket_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    colour: Mapped[str] = mapped_column(String(8), nullable=False)
    person_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    person = relationship("OAUser", foreign_keys=[person_id])
    # The person's department when the action happened: tallies do not move with people.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_department.id"))
    department = relationship("Department")
    quarter: Mapped[str] = mapped_column(String(8), nullable=False)  # "2026Q3"
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspection.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("inspection_finding.id"))
    overtime_id: Mapped[int | None] = mapped_column(ForeignKey("process_overtime.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    rule_code: Mapped[str | None] = mapped_column(String(32))
    source_key: Mapped[str | None] = mapped_column(String(64))
    # proposed, issued, dismissed, cancelled (an appeal granted)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="proposed")
    proposed_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    appeal_text: Mapped[str | None] = mapped_column(Text)
    appealed_at: Mapped[datetime | None] = mapped_column(DateTime)
    appeal_decider_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    appeal_decider = relationship("OAUser", foreign_keys=[appeal_decider_id])
    appeal_decision: Mapped[str | None] = mapped_column(String(16))  # upheld, granted
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appeal_decided_at: Mapped[datetime | None] = mapped_column(DateTime)


# The inspection draws from a period's submitted instances (sampling.py): this index answers
# the draw from the index alone (submission time, process, initiator for the scope, status),
# instead of reading every instance row with its form values. Declared here, beside its one
# reader, on the runtime's table.
INSTANCE_SUBMITTED = Index(
    "ix_inspection_instance_submitted",
    Instance.submitted_at,
    Instance.definition_id,
    Instance.initiator_id,
    Instance.status,
    Instance.id,
)
