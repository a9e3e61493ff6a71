"""Carrying one change out on the organisation tables, and saying what changed.

Called inside the apply command's transaction (``commands.apply_change``), and inside a
savepoint by the impact analysis to see the organisation as it will be. Each function
returns the list of what it changed (``{"what", "unit", "from", "to"}``) for the request's
record; a change that cannot be made raises :class:`ChangeRefusedError` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.org.directory import OrgDirectory
from oa_platform.org.models import Department, Position
from oa_platform.orgchange.changes import Change
from oa_platform.runtime.assignees import is_active

Changed = list[dict[str, Any]]


class ChangeRefusedError(ValueError):
    """The change cannot be made as the request gives it; the message names the field."""


def department_code(department: Department | None) -> str | None:
    """``COMPANY/CODE``, as definitions and department fields name a department."""
    if department is None:
        return None
    return f"{department.company.code}/{department.code}"


def _name(user: OAUser | None) -> str | None:
    return user.username if user is not None else None


def find_user(session: Session, username: str | None, what: str) -> OAUser:
    """The active account ``username``; refused naming the field ``what`` otherwise."""
    user = None
    if username:
        user = session.scalar(select(OAUser).where(func.lower(OAUser.username) == username.lower()))
    if user is None or not is_active(user):
        raise ChangeRefusedError(
            gettext("%(field)s: %(name)s is not an active user.", field=what, name=username or "")
        )
    return user


def find_department(session: Session, code: str | None, what: str) -> Department:
    """The department ``code`` names; refused naming the field ``what`` otherwise."""
    department_id = OrgDirectory(session).department_id(code) if code else None
    if department_id is None:
        raise ChangeRefusedError(
            gettext("%(field)s: there is no department %(code)s.", field=what, code=code or "")
        )
    return session.get(Department, department_id)


def find_position(session: Session, name: str | None) -> Position | None:
    if not name:
        return None
    position = session.scalar(select(Position).where(Position.name == name))
    if position is None:
        raise ChangeRefusedError(
            gettext("Position: there is no position called %(name)s.", name=name)
        )
    return position


def _place(session: Session, change: Change, verb: str) -> Changed:
    person = find_user(session, change.person, gettext("Person"))
    department = find_department(session, change.department, gettext("Department"))
    position = find_position(session, change.position)
    changed: Changed = []
    if person.department_id != department.id:
        changed.append(
            {
                "what": f"user.{verb}",
                "unit": person.username,
                "from": department_code(person.department),
                "to": department_code(department),
            }
        )
        person.department = department
    if position is not None and person.position_id != position.id:
        changed.append(
            {
                "what": "user.position",
                "unit": person.username,
                "from": person.position.name if person.position else None,
                "to": position.name,
            }
        )
        person.position = position
    return changed


def _join(session: Session, change: Change) -> Changed:
    return _place(session, change, "department")


def _move(session: Session, change: Change) -> Changed:
    changed = _place(session, change, "department")
    if not changed:
        raise ChangeRefusedError(
            gettext("Department: %(name)s is already there.", name=change.person or "")
        )
    return changed


def _leave(session: Session, change: Change, preview: bool = False) -> Changed:
    from oa_platform.accounts.commands import deactivate_user

    person = find_user(session, change.person, gettext("Person"))
    successor = (
        find_user(session, change.successor, gettext("Work handed over to"))
        if change.successor
        else None
    )
    if successor is not None and successor.id == person.id:
        raise ChangeRefusedError(
            gettext("Work handed over to: a person cannot succeed themselves.")
        )
    if preview:
        # The impact analysis only asks who resolves to whom afterwards; the hand-over of
        # the open tasks (listed by the analysis itself) is left to the real change.
        person.active = False
        person.deactivated_at = utcnow()
    else:
        # The account closes as HR's deactivation closes it (§4.2): its open tasks are
        # handed over in the same transaction (runtime/handover.py).
        deactivate_user(None, person, successor)
    return [
        {
            "what": "user.deactivated",
            "unit": person.username,
            "from": "active",
            "to": _name(successor) or "head",
        }
    ]


def _create(session: Session, change: Change) -> Changed:
    parent = find_department(session, change.department, gettext("Department"))
    code = change.new_code or ""
    taken = session.scalar(
        select(Department.id).where(
            Department.company_id == parent.company_id, func.lower(Department.code) == code.lower()
        )
    )
    if taken is not None:
        raise ChangeRefusedError(
            gettext("Department code: %(code)s is taken in this company.", code=code)
        )
    created = Department(
        company=parent.company,
        code=code,
        name=change.new_name,
        name_zh=change.new_name_zh,
        parent=parent,
    )
    session.add(created)
    session.flush()
    return [
        {
            "what": "department.created",
            "unit": department_code(created),
            "from": None,
            "to": department_code(parent),
        }
    ]


def _rename(session: Session, change: Change) -> Changed:
    department = find_department(session, change.department, gettext("Department"))
    changed = [
        {
            "what": "department.name",
            "unit": department_code(department),
            "from": department.name,
            "to": change.new_name,
        }
    ]
    department.name = change.new_name or department.name
    if change.new_name_zh:
        changed.append(
            {
                "what": "department.name_zh",
                "unit": department_code(department),
                "from": department.name_zh,
                "to": change.new_name_zh,
            }
        )
        department.name_zh = change.new_name_zh
    return changed


def _merge(session: Session, change: Change) -> Changed:
    department = find_department(session, change.department, gettext("Department"))
    target = find_department(session, change.target_department, gettext("Merged into / new parent"))
    if target.id == department.id or department in target.ancestors():
        raise ChangeRefusedError(
            gettext("Merged into / new parent: a department cannot merge into itself or its own.")
        )
    changed: Changed = []
    members = session.scalars(select(OAUser).where(OAUser.department_id == department.id))
    for member in members:
        changed.append(
            {
                "what": "user.department",
                "unit": member.username,
                "from": department_code(department),
                "to": department_code(target),
            }
        )
        member.department = target
    for child in list(department.children):
        changed.append(
            {
                "what": "department.parent",
                "unit": department_code(child),
                "from": department_code(department),
                "to": department_code(target),
            }
        )
        child.parent = target
    return changed


def _move_department(session: Session, change: Change) -> Changed:
    department = find_department(session, change.department, gettext("Department"))
    target = find_department(session, change.target_department, gettext("Merged into / new parent"))
    if target.company_id != department.company_id:
        raise ChangeRefusedError(
            gettext("Merged into / new parent: departments nest within one company.")
        )
    if target.id == department.id or department in target.ancestors():
        raise ChangeRefusedError(
            gettext("Merged into / new parent: a department cannot sit under itself or its own.")
        )
    changed = [
        {
            "what": "department.parent",
            "unit": department_code(department),
            "from": department_code(department.parent),
            "to": department_code(target),
        }
    ]
    department.parent = target
    return changed


def _leadership(attribute: str) -> Callable[[Session, Change], Changed]:
    def change_it(session: Session, change: Change) -> Changed:
        department = find_department(session, change.department, gettext("Department"))
        person = find_user(session, change.person, gettext("Person"))
        old = getattr(department, attribute)
        if old is not None and old.id == person.id:
            raise ChangeRefusedError(
                gettext("Person: %(name)s already holds it.", name=person.username)
            )
        setattr(department, attribute, person)
        return [
            {
                "what": f"department.{attribute}",
                "unit": department_code(department),
                "from": _name(old),
                "to": person.username,
            }
        ]

    return change_it


def _delegates(session: Session, change: Change) -> Changed:
    department = find_department(session, change.department, gettext("Department"))
    person = find_user(session, change.person, gettext("Person"))
    old = sorted(user.username for user in department.reset_delegates)
    department.reset_delegates = [person]
    return [
        {
            "what": "department.reset_delegates",
            "unit": department_code(department),
            "from": ", ".join(old) or None,
            "to": person.username,
        }
    ]


def _position(session: Session, change: Change) -> Changed:
    person = find_user(session, change.person, gettext("Person"))
    position = find_position(session, change.position)
    if position is None or person.position_id == position.id:
        raise ChangeRefusedError(
            gettext("Position: %(name)s already holds it.", name=person.username)
        )
    old = person.position.name if person.position else None
    person.position = position
    return [{"what": "user.position", "unit": person.username, "from": old, "to": position.name}]


def _limit(session: Session, change: Change) -> Changed:
    # An approval limit lives in the definitions' conditions: IT revises those (the impact
    # analysis lists them); the organisation itself has nothing to change.
    return [{"what": "approval_limit", "unit": change.department, "from": None, "to": None}]


APPLY: dict[str, Callable[[Session, Change], Changed]] = {
    "person_join": _join,
    "person_move": _move,
    "person_leave": _leave,
    "department_create": _create,
    "department_rename": _rename,
    "department_merge": _merge,
    "department_move": _move_department,
    "head_change": _leadership("head"),
    "leader_change": _leadership("leader_in_charge"),
    "reset_delegates": _delegates,
    "position_change": _position,
    "approval_limit": _limit,
}


def carry_out(session: Session, change: Change, *, preview: bool = False) -> Changed:
    """Make ``change`` on the organisation tables (flushed, not committed). ``preview``: for
    the impact analysis's savepoint, the organisation only (a leaver's tasks stay put)."""
    if preview and change.kind.code == "person_leave":
        changed = _leave(session, change, preview=True)
    else:
        changed = APPLY[change.kind.code](session, change)
    session.flush()
    return changed


__all__ = ["APPLY", "ChangeRefusedError", "carry_out", "department_code"]
