"""The org structure as it was at a moment (§8.6): every change of a department's head or
leader in charge, and of a person's department, is kept with the moment it took effect.

Kept by a ``before_flush`` listener on every ORM session, so changes made anywhere (the
Departments pages, HR's import, the demo data, an org change) are recorded in the
transaction that makes them. A department or person with no history row (created before the
history was kept) reads as it is now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.inspection.models import DepartmentHistory, PersonHistory


def _changed(obj, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _ids(obj, key: str, relation: str):
    """The id the object will hold after the flush: a relationship set in this flush wins
    over its column, which the flush only then fills from it."""
    state = inspect(obj)
    changed = state.attrs[relation].history
    if changed.added:
        related = changed.added[0]
        return getattr(related, "id", None) if related is not None else None
    if changed.deleted and not state.attrs[key].history.has_changes():
        return None
    return getattr(obj, key)


def record_changes(session: Session, flush_context=None, instances=None) -> None:
    """Add a history row for each department or person whose head, leader or department is
    new or changed in this flush."""
    from oa_platform.accounts.models import OAUser
    from oa_platform.org.models import Department

    now = utcnow()
    pending = [*session.new, *session.dirty]
    departments = [
        obj
        for obj in pending
        if isinstance(obj, Department)
        and (
            obj in session.new
            or _changed(obj, "head_id", "leader_in_charge_id", "head", "leader_in_charge")
        )
    ]
    people = [
        obj
        for obj in pending
        if isinstance(obj, OAUser)
        and (obj in session.new or _changed(obj, "department_id", "department"))
    ]
    if not departments and not people:
        return
    if any(obj.id is None for obj in [*departments, *people]):
        # Ids come with the flush: recorded right after it (_after_flush).
        session.info.setdefault("inspection_history", []).extend([*departments, *people])
        return
    _write(session, departments, people, now)


def _write(session: Session, departments, people, now: datetime) -> None:
    from oa_platform.org.models import Department

    for obj in departments:
        session.add(
            DepartmentHistory(
                department_id=obj.id,
                head_id=_ids(obj, "head_id", "head"),
                leader_in_charge_id=_ids(obj, "leader_in_charge_id", "leader_in_charge"),
                valid_from=now,
            )
        )
    for obj in people:
        if isinstance(obj, Department):
            continue
        session.add(
            PersonHistory(
                user_id=obj.id,
                department_id=_ids(obj, "department_id", "department"),
                valid_from=now,
            )
        )


def _after_flush(session: Session, flush_context) -> None:
    """Objects that had no id before the flush are recorded once they have one."""
    from oa_platform.accounts.models import OAUser
    from oa_platform.org.models import Department

    waiting = session.info.pop("inspection_history", None)
    if not waiting:
        return
    now = utcnow()
    departments = [obj for obj in waiting if isinstance(obj, Department) and obj.id is not None]
    people = [obj for obj in waiting if isinstance(obj, OAUser) and obj.id is not None]
    _write(session, departments, people, now)


def init_app() -> None:
    """Listen to every session's flushes (once per process)."""
    if not event.contains(Session, "before_flush", record_changes):
        event.listen(Session, "before_flush", record_changes)
        event.listen(Session, "after_flush_postexec", _after_flush)


def leadership_at(
    session: Session, department_id: int, at: datetime
) -> tuple[int | None, int | None]:
    """(head, leader in charge) of ``department_id`` at ``at``."""
    from oa_platform.org.models import Department

    row = session.execute(
        select(DepartmentHistory.head_id, DepartmentHistory.leader_in_charge_id)
        .where(DepartmentHistory.department_id == department_id, DepartmentHistory.valid_from <= at)
        .order_by(DepartmentHistory.valid_from.desc(), DepartmentHistory.id.desc())
        .limit(1)
    ).first()
    if row is not None:
        return row[0], row[1]
    department = session.get(Department, department_id)
    if department is None:
        return None, None
    return department.head_id, department.leader_in_charge_id


def department_at(session: Session, user_id: int, at: datetime) -> int | None:
    """The department ``user_id`` was in at ``at``."""
    from oa_platform.accounts.models import OAUser

    row = session.execute(
        select(PersonHistory.department_id)
        .where(PersonHistory.user_id == user_id, PersonHistory.valid_from <= at)
        .order_by(PersonHistory.valid_from.desc(), PersonHistory.id.desc())
        .limit(1)
    ).first()
    if row is not None:
        return row[0]
    person = session.get(OAUser, user_id)
    return person.department_id if person is not None else None
