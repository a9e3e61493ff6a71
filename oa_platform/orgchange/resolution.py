"""Whether an assignee rule would find anybody in the organisation as it stands: one read of
the organisation (:class:`OrgSnapshot`), asked for every node of every definition.

``runtime/assignees.py`` resolves a rule for one instance at one moment; this module answers
the same question for many nodes at once without creating tasks, for the impact analysis
(issue 23) and the designer's marks. Rules that depend on the initiator (a department's head
or leader in charge) are answered per department; a ``field`` rule depends on what a request
holds and is answered for its default only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oa_platform.accounts.models import OAUser
from oa_platform.org.models import Company, Department, Position

INITIATOR_RULES = frozenset({"department_head", "leader_in_charge"})


@dataclass
class OrgSnapshot:
    """The active people and the units they fill, read once."""

    active: dict[str, int] = field(default_factory=dict)  # lower-case user name -> id
    roles: set[str] = field(default_factory=set)  # roles with an active member
    positions: Counter = field(default_factory=Counter)  # (position, dept id | company | None)
    departments: dict[int, tuple[str, str, int | None, int | None, int | None]] = field(
        default_factory=dict
    )  # id -> (company code, code, parent id, active head id, active leader id)
    by_code: dict[str, list[int]] = field(default_factory=dict)  # "C/CODE" and "CODE" -> ids
    without: dict[tuple[Any, int], frozenset[int]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, names: Iterable[str] | None = None) -> OrgSnapshot:
        """Read the organisation; ``names``: the user names whose being active is asked
        (every rule's and default's), else every active user (10,000 rows at size)."""
        snapshot = cls()
        live = OAUser.active.is_(True) & OAUser.deactivated_at.is_(None)
        company_of: dict[int, str] = {}
        leaders: set[int] = set()
        for department_id, company, code, parent_id, head, leader in session.execute(
            select(
                Department.id,
                Company.code,
                Department.code,
                Department.parent_id,
                Department.head_id,
                Department.leader_in_charge_id,
            ).join(Company)
        ):
            snapshot.departments[department_id] = (company, code, parent_id, head, leader)
            snapshot.by_code.setdefault(f"{company}/{code}", []).append(department_id)
            snapshot.by_code.setdefault(code, []).append(department_id)
            company_of[department_id] = company
            leaders.update(person for person in (head, leader) if person is not None)
        # How many active people hold each position in each department: one grouped read.
        held = (
            select(Position.name, OAUser.department_id, func.count())
            .join(Position, OAUser.position_id == Position.id)
            .where(live)
            .group_by(Position.name, OAUser.department_id)
        )
        for name, department_id, count in session.execute(held):
            snapshot.positions[(name, None)] += count
            snapshot.positions[(name, department_id)] += count
            snapshot.positions[(name, company_of.get(department_id))] += count
        users = select(OAUser.username, OAUser.id).where(live)
        if names is None:
            snapshot.active.update((u.lower(), i) for u, i in session.execute(users))
        else:
            wanted = sorted({name.lower() for name in names})
            for start in range(0, len(wanted), 500):
                chunk = users.where(func.lower(OAUser.username).in_(wanted[start : start + 500]))
                snapshot.active.update((u.lower(), i) for u, i in session.execute(chunk))
        roles = select(Role.name).select_from(OAUser).join(OAUser.roles).where(live).distinct()
        snapshot.roles = set(session.scalars(roles))
        active_leaders = set(
            session.scalars(select(OAUser.id).where(OAUser.id.in_(sorted(leaders)), live))
        )
        for department_id, (company, code, parent, head, leader) in snapshot.departments.items():
            snapshot.departments[department_id] = (
                company,
                code,
                parent,
                head if head in active_leaders else None,
                leader if leader in active_leaders else None,
            )
        return snapshot

    def department_id(self, code: str) -> int | None:
        """As ``OrgDirectory.department_id``: one department, none when unknown or ambiguous."""
        ids = self.by_code.get(code, [])
        return ids[0] if len(ids) == 1 else None

    def heads_above(self, department_id: int | None) -> list[int]:
        """The active heads from the department up its tree, nearest first."""
        heads: list[int] = []
        seen: set[int] = set()
        while department_id is not None and department_id not in seen:
            seen.add(department_id)
            unit = self.departments.get(department_id)
            if unit is None:
                break
            if unit[3] is not None:
                heads.append(unit[3])
            department_id = unit[2]
        return heads

    # The questions ------------------------------------------------------------------------

    def problem(self, rule: Mapping[str, Any] | None) -> str | None:
        """Why a rule finds nobody whoever starts the request, or None (it finds somebody,
        or the answer depends on the initiator or the form)."""
        if not rule:
            return None
        kind = rule.get("rule")
        if kind == "users":
            if not any(name.lower() in self.active for name in rule.get("users", [])):
                names = ", ".join(rule.get("users", []))
                return gettext("none of the users it names is active (%(names)s)", names=names)
        elif kind == "role":
            if rule.get("role") not in self.roles:
                return gettext("nobody active holds the role %(role)s", role=rule.get("role"))
        elif kind == "position":
            where: Any = None
            if "department" in rule:
                where = self.department_id(rule["department"])
                if where is None:
                    return gettext("there is no department %(code)s", code=rule["department"])
            elif "company" in rule:
                where = rule["company"]
            if not self.positions.get((rule.get("position"), where)):
                return gettext(
                    "nobody active holds the position %(position)s there",
                    position=rule.get("position"),
                )
        return None

    def problem_for(self, rule: Mapping[str, Any] | None, department_id: int | None) -> str | None:
        """Why a rule finds nobody for an initiator of ``department_id``, or None."""
        found = self.problem(rule)
        if found or not rule:
            return found
        kind = rule.get("rule")
        if kind == "department_head":
            levels = int(rule.get("levels", 1))
            if len(self.heads_above(department_id)) < levels:
                return gettext("the initiator's department has no active head at that level")
        elif kind == "leader_in_charge":
            unit = self.departments.get(department_id) if department_id else None
            if unit is None or unit[4] is None:
                return gettext("the initiator's department has no active leader in charge")
        return None

    def departments_without(self, rule: Mapping[str, Any]) -> frozenset[int]:
        """The departments whose initiators this rule finds nobody for (asked once per kind
        of rule: every definition's head rule asks the same)."""
        if rule.get("rule") not in INITIATOR_RULES:
            return frozenset()
        key = (rule.get("rule"), int(rule.get("levels", 1)))
        found = self.without.get(key)
        if found is None:
            found = self.without[key] = frozenset(
                d for d in self.departments if self.problem_for(rule, d)
            )
        return found


def default_problem(
    snapshot: OrgSnapshot, document: Mapping[str, Any], rule: Mapping
) -> str | None:
    """A ``field`` rule whose field's literal default names nobody active."""
    if rule.get("rule") != "field":
        return None
    for item in document.get("fields", []):
        if item.get("key") != rule.get("field"):
            continue
        default = item.get("default") or {}
        value = default.get("value") if default.get("kind") == "literal" else None
        if not isinstance(value, str) or not value:
            return None
        if item.get("type") == "user" and value.lower() not in snapshot.active:
            return gettext("its field's default %(name)s is not an active user", name=value)
        if item.get("type") == "department":
            department = snapshot.department_id(value)
            if department is None or not snapshot.heads_above(department):
                return gettext("its field's default department %(code)s has no head", code=value)
    return None


def unresolvable_nodes(snapshot: OrgSnapshot, document: Mapping[str, Any]) -> dict[str, str]:
    """node id -> why its assignee would resolve to nobody in the organisation as it is
    (whoever starts the request): the designer's marks and the definitions list's flag."""
    found: dict[str, str] = {}
    for node in document.get("nodes", []):
        rule = node.get("assignee")
        problem = snapshot.problem(rule) or (
            default_problem(snapshot, document, rule) if rule else None
        )
        if problem:
            found[node["id"]] = problem
    return found
