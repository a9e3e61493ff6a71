"""What the notices pages list: the live notices of a reader's audience (the dashboard and
the list: pinned first, newest first, with the reader's unread marks) and what the reader's
side published, with read counts. Every list is filtered by ``policy``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from oa_platform.notices import policy
from oa_platform.notices.models import Notice, NoticeRead

DASHBOARD = 8
PAGE = 50


@dataclass(frozen=True)
class Shown:
    notice: Notice
    read: bool


def for_reader(session: Session, user, on: date, limit: int = DASHBOARD, offset: int = 0):
    """Live notices whose audience reaches ``user``: pinned first, then newest; each with
    whether ``user`` has opened it."""
    read = (
        select(NoticeRead.read_at)
        .where(NoticeRead.notice_id == Notice.id, NoticeRead.user_id == user.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Notice, read)
        .options(joinedload(Notice.department))  # the unit's name on each row
        .where(policy.live(on), policy.reaches(policy.audience_keys(user)))
        .order_by(Notice.pinned.desc(), Notice.published_at.desc(), Notice.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [Shown(notice, opened is not None) for notice, opened in rows]


def published(session: Session, user, limit: int = PAGE) -> list[Notice]:
    """Notices ``user`` wrote or whose unit they head, in force or not, newest first (their
    read counts are the publishing side's to see)."""
    return list(
        session.scalars(
            select(Notice)
            .where(policy.publishing_side(session, user))
            .order_by(Notice.published_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )
