"""The discussion's trail (``discussion_event``, append-only) and the link that every notice
about a post carries; shared by the commands and the timers of a post's answer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from oa_platform.discussion.models import DiscussionEvent, Post, Reply


def record(
    session: Session, actor, event: str, post: Post | None, reply: Reply | None = None, **detail
) -> None:
    """Add a step to the trail: who (None: the system), what, on which post or reply, why."""
    session.add(
        DiscussionEvent(
            actor_id=actor.id if actor is not None else None,
            event=event,
            post_id=post.id if post is not None else None,
            reply_id=reply.id if reply is not None else None,
            detail=detail,
        )
    )


def link(post: Post) -> str:
    """The post's page, relative (as notices' links are)."""
    return f"/discussion/posts/{post.id}"
