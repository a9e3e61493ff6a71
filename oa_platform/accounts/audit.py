"""Recording account events (log-ins, password changes and resets, deactivations, roles).

Events are added to the caller's session so they commit, or roll back, with the change they
describe. Role changes are caught at flush time, so every path that edits roles (FAB's user
views, the CLI, the import) is audited without each one remembering to.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session, attributes

from oa_platform.accounts.models import AccountEvent, OAUser


def _current_actor_id() -> int | None:
    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    try:
        return user.id if user is not None and user.is_authenticated else None
    except AttributeError:
        return None


def record_account_event(
    session: Session,
    kind: str,
    *,
    subject: OAUser | None = None,
    subject_username: str | None = None,
    actor_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AccountEvent:
    """Add one account event to ``session`` (not committed here).

    ``actor_id`` defaults to the signed-in user of the current request; the client address
    comes from the request when there is one (CLI and Celery events have none).
    """
    entry = AccountEvent(
        kind=kind,
        actor_id=actor_id if actor_id is not None else _current_actor_id(),
        subject=subject,
        subject_username=subject_username or (subject.username if subject else None),
        remote_addr=request.remote_addr if has_request_context() else None,
        detail=detail or {},
    )
    session.add(entry)
    return entry


def _role_names(roles) -> list[str]:
    return sorted(role.name for role in roles)


@event.listens_for(Session, "before_flush")
def _audit_role_changes(session: Session, _flush_context, _instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, OAUser):
            continue
        history = attributes.get_history(obj, "roles")
        if not (history.added or history.deleted):
            continue
        record_account_event(
            session,
            "role_change",
            subject=obj,
            detail={"added": _role_names(history.added), "removed": _role_names(history.deleted)},
        )
