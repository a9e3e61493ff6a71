"""The review lifecycle of definitions (regulations §2.1.2, §2.3, §3.1, §3.2), as commands.

IT designs (drafts) and submits; the Management Center approves, or rejects with an opinion;
IT publishes. A published version is immutable; new instances take the latest published
version; a definition can be withdrawn from new use. Every step writes a
:class:`~form_builder.models.DefinitionEvent`. Commands add to the caller's session and never
commit: the view or CLI commits once, so a failed step changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from form_builder.directory import Directory
from form_builder.exceptions import DefinitionInvalidError, LifecycleError, Problem
from form_builder.format import load_document
from form_builder.models import DefinitionEvent, DefinitionVersion, ProcessDefinition
from form_builder.models import VersionStatus as Status
from form_builder.validator import NodeTypeSpec, validate

DESIGNER_ROLES = frozenset({"Admin", "Process Designer"})
REVIEWER_ROLES = frozenset({"Management Center"})
WORKING = (Status.DRAFT, Status.SUBMITTED, Status.APPROVED)


class Actor(Protocol):
    """The signed-in user (FAB's ``User``): an id and roles with names."""

    id: int
    roles: list[Any]


class Lifecycle:
    """The lifecycle commands, bound to a session, the node types and the org directory.

    ``actor`` None stands for the command line, which runs with the server's own authority
    (it is recorded so in the history).
    """

    def __init__(
        self, session: Session, node_types: Mapping[str, NodeTypeSpec], directory: Directory
    ):
        self.session = session
        self.node_types = node_types
        self.directory = directory

    # Design (IT) ------------------------------------------------------------------------

    def save_draft(self, actor: Actor | None, data: Any) -> DefinitionVersion:
        """Create or update the draft version of the definition the document's key names.

        The document must follow the format (JSON Schema); full validation happens on
        submission. A definition under review (submitted or approved) takes no new draft.
        """
        _require(actor, DESIGNER_ROLES, "design process forms")
        document = load_document(data)
        department_id = self._department_id(document)
        definition = self.definition(document["key"], missing_ok=True)
        if definition is None:
            definition = ProcessDefinition(
                key=document["key"],
                name=document["name"],
                category=document["category"],
                department_id=department_id,
            )
            self.session.add(definition)
            self.session.flush()
        working = self.working_version(definition)
        if working is not None and working.status is not Status.DRAFT:
            raise LifecycleError(
                f"version {working.number} of '{definition.key}' is {working.status}: "
                "a new draft can be made after it is published or rejected"
            )
        if working is None:
            working = DefinitionVersion(
                definition=definition,
                number=self._next_number(definition),
                status=Status.DRAFT,
                document=document,
                created_by_id=_id(actor),
            )
            self.session.add(working)
            self.session.flush()
            self._record(definition, working, "draft_created", actor)
        elif working.document != document:
            working.document = document
            self._record(definition, working, "draft_saved", actor)
        return working

    def submit(self, actor: Actor | None, version: DefinitionVersion) -> None:
        """Send a draft to the Management Center; it must pass publish-time validation."""
        _require(actor, DESIGNER_ROLES, "submit process forms for review")
        _expect(version, Status.DRAFT, Status.SUBMITTED)
        self.ensure_valid(version.document)
        version.status = Status.SUBMITTED
        version.submitted_by_id = _id(actor)
        self._record(version.definition, version, "submitted", actor)

    def publish(self, actor: Actor | None, version: DefinitionVersion) -> None:
        """Make an approved version the one new instances use.

        Validated again: users or node types it names may have gone since the review.
        """
        _require(actor, DESIGNER_ROLES, "publish process forms")
        _expect(version, Status.APPROVED, Status.PUBLISHED)
        self.ensure_valid(version.document)
        definition = version.definition
        document = version.document
        definition.name = document["name"]
        definition.category = document["category"]
        definition.department_id = self._department_id(document)
        # All in one flush: once stored as published, the version refuses any change.
        version.status = Status.PUBLISHED
        version.published_at = utcnow()
        version.published_by_id = _id(actor)
        self._record(definition, version, "published", actor)

    def withdraw(self, actor: Actor | None, definition: ProcessDefinition, reason: str) -> None:
        """Stop new instances of a definition; running instances are not touched."""
        _require(actor, DESIGNER_ROLES, "withdraw process forms")
        reason = _opinion(reason, "withdrawing")
        if definition.withdrawn_at is not None:
            raise LifecycleError(f"'{definition.key}' is already withdrawn")
        definition.withdrawn_at = utcnow()
        self._record(definition, None, "withdrawn", actor, reason)

    def reinstate(self, actor: Actor | None, definition: ProcessDefinition) -> None:
        """Allow new instances of a withdrawn definition again."""
        _require(actor, DESIGNER_ROLES, "reinstate process forms")
        if definition.withdrawn_at is None:
            raise LifecycleError(f"'{definition.key}' is not withdrawn")
        definition.withdrawn_at = None
        self._record(definition, None, "reinstated", actor)

    # Review (Management Center) ---------------------------------------------------------

    def approve(self, actor: Actor, version: DefinitionVersion, opinion: str = "") -> None:
        """Approve a submitted version (an opinion is optional, as "agree" is in §3.5)."""
        self._review(actor, version, Status.APPROVED, opinion.strip() or None)

    def reject(self, actor: Actor, version: DefinitionVersion, opinion: str) -> None:
        """Send a submitted version back; the opinion saying why is required."""
        self._review(actor, version, Status.REJECTED, _opinion(opinion, "rejecting"))

    def _review(self, actor, version, target: Status, opinion: str | None) -> None:
        _require(actor, REVIEWER_ROLES, "review process forms", allow_cli=False)
        if actor.id in {version.created_by_id, version.submitted_by_id}:
            raise LifecycleError("a version is reviewed by someone other than its author")
        _expect(version, Status.SUBMITTED, target)
        version.status = target
        version.reviewed_by_id = actor.id
        version.review_opinion = opinion
        self._record(version.definition, version, str(target), actor, opinion)

    # Queries ----------------------------------------------------------------------------

    def definition(self, key: str, missing_ok: bool = False) -> ProcessDefinition | None:
        found = self.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key))
        if found is None and not missing_ok:
            raise LifecycleError(f"there is no definition '{key}'")
        return found

    def working_version(self, definition: ProcessDefinition) -> DefinitionVersion | None:
        """The version being designed or reviewed, if any (at most one at a time)."""
        query = select(DefinitionVersion).where(
            DefinitionVersion.definition_id == definition.id,
            DefinitionVersion.status.in_(WORKING),
        )
        return self.session.scalar(query)

    def version_for_new_instance(self, key: str) -> DefinitionVersion:
        """The latest published version of a definition open for new use."""
        definition = self.definition(key)
        if definition.withdrawn_at is not None:
            raise LifecycleError(f"'{definition.name}' is withdrawn and starts no new instances")
        version = definition.latest_published()
        if version is None:
            raise LifecycleError(f"'{definition.name}' has no published version")
        return version

    def problems(self, document: Mapping[str, Any]) -> list[Problem]:
        return validate(document, self.node_types, self.directory)

    def ensure_valid(self, document: Mapping[str, Any]) -> None:
        problems = self.problems(document)
        if problems:
            raise DefinitionInvalidError(problems, "The definition cannot be published")

    # Helpers ----------------------------------------------------------------------------

    def _department_id(self, document: Mapping[str, Any]) -> int:
        department_id = self.directory.department_id(document["department"])
        if department_id is None:
            message = (
                f"department '{document['department']}' does not exist (or is ambiguous: "
                "write it as COMPANY/CODE)"
            )
            raise DefinitionInvalidError([Problem("$.department", message)])
        return department_id

    def _next_number(self, definition: ProcessDefinition) -> int:
        query = select(func.max(DefinitionVersion.number)).where(
            DefinitionVersion.definition_id == definition.id
        )
        return (self.session.scalar(query) or 0) + 1

    def _record(self, definition, version, action: str, actor, opinion=None, **detail) -> None:
        self.session.add(
            DefinitionEvent(
                definition=definition,
                version=version,
                action=action,
                actor_id=_id(actor),
                opinion=opinion,
                detail={"by": "command line"} if actor is None else detail,
            )
        )


def _expect(version: DefinitionVersion, source: Status, target: Status) -> None:
    """Refuse an illegal transition (checked before anything changes)."""
    if version.status is not source:
        raise LifecycleError(
            f"version {version.number} of '{version.definition.key}' is {version.status}; "
            f"only a {source} version can become {target}"
        )


def _require(actor, roles: frozenset[str], what: str, allow_cli: bool = True) -> None:
    if actor is None and allow_cli:
        return
    names = {role.name for role in getattr(actor, "roles", [])}
    if not names & roles:
        raise LifecycleError(f"only {' or '.join(sorted(roles))} may {what}")


def _opinion(text: str, doing: str) -> str:
    text = (text or "").strip()
    if not text:
        raise LifecycleError(f"an opinion is required when {doing}")
    return text


def _id(actor) -> int | None:
    return None if actor is None else actor.id
