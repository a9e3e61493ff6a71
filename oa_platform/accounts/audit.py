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

from oa_platform.accounts.exceptions import RoleChangeRefusedError
from oa_platform.accounts.models import AccountEvent, OAUser
from oa_platform.org.models import Department


def _current_actor() -> OAUser | None:
    """The signed-in person of the current request, or None (CLI, jobs, anonymous)."""
    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    try:
        return user if user is not None and user.is_authenticated else None
    except AttributeError:
        return None


def _current_actor_id() -> int | None:
    actor = _current_actor()
    return actor.id if actor is not None else None


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
    """Audit every change of roles and refuse the ones ``authority`` forbids the person
    acting, whichever path made it (FAB's forms, a future API): the forms leave such
    changes out, this is the server's word."""
    from oa_platform.accounts import authority

    actor = _current_actor()
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, OAUser):
            continue
        history = attributes.get_history(obj, "roles")
        if not (history.added or history.deleted):
            continue
        added, removed = _role_names(history.added), _role_names(history.deleted)
        refusal = authority.role_change_refusal(actor, obj, added, removed)
        if refusal is not None:
            raise RoleChangeRefusedError(refusal)
        record_account_event(
            session, "role_change", subject=obj, detail={"added": added, "removed": removed}
        )


@event.listens_for(Session, "before_flush")
def _track_department_moves(session: Session, _flush_context, _instances) -> None:
    """A new account's department counts for resets at once; a move of an existing one is
    audited and counts only once Admin confirms it (a move Admin makes is confirmed by it),
    so HR cannot move someone under a head of its choosing and reset them (§4.1)."""
    from oa_platform.accounts import authority

    for obj in session.new:
        if not isinstance(obj, OAUser) or obj.confirmed_department_id is not None:
            continue
        if obj.confirmed_department is None:
            if obj.department is not None:
                obj.confirmed_department = obj.department
            else:
                obj.confirmed_department_id = obj.department_id
    actor = _current_actor()
    for obj in session.dirty:
        if not isinstance(obj, OAUser):
            continue
        before_id, after_id = _department_change(obj)
        if before_id == after_id:
            continue  # a form re-set the same department: no move
        confirmed = authority.is_admin(actor)
        if confirmed:
            obj.confirmed_department_id = after_id
            if obj.department is not None:
                obj.confirmed_department = obj.department
        with session.no_autoflush:
            before = session.get(Department, before_id) if before_id is not None else None
        record_account_event(
            session,
            "department_move",
            subject=obj,
            detail={
                "from": str(before) if before is not None else None,
                "to": str(obj.department) if obj.department is not None else None,
                "confirmed": confirmed,
            },
        )


def _department_change(user: OAUser) -> tuple[int | None, int | None]:
    """(stored, new) department ids of ``user`` before its flush: a form sets the
    relationship, the import or a script may set the column."""
    column = attributes.get_history(user, "department_id")
    before = (column.deleted or column.unchanged or [None])[0]
    relation = attributes.get_history(user, "department")
    if relation.added:
        unit = relation.added[0]
        return before, unit.id if unit is not None else None
    if column.added:
        return before, column.added[0]
    return before, before
