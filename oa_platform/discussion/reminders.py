"""Reminders before a post's 24-hour deadline and the notice when it passes (§8.2; the
deadline rule of §3.3), run by Celery beat every few minutes (``tasks.remind_unanswered``).

Why not the timer table: ``process_timer`` rows belong to a process instance (its
``instance_id`` is required and its handlers lock and audit the instance), and a post is not
one. The scan reads only unanswered published posts (the partial index
``ix_discussion_post_unanswered`` covers ``due_at``) within a window, and each notice has a
key per post, so a person is told once however often the scan runs or however many workers
run it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from form_builder.clock import utcnow
from oa_platform.discussion.commands import _event, _link
from oa_platform.discussion.models import DiscussionEvent, Post
from oa_platform.discussion.queries import _PUBLISHED
from oa_platform.notifications.service import tell
from oa_platform.unit_of_work import unit_of_work

REMIND_BEFORE = timedelta(hours=4)  # like a process node's reminder before its deadline
OVERDUE_WINDOW = timedelta(days=2)  # posts overdue longer were told before (or never will be)


def remind(session: Session, now: datetime | None = None) -> tuple[int, int]:
    """Tell handlers of posts due within ``REMIND_BEFORE`` and of posts whose deadline has
    passed (once each, recorded in the post's trail); returns (reminded, overdue)."""
    now = now or utcnow()

    def work() -> tuple[int, int]:
        unanswered = (
            select(Post)
            .options(joinedload(Post.handler))
            .where(Post.answered_at.is_(None), Post.status == _PUBLISHED)
        )
        soon = session.scalars(
            unanswered.where(Post.due_at > now, Post.due_at <= now + REMIND_BEFORE)
        ).all()
        late = session.scalars(
            unanswered.where(Post.due_at <= now, Post.due_at > now - OVERDUE_WINDOW)
        ).all()
        told = set(
            session.execute(
                select(DiscussionEvent.post_id, DiscussionEvent.event).where(
                    DiscussionEvent.post_id.in_([p.id for p in [*soon, *late]]),
                    DiscussionEvent.event.in_(("reminded", "overdue")),
                )
            ).all()
        )
        reminded = overdue = 0
        for post in soon:
            if (post.id, "reminded") in told or post.handler is None:
                continue
            tell(
                session,
                [post.handler],
                kind="reminder",
                key=f"discussion:{post.id}:reminder",
                link=_link(post),
                message=lambda post=post: gettext(
                    "The answer to a post is due soon: %(title)s", title=post.title
                ),
            )
            _event(session, None, "reminded", post, handler=post.handler.username)
            reminded += 1
        for post in late:
            if (post.id, "overdue") in told or post.handler is None:
                continue
            tell(
                session,
                [post.handler],
                kind="overdue",
                key=f"discussion:{post.id}:overdue",
                link=_link(post),
                message=lambda post=post: gettext(
                    "The answer to a post is overdue: %(title)s", title=post.title
                ),
            )
            _event(session, None, "overdue", post, handler=post.handler.username)
            overdue += 1
        return reminded, overdue

    return unit_of_work(session).run(work)
