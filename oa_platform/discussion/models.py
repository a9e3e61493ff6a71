"""Discussion tables: boards, posts, replies, the persons in charge of answering, reports,
forbidden terms and the trail of every step.

Nothing is deleted: hidden and held content stays in its row with the moderator's reason
(§8.3, for the record); the trail (:class:`DiscussionEvent`) is append-only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from form_builder.clock import utcnow

# Board kinds: the group's board, one per company, one per department, the suggestions board.
GROUP, COMPANY, DEPARTMENT, SUGGESTIONS = "group", "company", "department", "suggestions"
# What a post concerns (§8.2): a department, the group or a branch company.
CONCERNS = ("department", "group", "branch")
# Statuses of posts and replies; a post may also be withdrawn by its author.
PUBLISHED, HELD, HIDDEN, WITHDRAWN = "published", "held", "hidden", "withdrawn"
# A reply drafted by an office for the leader's approval, or refused by the leader.
PENDING, REFUSED = "pending", "refused"


class Board(Model):
    """A board: the group's, a company's, a department's, or the suggestions board.

    ``owner`` moderates it beside IT (§8.3); by default the unit's head."""

    __tablename__ = "discussion_board"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "group", "suggestions", "company:<id>", "department:<id>": one board each, so two
    # first visits creating the boards at once cannot make two (commands.ensure_boards).
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("org_company.id"), index=True)
    company = relationship("Company")
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("org_department.id"), index=True, unique=True
    )
    department = relationship("Department")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    owner = relationship("OAUser", foreign_keys=[owner_id])
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Responder(Model):
    """A department's person in charge of answering posts about it (§8.2), when it is not
    the department's head (the default)."""

    __tablename__ = "discussion_responder"

    department_id: Mapped[int] = mapped_column(ForeignKey("org_department.id"), primary_key=True)
    department = relationship("Department")
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    user = relationship("OAUser", foreign_keys=[user_id])


class Post(Model):
    """A post on a board. ``concerns`` and ``department`` say who answers it (§8.2);
    ``handler`` is the person who owes the answer (the person in charge, or the office's)
    and ``approver`` the leader who approves an office's reply (group and branch matters)."""

    __tablename__ = "discussion_post"
    __table_args__ = (
        # The unanswered list, per department, oldest first; only unanswered rows.
        Index(
            "ix_discussion_post_unanswered",
            "department_id",
            "created_at",
            "id",
            # Covers the counts of unanswered and overdue posts (queries.unanswered_counts).
            "due_at",
            sqlite_where=text("answered_at IS NULL AND status = 'published'"),
            postgresql_where=text("answered_at IS NULL AND status = 'published'"),
        ),
        Index("ix_discussion_post_board", "board_id", "created_at"),
        # Response times per department over a period (inspection).
        Index("ix_discussion_post_department", "department_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("discussion_board.id"), nullable=False)
    board = relationship("Board")
    author_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    author = relationship("OAUser", foreign_keys=[author_id])
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    # Plain text, escaped wherever shown (no markup is kept).
    body: Mapped[str] = mapped_column(Text, nullable=False)
    concerns: Mapped[str] = mapped_column(String(16), nullable=False)
    # The department that answers: the one concerned, or the group's or branch's office.
    department_id: Mapped[int] = mapped_column(ForeignKey("org_department.id"), nullable=False)
    department = relationship("Department")
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    handler = relationship("OAUser", foreign_keys=[handler_id])
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    approver = relationship("OAUser", foreign_keys=[approver_id])
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PUBLISHED)
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # 24 hours of the business calendar after publication (§3.3's deadline, §8.2's reply).
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)


class Reply(Model):
    """A reply to a post. ``official`` marks the answer owed under §8.2; an office's draft
    waits (``pending``) for the leader's approval before it is published."""

    __tablename__ = "discussion_reply"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_post.id"), nullable=False, index=True
    )
    post = relationship("Post")
    author_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    author = relationship("OAUser", foreign_keys=[author_id])
    body: Mapped[str] = mapped_column(Text, nullable=False)
    official: Mapped[bool] = mapped_column(nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PUBLISHED)
    moderation_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_by = relationship("OAUser", foreign_keys=[decided_by_id])
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Report(Model):
    """Someone reported a post or a reply to the moderators, with a reason (§8.3)."""

    __tablename__ = "discussion_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("discussion_post.id"), nullable=False, index=True
    )
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("discussion_reply.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    reporter = relationship("OAUser", foreign_keys=[reporter_id])
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Set when a moderator hid or restored what was reported.
    settled_at: Mapped[datetime | None] = mapped_column(DateTime)


class ForbiddenTerm(Model):
    """A term that holds a post or reply for review instead of publishing it (§8.3)."""

    __tablename__ = "discussion_forbidden_term"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class DiscussionEvent(Model):
    """The discussion's trail: posted, held, reported, hidden, restored, replied, approved,
    refused, with who, when and why. Append-only."""

    __tablename__ = "discussion_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    actor = relationship("OAUser", foreign_keys=[actor_id])
    event: Mapped[str] = mapped_column(String(32), nullable=False)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("discussion_post.id"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("discussion_reply.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
