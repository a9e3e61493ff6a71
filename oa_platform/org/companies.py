"""The group's companies (seed 2 §2.1): one rule for the admin page and the command line.

A company tree has one root, the group; every other company sits under a parent. Codes and
names are unique. The page (``CompanyModelView``) and ``flask oa org add-company`` both ask
:func:`company_problem`, so neither can make a company the other would refuse.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oa_platform.org.models import Company, CompanyKind
from oa_platform.unit_of_work import command


class CompanyRefusedError(ValueError):
    """The company cannot be saved as given; the message names the field."""


def company_problem(session: Session, company: Company) -> str | None:
    """What is wrong with ``company`` as it would be saved, or None."""
    code, name = (company.code or "").strip(), (company.name or "").strip()
    if not code:
        return gettext("Code: give the company a short code, e.g. SLS.")
    if not name:
        return gettext("Name: give the company its name.")
    others = (
        select(Company.id).where(Company.id != company.id) if company.id else select(Company.id)
    )
    if session.scalar(others.where(func.lower(Company.code) == code.lower())) is not None:
        return gettext("Code: another company has the code %(code)s.", code=code)
    if session.scalar(others.where(Company.name == name)) is not None:
        return gettext("Name: another company is called %(name)s.", name=name)
    kind = CompanyKind(company.kind)
    parent = company.parent
    if kind is CompanyKind.GROUP:
        group = session.scalar(others.where(Company.kind == CompanyKind.GROUP))
        if group is not None:
            return gettext("Kind: there is one group; a new company sits under it.")
    if kind is CompanyKind.GROUP and parent is not None:
        return gettext("Parent: the group is the top of the tree and has no parent.")
    if kind is not CompanyKind.GROUP and parent is None:
        return gettext("Parent: every company but the group sits under a parent company.")
    ancestor = parent
    while ancestor is not None:
        if ancestor is company:
            return gettext("Parent: a company cannot be placed under itself or one of its own.")
        ancestor = ancestor.parent
    return None


def check_company(session: Session, company: Company) -> None:
    """Raise :class:`CompanyRefusedError` when ``company`` may not be saved as it is."""
    # No autoflush: the form's new company may already be in the session (its parent's
    # ``children``), and must not be written before it is checked.
    with session.no_autoflush:
        problem = company_problem(session, company)
    if problem:
        raise CompanyRefusedError(problem)


@command
def add_company(
    session: Session, *, code: str, name: str, kind: str, parent_code: str | None
) -> Company:
    """Add a company under the company ``parent_code`` (none for the group itself)."""
    try:
        company_kind = CompanyKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in CompanyKind)
        raise CompanyRefusedError(
            gettext("Kind: %(kind)s is not one of %(kinds)s.", kind=kind, kinds=kinds)
        ) from None
    parent = None
    if parent_code:
        parent = session.scalar(
            select(Company).where(func.lower(Company.code) == parent_code.strip().lower())
        )
        if parent is None:
            raise CompanyRefusedError(
                gettext("Parent: there is no company with the code %(code)s.", code=parent_code)
            )
    company = Company(code=code.strip(), name=name.strip(), kind=company_kind, parent=parent)
    check_company(session, company)
    session.add(company)
    session.flush()
    return company
