"""Document clerks (seed 2 §4.6): each company and department names the people who look after
its OA documents. Documents addressed to a unit reach its clerks too (distribution), and a
clerk passes a document on to more of the unit's people; a unit without a clerk is listed for
IT to follow up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from oa_platform.accounts.models import OAUser
from oa_platform.documents.models import Clerk
from oa_platform.org.models import Company, Department, shown_name


@dataclass(frozen=True)
class Unit:
    entry: str  # "company:SLS", "department:GRP/OFFICE"
    name: str
    clerks: list[str]  # user names


class ClerkError(ValueError):
    """A clerk that cannot be named; the message names the field."""


def units(session: Session) -> list[Unit]:
    """Every company and department with its clerks, companies first."""
    named: dict[str, list[str]] = {}
    for unit, username in session.execute(
        select(Clerk.unit, OAUser.username).join(OAUser, OAUser.id == Clerk.user_id)
    ):
        named.setdefault(unit, []).append(username)
    found = [
        Unit(f"company:{code}", shown_name(name, name_zh), sorted(named.get(f"company:{code}", [])))
        for code, name, name_zh in session.execute(
            select(Company.code, Company.name, Company.name_zh).order_by(Company.code)
        )
    ]
    rows = session.execute(
        select(Company.code, Department.code, Department.name, Department.name_zh)
        .join(Company, Company.id == Department.company_id)
        .order_by(Company.code, Department.code)
    )
    for company, code, name, name_zh in rows:
        entry = f"department:{company}/{code}"
        label = f"{shown_name(name, name_zh)} ({company})"
        found.append(Unit(entry, label, sorted(named.get(entry, []))))
    return found


def without_clerk(session: Session) -> list[Unit]:
    """The units IT has to ask for a clerk (§4.6: every unit designates one)."""
    return [unit for unit in units(session) if not unit.clerks]


def name_clerk(session: Session, unit: str, username: str) -> Clerk:
    """Make ``username`` a clerk of ``unit`` (the caller's transaction)."""
    if unit not in {found.entry for found in units(session)}:
        raise ClerkError(f"unit: no such company or department '{unit}'")
    person = session.scalar(
        select(OAUser).where(OAUser.username == username, OAUser.active.is_(True))
    )
    if person is None:
        raise ClerkError(f"user: no active user '{username}'")
    existing = session.scalar(select(Clerk).where(Clerk.unit == unit, Clerk.user_id == person.id))
    if existing is not None:
        return existing
    clerk = Clerk(unit=unit, user_id=person.id)
    session.add(clerk)
    return clerk


def remove_clerk(session: Session, unit: str, username: str) -> None:
    person = session.scalar(select(OAUser.id).where(OAUser.username == username))
    session.execute(delete(Clerk).where(Clerk.unit == unit, Clerk.user_id == person))


def clerks_of(session: Session, entries: list[str]) -> dict[int, str]:
    """user id -> the unit entry whose clerk they are, for the units among ``entries``."""
    rows = session.execute(select(Clerk.user_id, Clerk.unit).where(Clerk.unit.in_(entries)))
    return dict(rows.all())


def is_clerk_for(session: Session, user_id: int, entries: list[str]) -> bool:
    return user_id in clerks_of(session, entries)
