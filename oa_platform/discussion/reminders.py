"""The reminder before a post's 24-hour deadline and the notice when it passes (§8.2; the
deadline rule of §3.3), as timers of the timer service (subject ``discussion_post``).

The commands call :func:`schedule` in the transaction that gives a post its handler
(published, released from review, restored, reassigned) and :func:`close` in the one that
ends the wait (answered, approved, hidden, withdrawn, reassigned), so a post's timers exist
exactly while an answer is owed. The timer service claims and fires them like a process's
deadlines: once, with a lease, retried when a handler fails (``runtime/timers.py``).
:class:`PostTimers` fires them, looking at the post as it is then: a post answered meanwhile
tells nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext
from sqlalchemy import literal_column, select, update
from sqlalchemy.orm import Session, joinedload

from form_builder.clock import utcnow
from oa_platform.discussion.models import PENDING, PUBLISHED, DiscussionEvent, Post, Reply
from oa_platform.discussion.trail import link, record
from oa_platform.notifications.service import tell
from oa_platform.runtime.models import Timer, TimerState
from plugins.contract import N_
from plugins.timer_subject import TimerSubject

SUBJECT = "discussion_post"
REMIND_BEFORE = timedelta(hours=4)  # like a process node's reminder before its deadline
REMINDER, OVERDUE = "reminder", "overdue"
_PENDING = literal_column("'pending'")
# What each timer writes in the post's trail.
_EVENTS = {REMINDER: "reminded", OVERDUE: "overdue"}


def schedule(
    session: Session, post: Post, now: datetime | None = None, *, replacing: bool = True
) -> None:
    """``post`` waits for its handler's answer by ``post.due_at``: a reminder
    ``REMIND_BEFORE`` ahead of it, if that is still to come, and the overdue notice at the
    deadline (at once if it passed while the post was hidden or before it was reassigned,
    unless this handler was told already). Replaces the post's pending timers, unless the
    caller knows it has none (``replacing=False``: a post just published)."""
    now = now or utcnow()
    if replacing:
        close(session, post)
    due = {REMINDER: post.due_at - REMIND_BEFORE, OVERDUE: post.due_at}
    if due[REMINDER] <= now:
        del due[REMINDER]  # too late to remind: the to-do's own notice is recent
        if OVERDUE in _told(session, post):
            del due[OVERDUE]
    for kind, at in due.items():
        session.add(
            Timer(
                subject_kind=SUBJECT,
                subject_id=post.id,
                kind=kind,
                due_at=max(at, now),
                data={"handler": post.handler_id},
            )
        )


def close(session: Session, post: Post) -> None:
    """Nothing waits any more (the post was answered, hidden, withdrawn or passed to someone
    else): its pending timers are closed in this transaction without firing (``fired_at``
    stays empty). One that a worker already claimed finds the post answered, or its handler
    changed, and tells nobody."""
    session.execute(
        update(Timer)
        .where(
            Timer.subject_kind == SUBJECT,
            Timer.subject_id == post.id,
            # Written into the statement: SQLite matches a partial index's condition
            # (ix_timer_subject_pending) against the query's text, not a bound value.
            Timer.state == _PENDING,
        )
        .values(state=TimerState.DONE)
        .execution_options(synchronize_session=False)
    )


def _told(session: Session, post: Post) -> set[str]:
    """Which of the post's notices its current handler has had (from the trail)."""
    username = post.handler.username if post.handler is not None else None
    steps = session.execute(
        select(DiscussionEvent.event, DiscussionEvent.detail).where(
            DiscussionEvent.post_id == post.id,
            DiscussionEvent.event.in_(tuple(_EVENTS.values())),
        )
    ).all()
    return {
        kind
        for kind, event in _EVENTS.items()
        for step, detail in steps
        if step == event and (detail or {}).get("handler") == username
    }


class PostTimers(TimerSubject):
    """Timers whose subject is a discussion post (``subject_id`` = the post's id)."""

    name = SUBJECT
    label = N_("Discussion post")

    def handler(self, session: Session) -> Callable[[Timer], None]:
        return lambda timer: fire(session, timer)

    def load(self, session: Session, timers: Sequence[Timer]) -> list[Any]:
        """The posts with their handlers and approvers, locked (PostgreSQL) so that a reply
        committing meanwhile is seen: the reminder then waits for it and finds the post
        answered."""
        ids = sorted({timer.subject_id for timer in timers})
        return list(
            session.scalars(
                select(Post)
                .where(Post.id.in_(ids))
                .order_by(Post.id)
                .options(joinedload(Post.handler), joinedload(Post.approver))
                .with_for_update(of=Post)
                .execution_options(populate_existing=True)
            ).unique()
        )

    def titles(self, session: Session, ids: Sequence[int]) -> dict[int, str]:
        named = select(Post.id, Post.title).where(Post.id.in_(ids))
        return {post_id: title for post_id, title in session.execute(named)}


def fire(session: Session, timer: Timer) -> None:
    """A post's timer is due: remind or tell whoever holds the answer now (the handler, or
    the leader while the office's draft waits for approval), once, recorded in the trail.
    A post answered, hidden or withdrawn, or passed to someone else, tells nobody."""
    post = session.get(Post, timer.subject_id)
    if timer.kind not in _EVENTS:
        raise ValueError(f"unknown discussion timer kind {timer.kind!r}")
    if post is None or post.status != PUBLISHED or post.answered_at is not None:
        return
    if post.handler is None or timer.data.get("handler") != post.handler_id:
        return  # reassigned: the new handler's own timers tell them
    waiting = session.scalar(
        select(Reply.id).where(Reply.post_id == post.id, Reply.status == PENDING).limit(1)
    )
    person = post.approver if waiting is not None and post.approver is not None else post.handler
    tell(
        session,
        [person],
        kind=timer.kind,
        key=f"discussion:{post.id}:{timer.kind}",
        link=link(post),
        message=lambda: _message(timer.kind, post.title),
    )
    record(session, None, _EVENTS[timer.kind], post, handler=person.username)


def _message(kind: str, title: str) -> str:
    """The notice's text, in the recipient's language (``tell`` calls it in theirs)."""
    if kind == REMINDER:
        return gettext("The answer to a post is due soon: %(title)s", title=title)
    return gettext("The answer to a post is overdue: %(title)s", title=title)
