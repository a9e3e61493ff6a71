"""The organisation seen through form_builder's ``Directory`` protocol.

Departments are referred to as ``COMPANY/CODE`` (unambiguous) or by their bare code where only
one company has it; user names are case-insensitive, as log-in treats them.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import current_app
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from form_builder.directory import NamedUser
from oa_platform.accounts.models import OAUser
from oa_platform.org.models import Company, Department, Position, person_name, shown_name
from oa_platform.org.policy import offered_people

_LABEL_COLUMNS = (OAUser.username, OAUser.first_name, OAUser.last_name, OAUser.name_zh)


def _label(row: Row) -> str:
    """ "name (user name)", the name in the request's language (issue 18)."""
    return f"{person_name(row.first_name, row.last_name, row.name_zh)} ({row.username})"


class OrgDirectory:
    """Answers form_builder's org questions from the database, within one session."""

    def __init__(self, session: Session):
        self.session = session

    def active_user_exists(self, username: str) -> bool:
        query = select(OAUser.id).where(
            func.lower(OAUser.username) == username.lower(), offered_people()
        )
        return self.session.scalar(query) is not None

    def role_exists(self, name: str) -> bool:
        from flask_appbuilder.security.sqla.models import Role

        return self.session.scalar(select(Role.id).where(Role.name == name)) is not None

    def department_id(self, code: str) -> int | None:
        company, _, bare = code.rpartition("/")
        query = select(Department.id).where(Department.code == bare)
        if company:
            query = query.join(Company).where(Company.code == company)
        ids = self.session.scalars(query.limit(2)).all()
        return ids[0] if len(ids) == 1 else None

    def department_exists(self, code: str) -> bool:
        return self.department_id(code) is not None

    def company_exists(self, code: str) -> bool:
        return self.session.scalar(select(Company.id).where(Company.code == code)) is not None

    def position_exists(self, name: str) -> bool:
        return self.session.scalar(select(Position.id).where(Position.name == name)) is not None

    def user_choices(self) -> list[tuple[str, str]]:
        """(user name, "name (user name)") of every account a picker may offer
        (``org.policy.offered_people``), the name in the request's language (issue 18), in
        one query: the designer's list of named users."""
        query = (
            select(*_LABEL_COLUMNS)
            .where(offered_people())
            .order_by(OAUser.last_name, OAUser.first_name)
        )
        return [(row.username, _label(row)) for row in self.session.execute(query)]

    def users_named(self, usernames: Collection[str]) -> dict[str, NamedUser]:
        """The accounts among ``usernames``, found by their exact user name, in one query:
        "name (user name)" in the request's language, and whether a picker may offer them
        (``org.policy.offered_people``)."""
        if not usernames:
            return {}
        query = select(*_LABEL_COLUMNS, offered_people().label("offered")).where(
            OAUser.username.in_(list(usernames))
        )
        return {
            row.username: NamedUser(_label(row), bool(row.offered))
            for row in self.session.execute(query)
        }

    def department_choices(self) -> list[tuple[str, str]]:
        """("COMPANY/CODE", "name (COMPANY)") of every department, the name in the
        request's language (issue 18), in one query."""
        query = (
            select(Company.code, Department.code, Department.name, Department.name_zh)
            .join(Company)
            .order_by(Company.code, Department.name)
        )
        return [
            (f"{company}/{code}", f"{shown_name(name, name_zh)} ({company})")
            for company, code, name, name_zh in self.session.execute(query)
        ]

    def choices(self, kind: str) -> list[tuple[str, str]]:
        """(stored value, label) of every unit of ``kind`` for the designer's assignee
        pickers (``form_builder.designer.org.OrgLookups``)."""
        if kind == "users":
            return self.user_choices()
        if kind == "departments":
            return self.department_choices()
        if kind == "roles":
            public = current_app.config["AUTH_ROLE_PUBLIC"]
            query = select(Role.name).where(Role.name != public).order_by(Role.name)
            return [(name, name) for name in self.session.scalars(query)]
        if kind == "positions":
            # Rules store the English name (docs/definition-format.md); labels are the reader's.
            query = select(Position.name, Position.name_zh).order_by(Position.rank.desc())
            rows = self.session.execute(query)
            return [(name, shown_name(name, name_zh)) for name, name_zh in rows]
        query = select(Company.code, Company.name, Company.name_zh).order_by(Company.code)
        rows = self.session.execute(query)
        return [(code, f"{shown_name(name, name_zh)} ({code})") for code, name, name_zh in rows]

    def department_of(self, username: str) -> str | None:
        query = (
            select(Company.code, Department.code)
            .select_from(OAUser)
            .join(Department, OAUser.department_id == Department.id)
            .join(Company)
            .where(func.lower(OAUser.username) == username.lower())
        )
        row = self.session.execute(query).first()
        return f"{row[0]}/{row[1]}" if row else None
