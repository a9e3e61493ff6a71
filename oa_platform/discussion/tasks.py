"""Periodic discussion-area work run by Celery beat."""

from __future__ import annotations

from oa_platform.extensions import celery, db


@celery.task(name="oa_platform.discussion.tasks.remind_unanswered")
def remind_unanswered() -> tuple[int, int]:
    """Reminders before, and notices after, unanswered posts' deadlines (reminders.py)."""
    from oa_platform.discussion.reminders import remind

    return remind(db.session)
