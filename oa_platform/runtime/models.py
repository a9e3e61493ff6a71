"""Runtime tables: instances, node activations, tasks (to-dos), questions and the audit trail.

Everything the inbox, the overdue scan and the reports ask for is an indexed column; the only
JSON on the hot path is the form values of an instance, read with the instance.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder import localized
from form_builder.clock import utcnow
from oa_platform.runtime.states import ActivationStatus, InstanceStatus, TaskStatus

# The ``prev_hash`` of an audit chain's first entry, and the head of a chain with none.
AUDIT_GENESIS = "0" * 64


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    return Enum(kind, name=name, values_callable=lambda e: [m.value for m in e])


def shown_title(title: str, title_texts: Mapping[str, str] | None) -> str:
    """An instance's title as the reader's language reads it: its text in ``title_texts``
    where the languages' titles differ, else the stored ``title``."""
    return localized.text(title_texts) if title_texts else title


class Instance(Model):
    """One run of a published definition version, with its form values."""

    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_instance_initiator_status", "initiator_id", "status"),
        Index("ix_instance_definition_status", "definition_id", "status"),
        # The usage view's periods (§2.1.1): started and finished instances of a period.
        Index("ix_instance_submitted", "submitted_at"),
        Index("ix_instance_finished", "finished_at"),
        # The usage view's active users: did this person submit in the period (§2.1.1).
        Index("ix_instance_initiator_submitted", "initiator_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), nullable=False)
    definition = relationship("ProcessDefinition")
    definition_version_id: Mapped[int] = mapped_column(
        ForeignKey("definition_version.id"), nullable=False
    )
    definition_version = relationship("DefinitionVersion")
    # In the company's default language; per language beside it where they differ
    # (runtime/titles.py writes both, :attr:`shown_title` reads them).
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    title_texts: Mapped[dict[str, str] | None] = mapped_column(JSON)
    initiator_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    initiator = relationship("OAUser", foreign_keys=[initiator_id])
    status: Mapped[InstanceStatus] = mapped_column(
        _enum(InstanceStatus, "instance_status"), nullable=False
    )
    values: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # After a rollback to the initiator: the node to go straight back to on resubmission.
    resubmit_to: Mapped[str | None] = mapped_column(String(64))
    # Set when a node type's hook raised; cleared by an admin's retry or skip.
    error_node: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(Text)
    reinitiated_from_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    # Optimistic concurrency: every command bumps it, so two commands on one instance at the
    # same moment cannot both commit (one retries and sees the other's result).
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # The head of the instance's audit chain (regulations §6.1): how many entries it has and
    # the last one's hash, written in the transaction that writes them (runtime/audit.py).
    # Kept off the trail's table, so deleting its last rows leaves a head naming what is gone.
    audit_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    audit_head: Mapped[str] = mapped_column(
        String(64), nullable=False, default=AUDIT_GENESIS, server_default=AUDIT_GENESIS
    )

    __mapper_args__ = {"version_id_col": revision}

    activations: Mapped[list[Activation]] = relationship(
        back_populates="instance", order_by="Activation.seq"
    )
    tasks: Mapped[list[Task]] = relationship(back_populates="instance", order_by="Task.id")

    def __repr__(self) -> str:
        return f"#{self.id} {self.title}"

    @property
    def shown_title(self) -> str:
        """The title in the reader's language."""
        return shown_title(self.title, self.title_texts)


class Activation(Model):
    """The instance's stay at one node: entered, then completed or cancelled."""

    __tablename__ = "process_activation"
    __table_args__ = (Index("ix_activation_instance_status", "instance_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), nullable=False)
    instance: Mapped[Instance] = relationship(back_populates="activations")
    node_id: Mapped[str] = mapped_column(String(64), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[ActivationStatus] = mapped_column(
        _enum(ActivationStatus, "activation_status"), nullable=False
    )
    entered_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))
    # Parallel joins count the branches that have arrived.
    arrivals: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Task(Model):
    """A to-do: one person's part at one node activation."""

    __tablename__ = "process_task"
    __table_args__ = (
        # Covers what the to-do list and the badge counts test: no task row is read to find
        # a user's open tasks (docs/performance.md).
        Index(
            "ix_task_inbox",
            "assignee_id",
            "status",
            "blocking",
            "due_at",
            "instance_id",
            "opened_at",
        ),
        Index("ix_task_instance_status", "instance_id", "status"),
        # The usage view's periods (§2.1.1): the tasks handled in a period.
        Index("ix_task_completed", "completed_at"),
        # The usage view's active users: did this person act in the period (§2.1.1).
        Index("ix_task_completed_by", "completed_by_id", "completed_at"),
        # Every action reads and locks its node activation's tasks (commands/acting.py):
        # without it a scan of every task, 0.4-0.6 s per agree on PostgreSQL at 1,000,000.
        Index("ix_task_activation", "activation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), nullable=False)
    instance: Mapped[Instance] = relationship(back_populates="tasks")
    activation_id: Mapped[int] = mapped_column(ForeignKey("process_activation.id"), nullable=False)
    activation: Mapped[Activation] = relationship()
    node_id: Mapped[str] = mapped_column(String(64), nullable=False)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    assignee = relationship("OAUser", foreign_keys=[assignee_id])
    # Agency only (regulations §3.4): the person whose agent the assignee is. A transfer of
    # an agent's task keeps it (the to-do is still the principal's); a transfer is not agency.
    principal_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    principal = relationship("OAUser", foreign_keys=[principal_id])
    # Who transferred this task to its assignee (the handler of the task it replaces).
    transferred_from_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    transferred_from = relationship("OAUser", foreign_keys=[transferred_from_id])
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus, "task_status"), nullable=False)
    # False for notify / CC tasks: the chain does not wait for them.
    blocking: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # "primary", or how an added signer was added: "before", "after", "parallel".
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="primary")
    parent_task_id: Mapped[int | None] = mapped_column(ForeignKey("process_task.id"))
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    completed_by = relationship("OAUser", foreign_keys=[completed_by_id])
    action: Mapped[str | None] = mapped_column(String(32))
    opinion: Mapped[str | None] = mapped_column(Text)
    # "Save as draft" on a task: the opinion and field edits kept until the handler acts.
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"task {self.id} at {self.node_id} for {self.assignee_id} ({self.status})"


class Question(Model):
    """A question raised on an instance (§3.3, §3.6) and its answer."""

    __tablename__ = "process_question"
    __table_args__ = (Index("ix_question_asked_to_open", "asked_to_id", "answered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id"), nullable=False, index=True
    )
    task_id: Mapped[int | None] = mapped_column(ForeignKey("process_task.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    asked_by = relationship("OAUser", foreign_keys=[asked_by_id])
    asked_to_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    asked_to = relationship("OAUser", foreign_keys=[asked_to_id])
    text: Mapped[str] = mapped_column(Text, nullable=False)
    asked_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)


class InstanceAttachment(Model):
    """A file attached to a field of an instance: the (instance, field) a download is
    checked against (issue 17, defect 6). Written when a field that carries uploads changes
    (``runtime/attachment_links.py``), never removed: a file taken out of a field stays part
    of that field's history, as the trail's diffs do (§6.1)."""

    __tablename__ = "instance_attachment"
    __table_args__ = (Index("ix_instance_attachment_attachment", "attachment_id"),)

    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), primary_key=True
    )
    field_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    attachment_id: Mapped[str] = mapped_column(
        ForeignKey("form_attachment.id", ondelete="CASCADE"), primary_key=True
    )


class AuditEntry(Model):
    """One entry of an instance's append-only trail, chained to the one before by hash."""

    __tablename__ = "process_audit"
    __table_args__ = (UniqueConstraint("instance_id", "seq", name="uq_audit_instance_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    actor = relationship("OAUser", foreign_keys=[actor_id])
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    on_behalf_of = relationship("OAUser", foreign_keys=[on_behalf_of_id])
    node_id: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditCheckpoint(Model):
    """A signed statement that an instance's audit chain had ``entries`` entries, the last
    with hash ``head`` (runtime/audit_checkpoints.py); with no instance, the digest of one
    checkpoint run: ``entries`` instance checkpoints, ``head`` their hash chained to the
    run before. An attacker who rewrites a trail and its instance's head, but has not the
    secret key, cannot sign a new checkpoint for it.
    """

    __tablename__ = "process_audit_checkpoint"
    __table_args__ = (
        Index("ix_audit_checkpoint_instance", "instance_id", "entries"),
        # One digest per run: two runs at once cannot both extend the chain of digests.
        Index(
            "uq_audit_checkpoint_run",
            "run",
            unique=True,
            sqlite_where=text("instance_id IS NULL"),
            postgresql_where=text("instance_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run: Mapped[int] = mapped_column(Integer, nullable=False)
    # No foreign key: a checkpoint outlives what it vouches for, so an instance deleted with
    # its trail is missed rather than silently forgotten.
    instance_id: Mapped[int | None] = mapped_column(Integer)
    entries: Mapped[int] = mapped_column(Integer, nullable=False)
    head: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    # HMAC-SHA256 of the columns above, keyed with a key derived from SECRET_KEY.
    signature: Mapped[str] = mapped_column(String(64), nullable=False)


class TimerState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"  # claimed by a worker until ``locked_until``
    DONE = "done"
    FAILED = "failed"  # gave up after its attempts; shown to administrators


# The subject kind of a process instance's timers (deadlines, reminders, questions,
# escalations, node timers): their ``subject_id`` is the instance's id.
PROCESS_SUBJECT = "process"


def _instance_as_subject(context) -> int | None:
    """A timer that names no subject is its instance's (every runtime writer's case)."""
    return context.get_current_parameters().get("instance_id")


class Timer(Model):
    """A durable timer: the table is the source of truth, Celery beat only polls it.

    Long Celery ETA messages are not used: brokers redeliver them after a visibility time-out
    and workers hold them in memory. A claimed timer carries its worker and a lease, so a
    crashed worker's timers are claimed again once the lease runs out.

    A timer names its subject (``subject_kind``, ``subject_id``): what it keeps time for, and
    so the :class:`~plugins.timer_subject.TimerSubject` that fires it. A process instance's
    timers name ``process`` and also carry ``instance_id`` (its foreign key); other subjects
    (a discussion post) leave ``instance_id`` empty.
    """

    __tablename__ = "process_timer"
    __table_args__ = (
        Index("ix_timer_due", "state", "due_at"),
        # The few running (claimed) timers, by worker and lease: a claim reads back its own
        # batch, and looks for leases that ran out, without scanning every pending timer.
        Index(
            "ix_timer_running",
            "locked_by",
            "locked_until",
            sqlite_where=text("state = 'running'"),
            postgresql_where=text("state = 'running'"),
        ),
        # A subject's pending timers, closed when what they wait for is done (a post
        # answered, hidden or withdrawn); only pending rows, the few that matter.
        Index(
            "ix_timer_subject_pending",
            "subject_kind",
            "subject_id",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        # A process timer is its instance's: no writer can make the two disagree.
        CheckConstraint(
            f"subject_kind <> '{PROCESS_SUBJECT}' OR instance_id = subject_id",
            name="ck_timer_process_subject",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    # What the timer means to its subject: for a process "deadline", "reminder", "question",
    # "escalation" or "node" (TimerHandlers.fire); a post's "reminder" or "overdue".
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    subject_kind: Mapped[str] = mapped_column(String(32), nullable=False, default=PROCESS_SUBJECT)
    subject_id: Mapped[int] = mapped_column(Integer, nullable=False, default=_instance_as_subject)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    activation_id: Mapped[int | None] = mapped_column(ForeignKey("process_activation.id"))
    # Indexed: a handled task's pending timers are closed by task (runtime/task_timers.py).
    task_id: Mapped[int | None] = mapped_column(ForeignKey("process_task.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    state: Mapped[TimerState] = mapped_column(
        _enum(TimerState, "timer_state"), nullable=False, default=TimerState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    fired_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class OvertimeRecord(Model):
    """A task handled late (regulations §8.5: overtime found in inspections): who, where,
    which form, and how late once it was handled."""

    __tablename__ = "process_overtime"
    __table_args__ = (
        Index("ix_overtime_handler_due", "handler_id", "due_at"),
        # The inspection reads a period (by due time), optionally of one department.
        Index("ix_overtime_due", "due_at"),
        Index("ix_overtime_department_due", "department_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("process_task.id"), nullable=False, unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), nullable=False)
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("process_definition.id"), nullable=False, index=True
    )
    node_id: Mapped[str] = mapped_column(String(64), nullable=False)
    handler_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    handler = relationship("OAUser")
    # The handler's department when the deadline passed (people move; the report should not).
    department_id: Mapped[int | None] = mapped_column(ForeignKey("org_department.id"))
    due_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    minutes_late: Mapped[int | None] = mapped_column(Integer)
