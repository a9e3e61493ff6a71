"""Telling people that something needs them (regulations §3.3; seed 2 §4.4-4.5).

:func:`notify` adds rows inside the caller's transaction, so a notice exists exactly when the
change that caused it commits. When ``MAIL_SERVER`` is configured, each new notice is also
mailed — by a Celery task queued only after the outermost commit, so nobody is mailed about
a change that was rolled back, and a mail failure never undoes the change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import Insert, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, SessionTransaction

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.notifications.models import Notification

log = logging.getLogger(__name__)

# Ids of notifications to mail once the session's outermost transaction commits.
_MAIL_KEY = "oa_notification_mail"


def notify(
    session: Session,
    user_ids: Iterable[int],
    *,
    kind: str,
    key: str,
    subject: str,
    link: str,
) -> list[Notification]:
    """Tell each of ``user_ids`` about one event; return the notifications added.

    ``kind`` says what happened ("task", "urged", "reminder", "overdue", "question",
    "answer", "returned"); ``key`` names the occurrence ("task:123") so that the same event
    never notifies a person twice: a (user, kind, key) already present — committed, or added
    earlier in this session — is skipped. ``subject`` is plain text (pages escape it) and
    ``link`` a relative URL such as ``/instances/5?task=123``.

    Runs in the caller's transaction and does not commit. The rows are inserted in one
    statement that skips a (user, kind, key) already there (``ON CONFLICT DO NOTHING``), so
    a concurrent transaction that notified the same person first makes this one skip the
    row instead of failing the caller's commit on the unique constraint.
    """
    if not is_relative_link(link):
        raise ValueError(f"notification links must be relative URLs, not {link!r}")
    wanted = list(dict.fromkeys(user_ids))  # each person once, in the order given
    if not wanted:
        return []
    # Rows added but not flushed yet (a session without autoflush) are not seen by the
    # database's conflict check: they would fail the commit instead of being skipped.
    pending = {
        row.user_id
        for row in session.new
        if isinstance(row, Notification) and row.kind == kind and row.key == key
    }
    rows = [
        {"user_id": user_id, "kind": kind, "key": key, "subject": subject[:255], "link": link}
        for user_id in wanted
        if user_id not in pending
    ]
    if not rows:
        return []
    statement = _insert_skipping_duplicates(session).values(rows).returning(Notification)
    inserted = {row.user_id: row for row in session.scalars(statement)}
    added = [inserted[user_id] for user_id in wanted if user_id in inserted]
    if added and current_app.config.get("MAIL_SERVER"):
        session.info.setdefault(_MAIL_KEY, []).extend(row.id for row in added)
    return added


def _insert_skipping_duplicates(session: Session) -> Insert:
    """An INSERT of notifications that leaves out rows whose (user, kind, key) exists."""
    dialect = session.get_bind(Notification.__mapper__).dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise RuntimeError(f"notifications need PostgreSQL or SQLite, not {dialect}")
    return insert(Notification).on_conflict_do_nothing(index_elements=["user_id", "kind", "key"])


def is_relative_link(link: str) -> bool:
    """A path on this site: browsers read ``//host`` and ``/\\host`` as another site."""
    return link.startswith("/") and not link.startswith(("//", "/\\"))


def notify_users(
    session: Session,
    usernames: Iterable[str],
    *,
    kind: str,
    key: str,
    subject: str,
    link: str,
) -> list[Notification]:
    """:func:`notify` by user name; unknown names are ignored."""
    names = list(usernames)
    if not names:
        return []
    user_ids = session.scalars(select(OAUser.id).where(OAUser.username.in_(names)))
    return notify(session, list(user_ids), kind=kind, key=key, subject=subject, link=link)


def unread_count(session: Session, user_id: int) -> int:
    """How many of ``user_id``'s notifications are unread (one indexed COUNT)."""
    return session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def mark_read(session: Session, user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark ``user_id``'s notifications ``ids`` (all when ``None``) read; return how many
    changed. Other people's ids are ignored. Does not commit."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(list(ids)))
    return session.execute(statement).rowcount


@event.listens_for(Session, "after_commit")
def _mail_after_commit(session: Session) -> None:
    # after_commit also fires for savepoints: only the outermost commit makes rows real.
    if session.get_nested_transaction() is not None:
        return
    ids = session.info.pop(_MAIL_KEY, [])
    if not ids:
        return
    from oa_platform.notifications.tasks import send_notification_email

    for notification_id in ids:
        try:
            send_notification_email.apply_async(args=[notification_id])
        except Exception:  # the change is committed; a broker outage must not look like a failure
            log.exception("could not queue the e-mail of notification %s", notification_id)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without the commit above taking the ids: rolled back.
    if transaction.parent is None:
        session.info.pop(_MAIL_KEY, None)
