"""Helpers for discussion-area tests: the boards of the demo organisation, posting as a
person and the departments by code.

The demo: staff and head are in Example Sales Co.'s Sales Department (head heads it); finance
heads the group's Finance Department; leader heads the Group Office and leads every
department; admin is IT (moderates every board).
"""

from __future__ import annotations

from sqlalchemy import select

from oa_platform.discussion import commands
from oa_platform.discussion.models import GROUP, Board, Post
from oa_platform.extensions import db
from oa_platform.org.models import Company, Department
from tests.conftest import user


def department(company: str, code: str) -> Department:
    return db.session.scalars(
        select(Department).join(Company).where(Company.code == company, Department.code == code)
    ).one()


def board_of(kind: str = GROUP, department_code: tuple[str, str] | None = None) -> Board:
    """The board of ``kind`` (created with the others on first use)."""
    commands.ensure_boards(db.session)
    statement = select(Board).where(Board.kind == kind)
    if department_code is not None:
        statement = statement.where(Board.department_id == department(*department_code).id)
    return db.session.scalars(statement).one()


def post(
    author: str = "staff",
    concerns: str | None = None,
    board: Board | None = None,
    title: str = "报销单据退回太慢",
    body: str = "上月的差旅报销单据退回了三次，请财务部说明需要补充哪些材料。",
) -> Post:
    """``author`` posts on the group board (or ``board``); about Finance by default."""
    if concerns is None:
        concerns = f"department:{department('GRP', 'FIN').id}"
    board = board or board_of()
    return commands.create_post(db.session, user(author), board.id, title, body, concerns)


def refresh(found):
    db.session.expire_all()
    return db.session.get(type(found), found.id)
