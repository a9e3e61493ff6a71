"""What the discussion pages list: boards, a board's posts, a post's replies, the unanswered
posts per department by age (§8.2), the moderators' queue (§8.3), the trail, and each
department's response times for the inspection report (§8.5). Every list is filtered by
``policy``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, joinedload

from form_builder.clock import utcnow
from oa_platform.discussion import policy
from oa_platform.discussion.models import (
    COMPANY,
    DEPARTMENT,
    GROUP,
    HELD,
    PENDING,
    SUGGESTIONS,
    Board,
    DiscussionEvent,
    Post,
    Reply,
    Report,
)
from oa_platform.org.models import Department

PAGE = 50
# Written into the statement, not bound: a partial index's condition is matched against the
# query's text, so ``status = ?`` would not use ``ix_discussion_post_unanswered``.
_PUBLISHED = literal_column("'published'")


def board_name(board: Board) -> str:
    """A board's name in the request's language."""
    from flask_babel import gettext

    if board.kind == GROUP:
        return gettext("Group board")
    if board.kind == SUGGESTIONS:
        return gettext("Suggestions on the OA rules and system")
    if board.kind == COMPANY and board.company is not None:
        return board.company.shown_name
    if board.kind == DEPARTMENT and board.department is not None:
        return f"{board.department.shown_name} ({board.company.shown_name})"
    return str(board.id)


_KIND_ORDER = {GROUP: 0, SUGGESTIONS: 1, COMPANY: 2, DEPARTMENT: 3}


def boards(session: Session, user) -> list[Board]:
    """The boards ``user`` may open: the group's and suggestions first, then companies and
    departments."""
    found = session.scalars(
        select(Board)
        .options(joinedload(Board.company), joinedload(Board.department))
        .where(policy.board_filter(user))
        .order_by(Board.id)
    ).all()
    return sorted(found, key=lambda board: (_KIND_ORDER.get(board.kind, 9), board.id))


def posts(session: Session, user, board: Board, limit: int = PAGE) -> list[Post]:
    """A board's posts ``user`` sees, newest first."""
    return list(
        session.scalars(
            select(Post)
            .join(Board, Board.id == Post.board_id)
            .options(joinedload(Post.author), joinedload(Post.department))
            .where(Post.board_id == board.id, policy.post_filter(user))
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(limit)
        )
    )


def replies(session: Session, user, post: Post) -> list[Reply]:
    """The replies to ``post`` that ``user`` sees, oldest first."""
    rows = session.scalars(
        select(Reply)
        .options(joinedload(Reply.author))
        .where(Reply.post_id == post.id)
        .order_by(Reply.created_at, Reply.id)
    )
    return [reply for reply in rows if policy.may_see_reply(user, post, reply)]


def answerable_departments(session: Session, user) -> list[Department]:
    """The departments whose unanswered list ``user`` reads: those they answer for, head or
    lead; every department for IT and Auditors."""
    statement = select(Department).order_by(Department.company_id, Department.id)
    if not policy.sees_everything(user):
        handled = select(Post.department_id).where(Post.handler_id == user.id)
        statement = statement.where(
            or_(
                Department.head_id == user.id,
                Department.leader_in_charge_id == user.id,
                Department.id.in_(handled),
            )
        )
    return list(session.scalars(statement))


def unanswered(
    session: Session, department_id: int, limit: int = PAGE, offset: int = 0
) -> list[Post]:
    """A department's published posts without an answer, oldest (longest waiting) first
    (§8.2). Read from the partial index ``ix_discussion_post_unanswered``."""
    return list(
        session.scalars(
            select(Post)
            .where(
                Post.department_id == department_id,
                Post.answered_at.is_(None),
                Post.status == _PUBLISHED,
            )
            .order_by(Post.created_at, Post.id)
            .offset(offset)
            .limit(limit)
        )
    )


def unanswered_counts(session: Session, department_ids: list[int]) -> dict[int, tuple[int, int]]:
    """department id -> (unanswered, of which overdue), for the given departments."""
    if not department_ids:
        return {}
    now = utcnow()
    rows = session.execute(
        select(
            Post.department_id,
            func.count(),
            func.count().filter(Post.due_at < now),
        )
        .where(
            Post.department_id.in_(department_ids),
            Post.answered_at.is_(None),
            Post.status == _PUBLISHED,
        )
        .group_by(Post.department_id)
    )
    return {department: (int(total), int(late)) for department, total, late in rows}


def _owed(user_id: int):
    """Posts whose answer ``user_id`` owes (§8.2): as handler, with no draft of theirs
    waiting for the leader; as approver, with a draft waiting."""
    waiting = select(Reply.id).where(Reply.post_id == Post.id, Reply.status == PENDING)
    return or_(
        and_(
            Post.handler_id == user_id,
            Post.answered_at.is_(None),
            Post.status == _PUBLISHED,
            ~waiting.exists(),
        ),
        and_(Post.approver_id == user_id, Post.answered_at.is_(None), waiting.exists()),
    )


def owed(session: Session, user, limit: int = PAGE) -> list[Post]:
    """The discussion to-dos of ``user``: posts to answer and office drafts to approve,
    earliest deadline first."""
    return list(
        session.scalars(
            select(Post)
            .options(joinedload(Post.author), joinedload(Post.department))
            .where(_owed(user.id))
            .order_by(Post.due_at, Post.id)
            .limit(limit)
        )
    )


def owed_count(session: Session, user_id: int) -> int:
    """How many discussion to-dos ``user_id`` has (the inbox's badge)."""
    return int(session.scalar(select(func.count()).select_from(Post).where(_owed(user_id))) or 0)


@dataclass(frozen=True)
class ResponseTimes:
    """A department's answers to posts about it over a period (§8.2, for §8.5's inspection)."""

    department_id: int
    department: str
    posts: int
    answered: int
    answered_late: int  # answered after the 24-hour deadline
    waiting_overdue: int  # still unanswered past the deadline
    average_hours: float | None  # from publication to the answer, answered posts only
    longest_hours: float | None


def response_times(
    session: Session, start: datetime, end: datetime, now: datetime | None = None
) -> list[ResponseTimes]:
    """Per answering department, the published posts created in [start, end): how many were
    answered, how many late, how many still wait past their deadline, and the average and
    longest time to answer in hours. The inspection report (issue 22) may call this."""
    now = now or utcnow()
    rows = session.execute(
        select(
            Post.department_id,
            func.count(),
            func.count(Post.answered_at),
            func.count().filter(Post.answered_at > Post.due_at),
            func.count().filter(and_(Post.answered_at.is_(None), Post.due_at < now)),
        )
        .where(
            Post.created_at >= start,
            Post.created_at < end,
            Post.status != HELD,
            Post.due_at.is_not(None),
        )
        .group_by(Post.department_id)
    ).all()
    durations: dict[int, list[float]] = {}
    answered = session.execute(
        select(Post.department_id, Post.created_at, Post.answered_at).where(
            Post.created_at >= start,
            Post.created_at < end,
            Post.answered_at.is_not(None),
        )
    )
    for department, created, done in answered:
        durations.setdefault(department, []).append((done - created).total_seconds() / 3600)
    names = {
        department.id: department.shown_name
        for department in session.scalars(
            select(Department).where(Department.id.in_([row[0] for row in rows]))
        )
    }
    found = []
    for department, total, done, late, waiting in rows:
        hours = durations.get(department, [])
        found.append(
            ResponseTimes(
                department_id=department,
                department=names.get(department, str(department)),
                posts=int(total),
                answered=int(done),
                answered_late=int(late),
                waiting_overdue=int(waiting),
                average_hours=round(sum(hours) / len(hours), 2) if hours else None,
                longest_hours=round(max(hours), 2) if hours else None,
            )
        )
    return sorted(found, key=lambda row: row.department)


@dataclass(frozen=True)
class Queue:
    """The moderators' queue: held posts and replies, open reports."""

    held_posts: list[Post]
    held_replies: list[Reply]
    reports: list[Report]


def moderation_queue(session: Session, user, limit: int = PAGE) -> Queue:
    moderated = select(Board.id).where(policy.moderated_boards(user))
    held_posts = session.scalars(
        select(Post)
        .where(Post.status == HELD, Post.board_id.in_(moderated))
        .order_by(Post.created_at)
        .limit(limit)
    ).all()
    held_replies = session.scalars(
        select(Reply)
        .join(Post, Post.id == Reply.post_id)
        .where(Reply.status == HELD, Post.board_id.in_(moderated))
        .order_by(Reply.created_at)
        .limit(limit)
    ).all()
    reports = session.scalars(
        select(Report)
        .join(Post, Post.id == Report.post_id)
        .where(Report.settled_at.is_(None), Post.board_id.in_(moderated))
        .order_by(Report.created_at)
        .limit(limit)
    ).all()
    return Queue(list(held_posts), list(held_replies), list(reports))


def trail(session: Session, post: Post) -> list[DiscussionEvent]:
    """Every step on a post, in order (shown to its moderators and Auditors)."""
    return list(
        session.scalars(
            select(DiscussionEvent)
            .where(DiscussionEvent.post_id == post.id)
            .order_by(DiscussionEvent.id)
        )
    )
