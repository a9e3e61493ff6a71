"""The usage view's daily rollup (§2.1.1): each closed day's figures, so a quarter or a year
reads a few rows per day instead of every task and instance of the period.

A day is the company's (``OA_TIMEZONE``). A unit is the department its person was in at the
time: the handler's when they acted, the initiator's when they submitted (so a day's rows
never change when people move). Handling and throughput times are kept as counts per
log-scale bucket (:mod:`oa_platform.usage.buckets`), one column each, so the database adds a
period's days up column by column.

:class:`RolledDay` says which days are rolled up: the view reads those days from here and
every other day (today always) from the tasks themselves. A day's rows and its mark are
written in one transaction (:mod:`oa_platform.usage.rollup`).
"""

from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from form_builder.clock import utcnow
from oa_platform.usage.buckets import COLUMNS

# One integer column per bucket (``h000`` ... ``h120``), zero by default; a mixin's columns
# are copied to each table that takes it.
Histogram = type(
    "Histogram",
    (),
    {
        name: mapped_column(Integer, nullable=False, default=0, server_default="0")
        for name in COLUMNS
    },
)


class RolledDay(Model):
    """A day whose figures are in the rollup tables, and when they were computed."""

    __tablename__ = "usage_rolled_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class TaskDay(Histogram, Model):
    """Tasks handled (or closed otherwise than agreeing) on a day, per handler's department,
    process and node; the histogram is the handled tasks' handling times."""

    __tablename__ = "usage_task_day"
    __table_args__ = (Index("ix_usage_task_day", "day", "department_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    # No foreign keys: the rollup outlives a department or process removed since.
    department_id: Mapped[int | None] = mapped_column(Integer)
    definition_id: Mapped[int] = mapped_column(Integer, nullable=False)
    node_id: Mapped[str] = mapped_column(String(128), nullable=False)
    # The newest version among the day's instances: the node's name is read from it.
    version_id: Mapped[int] = mapped_column(Integer, nullable=False)
    handled: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    with_deadline: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    late: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    not_agree: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class InstanceDay(Histogram, Model):
    """Instances started, finished and ended otherwise on a day, per initiator's department
    (when they submitted) and process; the histogram is the finished ones' times from
    submission to completion."""

    __tablename__ = "usage_instance_day"
    __table_args__ = (Index("ix_usage_instance_day", "day", "department_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    department_id: Mapped[int | None] = mapped_column(Integer)
    definition_id: Mapped[int] = mapped_column(Integer, nullable=False)
    started: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    finished: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    ended_otherwise: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class ActionDay(Model):
    """Tasks closed on a day with an action other than agree, per handler's department and
    action (disagree, roll back, transfer, ...)."""

    __tablename__ = "usage_action_day"
    __table_args__ = (Index("ix_usage_action_day", "day", "department_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    department_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    tasks: Mapped[int] = mapped_column(Integer, nullable=False)


class AgentDay(Model):
    """Tasks an agent handled for a principal on a day (§3.4, §4.4). Kept per person, not
    per department: the view counts them for the principal's department as it is now, as
    it lists the delegations."""

    __tablename__ = "usage_agent_day"
    __table_args__ = (Index("ix_usage_agent_day", "day", "principal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    principal_id: Mapped[int] = mapped_column(Integer, nullable=False)
    agent_id: Mapped[int] = mapped_column(Integer, nullable=False)
    tasks: Mapped[int] = mapped_column(Integer, nullable=False)
