"""Who may see the usage view, and for which units: the one owner of the rule (§2.1.1).

Admin and Auditors see every unit: the whole group, each company and each department. A unit
head (the head of a department in the organisation) sees the departments they head, each with
the departments below it, and nothing else. Everyone else is told the page does not exist
(404), as is anyone who asks for a unit they may not see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.accounts.authority import is_admin
from oa_platform.org.models import Company, Department, shown_name
from oa_platform.runtime.visibility import is_auditor

EVERYONE = ""


class UsageNotFoundError(LookupError):
    """The view or the unit does not exist for this person (404)."""


@dataclass(frozen=True)
class Unit:
    """A unit the view can be narrowed to. ``key`` is what the URL carries ("" for the whole
    group, ``company:GRP``, ``department:GRP/IT``); ``department_ids`` is None for the whole
    group (people in no department included), else the departments whose people count."""

    key: str
    label: str
    department_ids: frozenset[int] | None


@dataclass(frozen=True)
class _Department:
    id: int
    company_id: int
    company: str
    code: str
    label: str
    parent_id: int | None
    head_id: int | None


def _departments(session: Session) -> list[_Department]:
    """Every department (the organisation is small: one query, read whole)."""
    query = (
        select(
            Department.id,
            Department.company_id,
            Company.code,
            Department.code,
            Department.name,
            Department.name_zh,
            Department.parent_id,
            Department.head_id,
        )
        .join(Company, Company.id == Department.company_id)
        .order_by(Company.code, Department.name)
    )
    return [
        _Department(id_, company_id, company, code, shown_name(name, name_zh), parent, head)
        for id_, company_id, company, code, name, name_zh, parent, head in session.execute(query)
    ]


def _with_descendants(roots: Iterable[int], departments: list[_Department]) -> frozenset[int]:
    """``roots`` and every department below them (departments nest within a company)."""
    children: dict[int | None, list[int]] = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department.id)
    found: set[int] = set()
    pending = list(roots)
    while pending:
        current = pending.pop()
        if current in found:  # a cycle in bad data must not loop forever
            continue
        found.add(current)
        pending.extend(children.get(current, []))
    return frozenset(found)


def _department_unit(department: _Department, departments: list[_Department]) -> Unit:
    return Unit(
        f"department:{department.company}/{department.code}",
        f"{department.label} ({department.company})",
        _with_descendants([department.id], departments),
    )


def sees_everything(user) -> bool:
    """Admin and Auditors see every unit (§2.1.1: IT assesses the whole system's use)."""
    return is_admin(user) or is_auditor(user)


def units_for(session: Session, user) -> list[Unit]:
    """The units ``user`` may inspect, the default first; :class:`UsageNotFoundError` when
    there are none (not Admin, not an Auditor, heading no department)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise UsageNotFoundError()
    departments = _departments(session)
    if sees_everything(user):
        companies = session.execute(
            select(Company.id, Company.code, Company.name, Company.name_zh).order_by(Company.code)
        ).all()
        units = [Unit(EVERYONE, gettext("The whole group"), None)]
        for company_id, code, name, name_zh in companies:
            ids = frozenset(d.id for d in departments if d.company_id == company_id)
            units.append(Unit(f"company:{code}", f"{shown_name(name, name_zh)} ({code})", ids))
        units.extend(_department_unit(d, departments) for d in departments)
        return units
    headed = [d for d in departments if d.head_id == user.id]
    if not headed:
        raise UsageNotFoundError()
    return [_department_unit(d, departments) for d in headed]


def unit_for(session: Session, user, key: str | None) -> tuple[Unit, list[Unit]]:
    """The unit ``key`` names (empty: the default one) with every unit ``user`` may choose;
    :class:`UsageNotFoundError` if the unit is not one of them."""
    units = units_for(session, user)
    if not key:
        return units[0], units
    for unit in units:
        if unit.key == key:
            return unit, units
    raise UsageNotFoundError()
