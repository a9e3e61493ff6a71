"""Migrating instances: the dry run, the run in batches (each instance its own
transaction), and the way back while nothing has happened on an instance since.

There is no engine command that moves an instance between versions, so this is it: the
instance's version, form values, node activations and tasks change together, with an
audit entry ("migrated": from-version, to-version, mapping, what was lost and defaulted)
appended to its hash chain (``runtime/audit.py``, §6.1) in the same transaction. Open
tasks keep their handlers, due times and timers: the timer rows name tasks and
activations, whose ids do not change, and a handler was told when a to-do is due. The
new version's rules (assignees, deadlines, conditions) apply from the next node on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from form_builder.compiler import local_now
from form_builder.directory import Directory
from form_builder.models import DefinitionEvent, DefinitionVersion, VersionStatus
from oa_platform.migration.mapping import MappingError, NodeMapping
from oa_platform.migration.plan import CANDIDATE_STATUSES, InstancePlan, plan_instance
from oa_platform.runtime import attachment_links, audit
from oa_platform.runtime.models import (
    Activation,
    AuditEntry,
    Instance,
    InstanceAttachment,
    Task,
)
from oa_platform.unit_of_work import unit_of_work

MIGRATED = "migrated"
MIGRATED_BACK = "migrated_back"
BATCH = 200


class MigrationRefusedError(Exception):
    """A migration (or a way back) that cannot be made; ``message`` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Report:
    """What a dry run found or a run did: every instance's plan, in id order."""

    plans: list[InstancePlan] = field(default_factory=list)
    dry_run: bool = True

    @property
    def migrated(self) -> list[InstancePlan]:
        return [plan for plan in self.plans if plan.ok]

    @property
    def refused(self) -> list[InstancePlan]:
        return [plan for plan in self.plans if not plan.ok]

    def counts(self) -> dict[str, int]:
        return {
            "instances": len(self.plans),
            "migratable": len(self.migrated),
            "refused": len(self.refused),
            "losing_data": sum(1 for plan in self.plans if plan.ok and plan.lost_data()),
            "taking_defaults": sum(1 for plan in self.plans if plan.ok and plan.defaults),
        }


def check_versions(old: DefinitionVersion, new: DefinitionVersion) -> None:
    """Two published versions of one definition, not the same."""
    if old.definition_id != new.definition_id:
        raise MigrationRefusedError(gettext("The two versions belong to different definitions."))
    if old.id == new.id:
        raise MigrationRefusedError(gettext("Choose a version other than the instances' own."))
    for version in (old, new):
        if version.status is not VersionStatus.PUBLISHED:
            raise MigrationRefusedError(
                gettext("Version %(number)s is not published.", number=version.number)
            )


def candidate_ids(session: Session, old: DefinitionVersion) -> list[int]:
    """The ids of the instances on version ``old`` that have not finished."""
    return list(
        session.scalars(
            select(Instance.id)
            .where(
                Instance.definition_version_id == old.id,
                Instance.status.in_(CANDIDATE_STATUSES),
            )
            .order_by(Instance.id)
        )
    )


def _batches(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for at in range(0, len(ids), size):
        yield ids[at : at + size]


class Migration:
    """The migration of the running instances of ``old`` to ``new`` under ``mapping``,
    by ``actor_id`` (None: the command line, the server's own authority)."""

    def __init__(
        self,
        session: Session,
        directory: Directory,
        node_types: Any,
        old: DefinitionVersion,
        new: DefinitionVersion,
        mapping: NodeMapping,
        actor_id: int | None,
    ):
        check_versions(old, new)
        self.session, self.directory = session, directory
        self.old_id, self.new_id = old.id, new.id
        self.old_number, self.new_number = old.number, new.number
        self.definition_id = old.definition_id
        self.old_document, self.new_document = old.document, new.document
        self.mapping, self.actor_id = mapping, actor_id
        self._upload_fields = attachment_links.upload_fields(new.document["fields"])
        self.merges = {
            name: bool(getattr(kind, "merges", False)) for name, kind in node_types.items()
        }

    def _plan(self, instance: Instance, activations: Sequence[Activation]) -> InstancePlan:
        return plan_instance(
            instance,
            activations,
            self.old_document,
            self.new_document,
            self.mapping,
            self.directory,
            local_now(),
            self.merges,
        )

    # The dry run ---------------------------------------------------------------------------

    def preview(self, batch: int = 1000) -> Report:
        """Every candidate instance's plan; changes nothing (read in batches)."""
        report = Report(dry_run=True)
        for ids in _batches(
            candidate_ids(self.session, _version(self.session, self.old_id)), batch
        ):
            instances = self.session.scalars(
                select(Instance).where(Instance.id.in_(ids)).order_by(Instance.id)
            ).all()
            by_instance: dict[int, list[Activation]] = {}
            for activation in self.session.scalars(
                select(Activation)
                .where(Activation.instance_id.in_(ids))
                .order_by(Activation.instance_id, Activation.seq)
            ):
                by_instance.setdefault(activation.instance_id, []).append(activation)
            report.plans += [self._plan(i, by_instance.get(i.id, [])) for i in instances]
        return report

    # The run -------------------------------------------------------------------------------

    def run(self, batch: int = BATCH, progress: Callable[[int, int], None] | None = None) -> Report:
        """Migrate every candidate instance, each in its own transaction, batch after batch;
        a refused one is left as it was, with its reasons in the report. ``progress`` hears
        (done, total) after each batch. The definition's history records the run."""
        report = Report(dry_run=False)
        ids = candidate_ids(self.session, _version(self.session, self.old_id))
        for done, chunk in enumerate(_batches(ids, batch), start=1):
            for instance_id in chunk:
                try:
                    report.plans.append(self.migrate_one(instance_id))
                except MigrationRefusedError as error:  # moved meanwhile (another run)
                    report.plans.append(_gone(instance_id, error.message))
            if progress is not None:
                progress(min(done * batch, len(ids)), len(ids))
        self._record_run(report)
        return report

    def migrate_one(self, instance_id: int) -> InstancePlan:
        """Migrate one instance in its own transaction (retried on a concurrent change);
        its plan, refused ones included (then nothing changed)."""
        return unit_of_work(self.session).run(lambda: self._migrate(instance_id))

    def _migrate(self, instance_id: int) -> InstancePlan:
        instance = self.session.get(Instance, instance_id)
        if instance is None or instance.definition_version_id != self.old_id:
            raise MigrationRefusedError(
                gettext("Instance %(id)s is not on the version migrated from.", id=instance_id)
            )
        activations = self.session.scalars(
            select(Activation).where(Activation.instance_id == instance_id).order_by(Activation.seq)
        ).all()
        plan = self._plan(instance, activations)
        if not plan.ok:
            return plan
        tasks = self.session.scalars(select(Task).where(Task.instance_id == instance_id)).all()
        before = dict(instance.values or {})
        drafts = {}
        was_at = {a.id: a.node_id for a in activations if a.id in plan.moved_activations}
        for activation in activations:
            if activation.id in plan.moved_activations:
                activation.node_id = plan.moved_activations[activation.id]
        for task in tasks:
            if task.activation_id in plan.moved_activations:
                task.node_id = plan.moved_activations[task.activation_id]
            if task.draft and task.draft.get("values"):
                drafts[task.id] = task.draft
                kept = {
                    self.mapping.fields[key]: value
                    for key, value in task.draft["values"].items()
                    if self.mapping.fields.get(key)
                }
                task.draft = {**task.draft, "values": kept}
        for member in ("resubmit_to", "error_node"):
            if getattr(instance, member) is not None:
                setattr(instance, member, self.mapping.nodes[getattr(instance, member)])
        instance.definition_version_id = self.new_id
        instance.values = plan.values
        self._carry_files(instance_id, plan)
        instance.updated_at = utcnow()
        audit.know_head(self.session, instance.id, instance.audit_count, instance.audit_head)
        audit.append(
            self.session,
            instance.id,
            MIGRATED,
            actor_id=self.actor_id,
            detail={
                "from_version": self.old_number,
                "to_version": self.new_number,
                "from_version_id": self.old_id,
                "to_version_id": self.new_id,
                "mapping": self.mapping.as_json(),
                # activation id -> the node it stood at (its tasks with it), for the way back
                "was_at": {str(a): node for a, node in was_at.items()},
                "lost": plan.lost_data(),
                "defaults": plan.defaults,
                "renamed": plan.renamed,
                "values_before": before,
                "drafts_before": {str(k): v for k, v in drafts.items()},
            },
        )
        return plan

    def _carry_files(self, instance_id: int, plan: InstancePlan) -> None:
        """Downloads are checked against the field a file is attached to (issue 17,
        defect 6): a file field under a new key attaches its files there too (the old rows
        stay, as a field's history does)."""
        renamed = {old: new for old, new in plan.renamed.items() if new in self._upload_fields}
        if not renamed:
            return
        rows = self.session.execute(
            select(InstanceAttachment.field_key, InstanceAttachment.attachment_id).where(
                InstanceAttachment.instance_id == instance_id,
                InstanceAttachment.field_key.in_(renamed),
            )
        ).all()
        have = set(rows)
        self.session.add_all(
            InstanceAttachment(
                instance_id=instance_id, field_key=renamed[key], attachment_id=file_id
            )
            for key, file_id in rows
            if (renamed[key], file_id) not in have
        )

    def _record_run(self, report: Report) -> None:
        counts = report.counts()
        self.session.add(
            DefinitionEvent(
                definition_id=self.definition_id,
                version_id=self.new_id,
                action="instances_migrated",
                actor_id=self.actor_id,
                detail={
                    "from_version": self.old_number,
                    "to_version": self.new_number,
                    "migrated": counts["migratable"],
                    "refused": counts["refused"],
                    "mapping": self.mapping.as_json(),
                },
            )
        )
        unit_of_work(self.session).run(lambda: None, conflicts=())


def _gone(instance_id: int, reason: str) -> InstancePlan:
    """The plan of an instance that left the version while the run went on."""
    return InstancePlan(instance_id, "", "", [], [], {}, {}, {}, {}, refused=[reason])


def _version(session: Session, version_id: int) -> DefinitionVersion:
    return session.get(DefinitionVersion, version_id)


# Back -------------------------------------------------------------------------------------


def last_migration(session: Session, instance: Instance) -> AuditEntry | None:
    """The instance's migration entry, if it is its trail's last entry (nothing happened
    on the instance since: every command writes to the trail)."""
    if not instance.audit_count:
        return None
    last = session.scalar(
        select(AuditEntry).where(
            AuditEntry.instance_id == instance.id, AuditEntry.seq == instance.audit_count
        )
    )
    if last is None or last.event != MIGRATED:
        return None
    if last.detail.get("to_version_id") != instance.definition_version_id:
        return None
    return last


def returnable(session: Session, limit: int = 300) -> list[tuple[Instance, AuditEntry]]:
    """Migrated instances that can still go back (their last trail entry is the migration),
    the latest migrated first, with that entry."""
    return [
        (instance, entry)
        for instance, entry in session.execute(
            select(Instance, AuditEntry)
            .join(
                AuditEntry,
                (AuditEntry.instance_id == Instance.id) & (AuditEntry.seq == Instance.audit_count),
            )
            .where(AuditEntry.event == MIGRATED, Instance.status.in_(CANDIDATE_STATUSES))
            .order_by(AuditEntry.at.desc(), Instance.id.desc())
            .limit(limit)
        )
    ]


def migrate_back(session: Session, actor_id: int | None, instance_id: int) -> Instance:
    """Undo instance ``instance_id``'s migration in one transaction: its version, values,
    nodes and task drafts as they were; refused once anything has happened on it since."""

    def work() -> Instance:
        instance = session.get(Instance, instance_id)
        if instance is None:
            raise MigrationRefusedError(gettext("There is no such instance."))
        entry = last_migration(session, instance)
        if entry is None:
            raise MigrationRefusedError(
                gettext(
                    "Instance %(id)s cannot be migrated back: something has happened on it "
                    "since it was migrated, or it was not migrated.",
                    id=instance_id,
                )
            )
        detail = entry.detail
        nodes = detail["mapping"]["nodes"]
        was_at = {int(a): node for a, node in detail["was_at"].items()}
        # Where the instance goes back to on resubmission: the one old node mapped there.
        inverse = {new: old for old, new in nodes.items() if new is not None}
        for activation in session.scalars(
            select(Activation).where(Activation.instance_id == instance_id)
        ):
            if activation.id in was_at:
                activation.node_id = was_at[activation.id]
        drafts = {int(k): v for k, v in detail.get("drafts_before", {}).items()}
        for task in session.scalars(select(Task).where(Task.instance_id == instance_id)):
            if task.activation_id in was_at:
                task.node_id = was_at[task.activation_id]
            if task.id in drafts:
                task.draft = drafts[task.id]
        for member in ("resubmit_to", "error_node"):
            at = getattr(instance, member)
            if at is not None:
                setattr(instance, member, inverse.get(at, at))
        instance.definition_version_id = detail["from_version_id"]
        instance.values = detail["values_before"]
        instance.updated_at = utcnow()
        audit.know_head(session, instance.id, instance.audit_count, instance.audit_head)
        audit.append(
            session,
            instance.id,
            MIGRATED_BACK,
            actor_id=actor_id,
            detail={
                "from_version": detail["to_version"],
                "to_version": detail["from_version"],
                "from_version_id": detail["to_version_id"],
                "to_version_id": detail["from_version_id"],
                "migration_entry": entry.seq,
            },
        )
        return instance

    return unit_of_work(session).run(work)


__all__ = ["MappingError", "Migration", "MigrationRefusedError", "Report", "migrate_back"]
