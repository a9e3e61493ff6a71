"""Who may do what to whose account: the one owner of the rules on roles and resets.

Views shape their forms with these answers, commands and the flush-time guard
(``accounts/audit.py``) enforce them, and *My Team* lists exactly the people
``may_reset_password`` allows, so a page can never offer what the server refuses.

- Roles (issue 17, defect 1): Admin grants any role, HR only roles outside
  ``PRIVILEGED_ROLES``; nobody changes the roles of their own account.
- Resets (regulations §4.1): the head of the account's department, or of a department above
  it, or an administrator such a head designated, resets an ordinary account. The department
  counted is the one Admin last confirmed (``confirmed_department``): a move by HR gives the
  new head no reset right until Admin confirms it. Privileged accounts are reset by Admin
  only, whoever heads their department.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from oa_platform.accounts.models import OAUser
from oa_platform.org.models import Department
from oa_platform.roles import PRIVILEGED_ROLES

HR_ROLE = "HR"


def role_names(user: OAUser | None) -> frozenset[str]:
    """The names of ``user``'s roles, their groups' included (FAB counts both)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    names = {role.name for role in user.roles}
    for group in getattr(user, "groups", None) or []:
        names.update(role.name for role in group.roles)
    return frozenset(names)


def _admin_role() -> str:
    return current_app.config.get("AUTH_ROLE_ADMIN", "Admin")


def is_admin(user: OAUser | None) -> bool:
    return _admin_role() in role_names(user)


def is_privileged(user: OAUser) -> bool:
    """An account only Admin manages: it holds Admin, Auditor or Process Designer."""
    return bool(role_names(user) & PRIVILEGED_ROLES)


def may_grant(actor: OAUser | None, role: str) -> bool:
    """Whether ``actor`` may give ``role`` to, or take it from, someone else's account."""
    held = role_names(actor)
    if _admin_role() in held:
        return True
    return HR_ROLE in held and role not in PRIVILEGED_ROLES and role != _admin_role()


def grantable_roles(actor: OAUser | None, all_roles: Iterable[str]) -> frozenset[str]:
    """The roles of ``all_roles`` that ``actor`` may grant (what their role choices list)."""
    return frozenset(role for role in all_roles if may_grant(actor, role))


def role_change_refusal(
    actor: OAUser | None, target: OAUser, added: Iterable[str], removed: Iterable[str]
) -> str | None:
    """Why ``actor`` may not make this change to ``target``'s roles, or None if they may."""
    changed = set(added) | set(removed)
    if not changed:
        return None
    if actor is None:
        return None  # no person acting: the command line or a job, trusted as the operator
    if target.id is not None and target.id == actor.id:
        return gettext("Nobody changes the roles of their own account; ask an administrator.")
    beyond = sorted(role for role in changed if not may_grant(actor, role))
    if beyond:
        return gettext(
            "You may not grant or remove these roles: %(roles)s.",
            roles=", ".join(gettext(role) for role in beyond),
        )
    return None


def may_reset_password(actor: OAUser | None, target: OAUser) -> bool:
    """§4.1, as the module docstring says; nobody resets their own password this way."""
    if actor is None or not actor.is_active or actor.id == target.id:
        return False
    if is_privileged(target):
        return is_admin(actor)
    department = target.confirmed_department
    if department is None:
        return False
    for unit in [department, *department.ancestors()]:
        if unit.head_id == actor.id or any(d.id == actor.id for d in unit.reset_delegates):
            return True
    return False


def resettable_users(session: Session, actor: OAUser) -> list[OAUser]:
    """Everyone whose password ``actor`` may reset, by user name (the *My Team* page)."""
    units = heads_units(session, actor)
    # Sub-departments count too: a head answers for the units below theirs.
    unit_ids: set[int] = set()
    pending = list(units)
    while pending:
        unit = pending.pop()
        if unit.id not in unit_ids:
            unit_ids.add(unit.id)
            pending.extend(unit.children)
    # The rule reads each member's roles and groups, the page their department and its
    # company: loaded with the members, a handful of queries however large the team.
    members = select(OAUser).options(
        selectinload(OAUser.roles),
        selectinload(OAUser.groups),
        selectinload(OAUser.department).selectinload(Department.company),
    )
    candidates = set(
        session.scalars(members.where(OAUser.confirmed_department_id.in_(unit_ids))).all()
    )
    if is_admin(actor):
        candidates.update(
            user
            for user in session.scalars(members.where(OAUser.roles.any())).all()
            if is_privileged(user)
        )
    return sorted(
        (user for user in candidates if may_reset_password(actor, user)),
        key=lambda user: user.username,
    )


def heads_units(session: Session, actor: OAUser) -> list[Department]:
    """The departments ``actor`` heads or resets for (what *My Team* names)."""
    return list(
        session.scalars(
            select(Department).where(
                (Department.head_id == actor.id)
                | Department.reset_delegates.any(OAUser.id == actor.id)
            )
        ).all()
    )
