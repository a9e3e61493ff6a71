"""What the notices pages list: the live notices of a reader's audience (the dashboard and
the list: pinned first, newest first, with the reader's unread marks) and what the reader's
side published, with read counts. Every list is filtered by ``policy``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Select, bindparam, select
from sqlalchemy.orm import Session, defer, joinedload

from oa_platform.notices import policy
from oa_platform.notices.models import Notice, NoticeRead

DASHBOARD = 8
PAGE = 50


@dataclass(frozen=True)
class Shown:
    notice: Notice
    read: bool


@functools.cache
def _for_reader_statement() -> Select:
    """The dashboard's and the list's statement, built once (on first use: loader options
    configure the mappers, which import time must not): the reader, their audience keys (an
    expanding parameter, so every reader shares one statement and its compiled form), the
    day and the page are bound. The body (rich text, the bulk of a row) is not read for a
    list; the author is, in the same statement, for the API's rows (no query per row)."""
    read_at = (
        select(NoticeRead.read_at)
        .where(NoticeRead.notice_id == Notice.id, NoticeRead.user_id == bindparam("reader"))
        .scalar_subquery()
    )
    return (
        select(Notice, read_at)
        .options(joinedload(Notice.department), joinedload(Notice.author), defer(Notice.body))
        .where(
            policy.live(bindparam("on", type_=Date)),
            policy.reaches(bindparam("keys", expanding=True)),
        )
        .order_by(Notice.pinned.desc(), Notice.published_at.desc(), Notice.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


def for_reader(session: Session, user, on: date, limit: int = DASHBOARD, offset: int = 0):
    """Live notices whose audience reaches ``user``: pinned first, then newest; each with
    whether ``user`` has opened it. Two statements: the audience keys, the list."""
    rows = session.execute(
        _for_reader_statement(),
        {
            "reader": user.id,
            "keys": policy.audience_keys(user),
            "on": on,
            "limit": limit,
            "offset": offset,
        },
    )
    return [Shown(notice, opened is not None) for notice, opened in rows]


def published(session: Session, user, limit: int = PAGE) -> list[Notice]:
    """Notices ``user`` wrote or whose unit they head, in force or not, newest first (their
    read counts are the publishing side's to see)."""
    return list(
        session.scalars(
            select(Notice)
            .options(joinedload(Notice.author), defer(Notice.body))  # the page names authors
            .where(policy.publishing_side(session, user))
            .order_by(Notice.published_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )
