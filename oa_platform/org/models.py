"""Organisation tables: the group and its companies, departments within a company, positions.

Companies form a tree (group -> holding companies -> sales companies / logistics centres);
departments form a tree within one company. Every department has a head and a leader in
charge, whom approval chains and the password-reset rule look up.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flask_appbuilder import Model
from sqlalchemy import Column, Enum, ForeignKey, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.localized import text
from oa_platform.accounts.names import full_name

if TYPE_CHECKING:
    from oa_platform.accounts.models import OAUser


class CompanyKind(enum.StrEnum):
    """Kinds of unit named by the regulations (seed 2 §2.1)."""

    GROUP = "group"
    HOLDING = "holding"
    SALES = "sales"
    LOGISTICS = "logistics"


def shown_name(name: str, name_zh: str | None) -> str:
    """A unit's (or person's) name as the request's language reads it: the Chinese name
    beside the stored one (``name_zh``) for a Chinese reader, ``name`` for the others, each
    the other's fallback (``form_builder.localized.text`` decides, as for definitions)."""
    return text({"zh_CN": name_zh, "en": name} if name_zh else name)


def person_name(first_name: str | None, last_name: str | None, name_zh: str | None) -> str:
    """A person's name as ``OAUser.get_full_name`` writes it, from the three columns a query
    selects (张伟, Sam Wu; the Chinese name for a Chinese reader where one is kept), so that
    lists read names without loading each user."""
    return shown_name(full_name(first_name, last_name), name_zh)


class Company(Model):
    """A legal unit of the group; ``parent`` is empty only for the group itself."""

    __tablename__ = "org_company"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    # The Chinese name beside ``name`` (issue 18); ``name`` is what definitions, imports and
    # the API name the company by, so it keeps its meaning.
    name_zh: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[CompanyKind] = mapped_column(
        Enum(CompanyKind, name="company_kind", values_callable=lambda e: [m.value for m in e]),
        nullable=False,
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_company.id"), index=True)
    parent: Mapped[Company | None] = relationship(
        "Company", remote_side=[id], back_populates="children"
    )
    children: Mapped[list[Company]] = relationship("Company", back_populates="parent")
    departments: Mapped[list[Department]] = relationship("Department", back_populates="company")

    @property
    def shown_name(self) -> str:
        """The name in the request's language."""
        return shown_name(self.name, self.name_zh)

    def __repr__(self) -> str:
        return self.shown_name


department_reset_delegate = Table(
    "org_department_reset_delegate",
    Model.metadata,
    Column("department_id", ForeignKey("org_department.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("ab_user.id", ondelete="CASCADE"), primary_key=True),
)


class Department(Model):
    """A department of one company; departments nest (``parent``) within the same company."""

    __tablename__ = "org_department"
    __table_args__ = (UniqueConstraint("company_id", "code", name="uq_department_company_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("org_company.id"), nullable=False, index=True
    )
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    name_zh: Mapped[str | None] = mapped_column(String(128))  # the Chinese name beside it
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_department.id"), index=True)
    # use_alter: users point at departments and departments at users (head, leader).
    head_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", use_alter=True, name="fk_department_head"), index=True
    )
    leader_in_charge_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", use_alter=True, name="fk_department_leader"), index=True
    )

    company: Mapped[Company] = relationship("Company", back_populates="departments")
    parent: Mapped[Department | None] = relationship(
        "Department", remote_side=[id], back_populates="children"
    )
    children: Mapped[list[Department]] = relationship("Department", back_populates="parent")
    head: Mapped[OAUser | None] = relationship("OAUser", foreign_keys=[head_id])
    leader_in_charge: Mapped[OAUser | None] = relationship(
        "OAUser", foreign_keys=[leader_in_charge_id]
    )
    # Administrators this department's head designated to reset its members' passwords (§4.1).
    reset_delegates: Mapped[list[OAUser]] = relationship(
        "OAUser", secondary=department_reset_delegate
    )

    def ancestors(self) -> list[Department]:
        """This department's parents, nearest first (the tree is shallow; no query per level
        beyond the lazy load of each parent)."""
        chain: list[Department] = []
        node = self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def shown_name(self) -> str:
        """The name in the request's language."""
        return shown_name(self.name, self.name_zh)

    def __repr__(self) -> str:
        name = self.shown_name
        return f"{name} ({self.company.code})" if self.company else name


class Position(Model):
    """A job title (e.g. Manager, Clerk); assignee rules may pick a position in a unit."""

    __tablename__ = "org_position"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Assignee rules name a position by ``name`` (docs/definition-format.md), so the Chinese
    # name stands beside it rather than in its place.
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name_zh: Mapped[str | None] = mapped_column(String(64))
    # Higher rank means more senior; lets rules ask for "the most senior position".
    rank: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    @property
    def shown_name(self) -> str:
        """The name in the request's language."""
        return shown_name(self.name, self.name_zh)

    def __repr__(self) -> str:
        return self.shown_name
