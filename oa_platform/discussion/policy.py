"""Who may see and do what in the discussion area: the one owner of the rule (§8.2, §8.3).

- The group board and the suggestions board are everyone's; a company's board is for the
  company's people; a department's board for its members, its head and its leader in charge.
  IT (the system's managing department, §8.4) and Auditors see every board.
- A published post or reply shows to whoever sees its board. Held, hidden, pending and
  refused ones show only to their author (with the moderator's reason), the board's
  moderators, Auditors and, for the answer owed, its handler and approver.
- The person who owes the answer (the post's handler) and the leader who approves an office's
  reply see the post even outside its board.
- Moderators of a board: IT and the board's owner (§8.3).

Anyone else is told a board or post does not exist (404) on every page and endpoint.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from oa_platform.discussion.models import (
    COMPANY,
    DEPARTMENT,
    GROUP,
    HELD,
    PENDING,
    PUBLISHED,
    REFUSED,
    SUGGESTIONS,
    Board,
    Post,
    Reply,
    Responder,
)
from oa_platform.org.models import Company, CompanyKind, Department
from oa_platform.runtime.visibility import is_auditor

IT_CODE = "IT"  # the Information Technology Department manages the system (§8.4)
OFFICE_CODE = "OFFICE"  # the group's and each branch's office collects their matters (§8.2)


class DiscussionNotFoundError(LookupError):
    """The board, post or reply does not exist, or the person may not know it does (404)."""


def is_it(user) -> bool:
    """IT moderates every board (§8.3, §8.4): administrators and the IT department's people."""
    if any(role.name == "Admin" for role in user.roles):
        return True
    department = user.department
    return department is not None and department.code == IT_CODE


def sees_everything(user) -> bool:
    return is_it(user) or is_auditor(user)


def _company_id(user) -> int | None:
    return user.department.company_id if user.department is not None else None


def board_filter(user) -> ColumnElement[bool]:
    """A filter on :class:`Board` for the boards ``user`` may open."""
    if sees_everything(user):
        return true()
    led = select(Department.id).where(
        or_(Department.head_id == user.id, Department.leader_in_charge_id == user.id)
    )
    return or_(
        Board.kind.in_((GROUP, SUGGESTIONS)),
        and_(Board.kind == COMPANY, Board.company_id == _company_id(user)),
        and_(
            Board.kind == DEPARTMENT,
            or_(Board.department_id == user.department_id, Board.department_id.in_(led)),
        ),
        Board.owner_id == user.id,
    )


def may_see_board(session: Session, user, board: Board) -> bool:
    return (
        session.scalar(select(Board.id).where(Board.id == board.id, board_filter(user))) is not None
    )


def board(session: Session, user, board_id: int) -> Board:
    """The board, or :class:`DiscussionNotFoundError` whether missing or not for ``user``."""
    found = session.scalar(select(Board).where(Board.id == board_id, board_filter(user)))
    if found is None:
        raise DiscussionNotFoundError(board_id)
    return found


def moderated_boards(user) -> ColumnElement[bool]:
    """A filter on :class:`Board`: the boards ``user`` moderates."""
    return true() if is_it(user) else Board.owner_id == user.id


def may_moderate(user, board: Board) -> bool:
    """IT and the board's owner hide, restore and release held content (§8.3)."""
    return is_it(user) or board.owner_id == user.id


def post_filter(user) -> ColumnElement[bool]:
    """A filter on :class:`Post` (joined to its :class:`Board`) for the posts ``user`` sees."""
    if sees_everything(user):
        return true()
    return or_(
        and_(board_filter(user), Post.status == PUBLISHED),
        Post.author_id == user.id,
        Post.handler_id == user.id,
        Post.approver_id == user.id,
        Board.owner_id == user.id,
    )


def post(session: Session, user, post_id: int) -> Post:
    """The post, or :class:`DiscussionNotFoundError` whether missing or not for ``user``."""
    found = session.scalar(
        select(Post)
        .join(Board, Board.id == Post.board_id)
        .where(Post.id == post_id, post_filter(user))
    )
    if found is None:
        raise DiscussionNotFoundError(post_id)
    return found


def may_see_reply(user, post_: Post, reply: Reply) -> bool:
    if reply.status == PUBLISHED or reply.author_id == user.id:
        return True
    if sees_everything(user) or may_moderate(user, post_.board):
        return True
    # The office's draft and the leader's refusal are between the office and the leader.
    return reply.status in (PENDING, REFUSED) and user.id in (post_.handler_id, post_.approver_id)


def may_reply(session: Session, user, post_: Post) -> bool:
    """Anyone who sees a published post's board replies to it; the handler always may."""
    if post_.status != PUBLISHED:
        return False
    return user.id == post_.handler_id or may_see_board(session, user, post_.board)


def may_answer(user, post_: Post) -> bool:
    """The answer owed (§8.2) is the handler's: the department's person in charge, or the
    office's for group and branch matters (then approved by the leader)."""
    return post_.status == PUBLISHED and post_.answered_at is None and user.id == post_.handler_id


def may_withdraw(user, post_: Post) -> bool:
    """The author takes their post back while it is unanswered (published, or still held
    for review); it then stays stored, shown to them with their reason."""
    return (
        user.id == post_.author_id
        and post_.status in (PUBLISHED, HELD)
        and post_.answered_at is None
    )


def may_reassign(user, post_: Post) -> bool:
    """The answer owed passes to someone else (§8.2's person in charge is away, or the
    matter is a colleague's): the handler, the answering department's head, or IT decide,
    while the post is published and unanswered."""
    if post_.status != PUBLISHED or post_.answered_at is not None:
        return False
    head_id = post_.department.head_id if post_.department is not None else None
    return user.id in (post_.handler_id, head_id) or is_it(user)


def may_decide(user, post_: Post, reply: Reply) -> bool:
    """The leader approves or refuses the office's draft reply (§8.2: after the leader
    decides)."""
    return reply.status == PENDING and user.id == post_.approver_id


def person_in_charge(session: Session, department: Department):
    """Who answers posts about ``department`` (§8.2): the person named for it on the
    moderation page, else its head (None when it has neither)."""
    named = session.get(Responder, department.id)
    return named.user if named is not None else department.head


def office_of(session: Session, company: Company) -> Department | None:
    """The office that collects a company's matters (§8.2): its OFFICE department."""
    return session.scalar(
        select(Department).where(
            Department.company_id == company.id, Department.code == OFFICE_CODE
        )
    )


def group_company(session: Session) -> Company | None:
    return session.scalar(select(Company).where(Company.kind == CompanyKind.GROUP).limit(1))
