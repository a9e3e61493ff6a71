"""What the people picker shows (issue 19, "The task page"): the organisation as a tree of
companies > departments > people, one unit at a time, and the people a search finds.

Both answer in pages of :data:`PAGE` people, names in the reader's language
(``person_name``), and offer only the people ``org.policy.offered_people`` allows, the same
rule as every flat list of users. A unit is named by a key: ``""`` for the top of the
group, ``c<id>`` for a company, ``d<id>`` for a department.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from oa_platform.accounts.models import OAUser
from oa_platform.org.models import Company, Department, person_name, shown_name
from oa_platform.org.person_terms import PersonTerm, prefix_bounds
from oa_platform.org.policy import offered_people

PAGE = 30
# A search reads at most this many matching terms, in the terms' order: a letter or two
# typed over 100,000 people matches tens of thousands, whom nobody pages through; the answer
# then says to type more (``narrow``), as DingTalk's does, and stays an index range read.
SEARCHED = 1000
LONGEST_QUERY = 64
_KEY = re.compile(r"^(?:([cd])([0-9]{1,18}))?$")


class UnitNotFoundError(LookupError):
    """The unit key names no company or department (the endpoint answers 404)."""


@dataclass(frozen=True)
class Unit:
    """A company or department to open: ``key`` for the next request, its name to read."""

    key: str
    label: str
    kind: str  # "company" or "department"


@dataclass(frozen=True)
class Person:
    """Someone to choose: both values a form may post (``id``, ``username``) and the label
    the flat lists write ("张伟 (zhangwei)"), with their department to tell namesakes apart."""

    id: int
    username: str
    name: str
    label: str
    unit: str


@dataclass(frozen=True)
class Listing:
    """One page of the picker: the units inside the one opened (none for a search), the
    people, whether a further page exists, and the path from the top to the unit opened."""

    units: list[Unit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    more: bool = False
    path: list[Unit] = field(default_factory=list)
    narrow: bool = False  # a search that matched too many: the people shown are the first


def _people(session: Session, kind: str, page: int, **params: object) -> tuple[list[Person], bool]:
    offset = (page - 1) * PAGE
    rows = session.execute(_statement(kind), {**params, "limit": PAGE + 1, "offset": offset})
    rows = rows.all()
    people = []
    for row in rows[:PAGE]:
        name = person_name(row.first_name, row.last_name, row.name_zh)
        unit = shown_name(row.unit_name, row.unit_name_zh) if row.unit_name else ""
        people.append(Person(row.id, row.username, name, f"{name} ({row.username})", unit))
    return people, len(rows) > PAGE


@cache
def _matches() -> Select:
    """The user ids of the first SEARCHED + 1 terms that begin so (``low``, ``high``), in the
    terms' own order (the primary key's): a range read that stops there."""
    return (
        select(PersonTerm.user_id)
        .where(PersonTerm.term >= bindparam("low"), PersonTerm.term < bindparam("high"))
        .order_by(PersonTerm.term, PersonTerm.user_id)
        .limit(SEARCHED + 1)
    )


@cache
def _statement(kind: str) -> Select:
    """The people of a department (``unit``), of none, or whose terms begin so (``low``,
    ``high``), a page at a time: built once, so each request only binds its values."""
    query = (
        select(
            OAUser.id,
            OAUser.username,
            OAUser.first_name,
            OAUser.last_name,
            OAUser.name_zh,
            Department.name.label("unit_name"),
            Department.name_zh.label("unit_name_zh"),
        )
        .outerjoin(Department, OAUser.department_id == Department.id)
        .where(offered_people())
    )
    if kind == "search":
        # The matched ids as values, read first: as a subquery with its LIMIT, PostgreSQL
        # read every account and hashed the matches (50-110 ms at 100,000; docs/performance.md).
        query = query.where(OAUser.id.in_(bindparam("ids", expanding=True)))
    elif kind == "department":
        query = query.where(OAUser.department_id == bindparam("unit"))
    else:
        query = query.where(OAUser.department_id.is_(None))
    return (
        query.order_by(OAUser.last_name, OAUser.first_name, OAUser.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def _company_unit(company: Company) -> Unit:
    return Unit(f"c{company.id}", company.shown_name, "company")


def _department_unit(department: Department) -> Unit:
    return Unit(f"d{department.id}", department.shown_name, "department")


def _company_path(company: Company) -> list[Unit]:
    path, seen = [], set()
    node: Company | None = company
    while node is not None and node.id not in seen:
        seen.add(node.id)
        path.append(_company_unit(node))
        node = node.parent
    return path[::-1]


def children(session: Session, key: str, page: int = 1) -> Listing:
    """The units and people directly inside the unit ``key`` (see the module's docstring);
    people in no department stand at the top. Raises :class:`UnitNotFoundError`."""
    match = _KEY.match(key)
    if match is None:
        raise UnitNotFoundError(key)
    kind, number = match.groups()
    if kind is None:
        companies = session.scalars(
            select(Company).where(Company.parent_id.is_(None)).order_by(Company.code)
        ).all()
        people, more = _people(session, "no_department", page)
        return Listing([_company_unit(c) for c in companies], people, more, [])
    if kind == "c":
        company = session.get(Company, int(number))
        if company is None:
            raise UnitNotFoundError(key)
        inner = session.scalars(
            select(Company).where(Company.parent_id == company.id).order_by(Company.code)
        ).all()
        departments = session.scalars(
            select(Department)
            .where(Department.company_id == company.id, Department.parent_id.is_(None))
            .order_by(Department.code)
        ).all()
        units = [_company_unit(c) for c in inner] + [_department_unit(d) for d in departments]
        # Companies hold people only through their departments.
        return Listing(units, [], False, _company_path(company))
    department = session.get(Department, int(number))
    if department is None:
        raise UnitNotFoundError(key)
    inner_departments = session.scalars(
        select(Department).where(Department.parent_id == department.id).order_by(Department.code)
    ).all()
    people, more = _people(session, "department", page, unit=department.id)
    path = _company_path(department.company) + [
        _department_unit(d) for d in [*department.ancestors()[::-1], department]
    ]
    return Listing([_department_unit(d) for d in inner_departments], people, more, path)


def search(session: Session, query: str, page: int = 1) -> Listing:
    """The people whose name (Chinese or English, or a part of it), user name, or pinyin in
    full or as initials begins with ``query``: "zw", "zhangw", "张", "伟", "Sam", "wu"."""
    bounds = prefix_bounds(query[:LONGEST_QUERY])
    if bounds is None:
        return Listing()
    low, high = bounds
    matched = session.scalars(_matches(), {"low": low, "high": high}).all()
    narrow = len(matched) > SEARCHED
    ids = list(dict.fromkeys(matched[:SEARCHED]))
    if not ids:
        return Listing()
    people, more = _people(session, "search", page, ids=ids)
    return Listing([], people, more, [], narrow)
