"""Who handles a node: the definition's assignee rule resolved against today's organisation.

Deactivated users never receive tasks. Departments in rules and picker values are
``COMPANY/CODE`` or a code unique across companies (see ``OrgDirectory``).

The owner of regulations §8.6 (level-by-level control) for who handles a node: nobody
decides on their own request (:func:`keep_initiator_off`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import Select, bindparam, case, exists, func, select
from sqlalchemy.orm import Session

from form_builder.spec import SelfApproval
from oa_platform.accounts.models import OAUser
from oa_platform.agents.models import AgentDelegation
from oa_platform.org.directory import OrgDirectory
from oa_platform.org.models import Company, Department, Position
from oa_platform.runtime.exceptions import AssigneeNotFoundError, NobodyAboveInitiatorError


def resolve(
    session: Session,
    rule: Mapping[str, Any],
    *,
    initiator: OAUser,
    values: Mapping[str, Any],
    node_id: str,
    undelegated: set[int] | None = None,
) -> list[OAUser]:
    """The active users the rule names, in a stable order; raises if there is none.

    ``undelegated``, when given, gets the ids of those found whom no delegation names as
    principal today (§3.4), read in the same statement as the users where the rule reads
    them by one (users, role, position, a department's own head): their tasks need no read
    of the agents."""
    kind = rule["rule"]
    today = {"today": date.today()}
    rows: list[Any] = []  # (user, whether a delegation names them today)
    users: list[OAUser | None]
    if kind == "users":
        named = list(rule["users"])
        rows = list(session.execute(_BY_NAMES, {**today, "names": named}))
        by_name = {user.username: user for user, _ in rows}
        users = [by_name.get(name) for name in named]
    elif kind == "role":
        rows = list(session.execute(_in_role(), {**today, "role": rule["role"]}))
        users = [user for user, _ in rows]
    elif kind == "department_head":
        levels = rule.get("levels", 1)
        if levels == 1 and initiator.department_id is not None:
            department = {**today, "department": initiator.department_id}
            rows = list(session.execute(_OWN_HEAD, department))
        # A department without a head passes to the one above (its tree, read as it goes).
        users = [rows[0][0] if rows else _head(initiator.department, levels)]
    elif kind == "leader_in_charge":
        department = initiator.department
        users = [department.leader_in_charge if department else None]
    elif kind == "position":
        statement, params = _position_query(rule)
        rows = list(session.execute(statement, {**today, **params}))
        users = [user for user, _ in rows]
    elif kind == "field":
        users = [_from_field(session, values.get(rule["field"]))]
    else:  # "initiator"
        users = [initiator]
    found = [u for u in dict.fromkeys(users) if u is not None and is_active(u)]
    if not found:
        raise AssigneeNotFoundError(node_id, rule)
    if undelegated is not None:
        undelegated.update(user.id for user, delegated in rows if not delegated)
    return found


def is_active(user: OAUser) -> bool:
    """Whether the account may receive tasks (active and not deactivated)."""
    return bool(user.active) and user.deactivated_at is None


def _user(session: Session, username: str) -> OAUser | None:
    return session.scalar(select(OAUser).where(OAUser.username == username))


def _head(department: Department | None, levels: int) -> OAUser | None:
    """The head ``levels`` up from the department (1: its own head); a department without a
    head passes to the one above."""
    chain = [department, *department.ancestors()] if department else []
    heads = [unit.head for unit in chain if unit.head is not None]
    return heads[levels - 1] if len(heads) >= levels else None


def _position_query(rule: Mapping[str, Any]) -> tuple[Select, dict[str, Any]]:
    """The rule's users of a position (in a department or company, if named), each with
    whether a delegation names them today: a statement built once per kind of rule, and
    its parameters."""
    if "department" in rule:
        company, _, code = rule["department"].rpartition("/")
        return _POSITION_IN_DEPARTMENT[bool(company)], {
            "position": rule["position"],
            "company": company,
            "code": code,
        }
    if "company" in rule:
        return _POSITION_IN_COMPANY, {"position": rule["position"], "company": rule["company"]}
    return _POSITION, {"position": rule["position"]}


def _in_department(with_company: bool) -> Select:
    """Users of a position in the department named by code (and company): the one
    department ``OrgDirectory.department_id`` names, none when the code is ambiguous."""
    only = case((func.count() == 1, func.min(Department.id)))  # NULL: none, or ambiguous
    department = select(only).where(Department.code == bindparam("code"))
    if with_company:
        department = department.join(Company).where(Company.code == bindparam("company"))
    department = department.scalar_subquery()
    return _POSITION.where(OAUser.department_id == department)


@cache
def _in_role() -> Select:
    # Built at first use: the user's roles are mapped once Flask-AppBuilder has set up.
    role = OAUser.roles.any(Role.name == bindparam("role"))
    return _USERS.where(role).order_by(OAUser.username)


# Statements built once. Each user comes with whether a delegation of theirs is in force
# today (whatever its categories and agent: ``agents.resolve`` decides those when it is).
_DELEGATED = (
    exists()
    .where(
        AgentDelegation.principal_id == OAUser.id,
        AgentDelegation.starts_on <= bindparam("today"),
        AgentDelegation.ends_on >= bindparam("today"),
        AgentDelegation.revoked_at.is_(None),
    )
    .label("delegated")
)
_USERS = select(OAUser, _DELEGATED)
_BY_NAMES = _USERS.where(OAUser.username.in_(bindparam("names", expanding=True)))
_OWN_HEAD = _USERS.join(Department, Department.head_id == OAUser.id).where(
    Department.id == bindparam("department")
)
_POSITION = (
    _USERS.join(Position, OAUser.position_id == Position.id)
    .where(Position.name == bindparam("position"))
    .order_by(OAUser.username)
)
_POSITION_IN_DEPARTMENT = {False: _in_department(False), True: _in_department(True)}
_POSITION_IN_COMPANY = (
    _POSITION.join(Department, OAUser.department_id == Department.id)
    .join(Company)
    .where(Company.code == bindparam("company"))
)


def _from_field(session: Session, value: Any) -> OAUser | None:
    """A user picker's user, or the head of a department picker's department."""
    if not isinstance(value, str) or not value:
        return None
    department_id = OrgDirectory(session).department_id(value) if "/" in value else None
    if department_id is None:
        user = _user(session, value)
        if user is not None:
            return user
        department_id = OrgDirectory(session).department_id(value)
    department = session.get(Department, department_id) if department_id else None
    return department.head if department else None


def head_for(user: OAUser) -> OAUser | None:
    """Who takes over from ``user``: the head of their department, or the next head above,
    or else the leader in charge (hand-over on leaving, escalation of overdue to-dos)."""
    department = user.department
    chain = [department, *department.ancestors()] if department else []
    # A head leaving hands over to the head above, or else to the leader in charge.
    candidates = [unit.head for unit in chain] + [unit.leader_in_charge for unit in chain]
    for person in candidates:
        if person is not None and person.id != user.id and is_active(person):
            return person
    return None


# Regulations §8.6: nobody decides on their own request ------------------------------------


@dataclass(frozen=True)
class Assignment:
    """Who handles a node after §8.6: ``users``; ``note`` is the trail entry's detail (event
    ``self_approval``) when the rule named the initiator, and ``skipped`` says the node has
    nobody left and is skipped."""

    users: list[OAUser]
    note: dict[str, Any] | None = None
    skipped: bool = False


def keep_initiator_off(
    found: Sequence[OAUser],
    *,
    rule: Mapping[str, Any],
    initiator: OAUser,
    mode: SelfApproval,
    node_id: str,
    node_name: str,
) -> Assignment:
    """Who handles a deciding node whose rule named ``found`` (regulations §8.6).

    The person in charge of the initiating department answers for the content and the
    leader in charge leads, so an initiator never approves their own request:

    - ``allow``, or the rule ``initiator`` (the designer named them on purpose, e.g. to
      confirm receipt), or the initiator not among ``found``: as found.
    - Others found beside the initiator: the initiator is left out, the others decide.
    - ``skip``: the initiator is left out; with nobody left the node is skipped.
    - ``escalate`` (default): the to-do goes up to the next active head above the
      initiator, else the leader in charge of their department (or of one above), as
      :func:`head_for` finds them. With nobody above (the top leader's own request) the
      node fails with :class:`NobodyAboveInitiatorError`: the instance stops in error
      naming the node, for an administrator to skip or retry; nobody approves silently.

    Every change is explained by the returned ``note``, which the engine writes to the trail.
    """
    if mode is SelfApproval.ALLOW or rule.get("rule") == "initiator":
        return Assignment(list(found))
    if all(user.id != initiator.id for user in found):
        return Assignment(list(found))
    others = [user for user in found if user.id != initiator.id]
    named = (
        f"The assignee rule ({rule.get('rule')}) named the initiator, {initiator.signature()}, "
        "who may not decide on their own request (regulations §8.6)"
    )
    note: dict[str, Any] = {"initiator": initiator.username, "mode": str(mode)}
    if others:
        names = ", ".join(user.signature() for user in others)
        note |= {
            "outcome": "left_out",
            "to": [user.username for user in others],
            "reason": f"{named}: left out; {names} decide.",
        }
        return Assignment(others, note)
    if mode is SelfApproval.SKIP:
        note |= {"outcome": "skipped", "to": [], "reason": f"{named}: the node is skipped."}
        return Assignment([], note, skipped=True)
    above = head_for(initiator)
    if above is None:
        raise NobodyAboveInitiatorError(node_id, node_name, initiator.signature())
    note |= {
        "outcome": "escalated",
        "to": [above.username],
        "reason": f"{named}: escalated to {above.signature()}.",
    }
    return Assignment([above], note)
