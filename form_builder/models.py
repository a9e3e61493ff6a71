"""Definition tables: a process definition, its versions (the JSON documents), their history.

Definition (the spec) is kept apart from runtime state: instances, in the runtime, point at the
version they started on, and a published version never changes, so running instances keep
theirs while new ones take the latest published version.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from form_builder import localized
from form_builder.clock import utcnow


class VersionStatus(enum.StrEnum):
    """Where a version stands in review (regulations §2.3, §3.1, §3.2)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    return Enum(kind, name=name, values_callable=lambda e: [m.value for m in e])


class ProcessDefinition(Model):
    """A process form by its stable key; what it looks like lives in its versions."""

    __tablename__ = "process_definition"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # The name in its first language (what SQL sorts and reports by) and, when the published
    # document gives it per language, all of them: ``name`` reads the request's language.
    default_name: Mapped[str] = mapped_column("name", String(128), nullable=False)
    name_texts: Mapped[dict[str, str] | None] = mapped_column(JSON)
    category: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("org_department.id"), nullable=False)
    department = relationship("Department")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Withdrawn definitions start no new instances; running ones go on (regulations §2.1.2).
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    versions: Mapped[list[DefinitionVersion]] = relationship(
        back_populates="definition", order_by="DefinitionVersion.number"
    )

    @hybrid_property
    def name(self) -> str:
        """The definition's name as the request's language reads it (``localized.text``)."""
        return localized.text(self.name_texts or self.default_name)

    @name.inplace.setter
    def _name_setter(self, value: localized.Text) -> None:
        # A document's ``name``: a plain string, or per-language values (format 2).
        if isinstance(value, str):
            self.default_name, self.name_texts = value, None
        else:
            first = next(iter(value))
            self.default_name, self.name_texts = localized.text(value, first), dict(value)

    @name.inplace.expression
    @classmethod
    def _name_expression(cls):
        return cls.default_name

    def latest_published(self) -> DefinitionVersion | None:
        published = [v for v in self.versions if v.status is VersionStatus.PUBLISHED]
        return published[-1] if published else None

    def __repr__(self) -> str:
        return f"{self.name} ({self.key})"


class DefinitionVersion(Model):
    """One numbered version of a definition: its whole JSON document and its review state."""

    __tablename__ = "definition_version"
    __table_args__ = (
        UniqueConstraint("definition_id", "number", name="uq_definition_version_number"),
        Index("ix_definition_version_status", "definition_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), nullable=False)
    definition: Mapped[ProcessDefinition] = relationship(back_populates="versions")
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[VersionStatus] = mapped_column(
        _enum(VersionStatus, "definition_version_status"), nullable=False
    )
    document: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    created_by = relationship("User", foreign_keys=[created_by_id])
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    review_opinion: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    def __repr__(self) -> str:
        return f"{self.definition.key} v{self.number} ({self.status})"


class DefinitionEvent(Model):
    """The append-only history of a definition: every lifecycle step, who, when, why."""

    __tablename__ = "definition_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(
        ForeignKey("process_definition.id"), nullable=False, index=True
    )
    definition = relationship("ProcessDefinition")
    version_id: Mapped[int | None] = mapped_column(ForeignKey("definition_version.id"))
    version = relationship("DefinitionVersion")
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    actor = relationship("User")
    opinion: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)


@event.listens_for(Session, "before_flush")
def _guard_immutable(session: Session, _flush_context, _instances) -> None:
    """Published versions and history entries never change: refuse it at flush time."""
    for obj in session.dirty:
        if not session.is_modified(obj):
            continue
        if isinstance(obj, DefinitionEvent):
            raise PermissionError("definition history is append-only")
        if isinstance(obj, DefinitionVersion) and _committed_status(obj) is VersionStatus.PUBLISHED:
            raise PermissionError(f"published version {obj!r} is immutable")
    for obj in session.deleted:
        if isinstance(obj, DefinitionEvent) or (
            isinstance(obj, DefinitionVersion) and _committed_status(obj) is VersionStatus.PUBLISHED
        ):
            raise PermissionError(f"{obj!r} cannot be deleted")


def _committed_status(version: DefinitionVersion) -> VersionStatus:
    history = inspect(version).attrs.status.history
    return history.deleted[0] if history.deleted else version.status
