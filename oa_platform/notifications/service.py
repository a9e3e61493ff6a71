"""Telling people that something needs them (regulations §3.3; seed 2 §4.4-4.5).

:func:`notify` adds rows to the caller's transaction, written by its commit, so a notice
exists exactly when the change that caused it commits. When ``MAIL_SERVER`` is configured,
each new notice is also mailed — by a Celery task the unit of work queues after its commit, so
nobody is mailed about a change that was rolled back, and a mail failure never undoes the
change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from functools import cache

from flask import current_app
from sqlalchemy import Insert, Integer, Select, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.commit_writes import WrittenAtCommit
from oa_platform.i18n import recipient_locale
from oa_platform.notifications.delivery import mailed_now, messengers_listen
from oa_platform.notifications.models import Notification
from oa_platform.unit_of_work import command, unit_of_work
from plugins.events import announce

log = logging.getLogger(__name__)


def notify(
    session: Session,
    user_ids: Iterable[int],
    *,
    kind: str,
    key: str,
    subject: str,
    link: str,
    task_id: int | None = None,
) -> None:
    """Tell each of ``user_ids`` about one event, when the caller's transaction commits.

    ``kind`` says what happened ("task", "urged", "reminder", "overdue", "question",
    "answer", "returned"); ``key`` names the occurrence ("task:123") so that the same event
    never notifies a person twice: a (user, kind, key) already there is skipped. ``subject``
    is plain text (pages escape it) and ``link`` a relative URL such as
    ``/instances/5?task=123``. ``task_id`` names the to-do the notice announces: once the
    to-do is handled, the notice is cleared (:func:`withdraw`).

    Does not commit. The transaction's notices are inserted by its commit, all in one
    statement that skips a (user, kind, key) already present (``ON CONFLICT DO NOTHING``):
    committed before, told twice in this transaction, or committed meanwhile by a concurrent
    transaction, which so never fails the caller's commit on the unique constraint.
    """
    if not is_relative_link(link):
        raise ValueError(f"notification links must be relative URLs, not {link!r}")
    for user_id in dict.fromkeys(user_ids):  # each person once
        _notices.add(
            session,
            {
                "user_id": user_id,
                "kind": kind,
                "key": key,
                "subject": subject[:255],
                "link": link,
                "task_id": task_id,
            },
        )


def tell(
    session: Session,
    users: Iterable[OAUser],
    *,
    kind: str,
    key: str,
    link: str,
    message: Callable[[], str],
    task_id: int | None = None,
) -> None:
    """:func:`notify` each of ``users`` with ``message()`` written in their own language
    (their saved choice, else the site's default): the person who caused a notice is seldom
    the one who reads it. ``message`` calls ``gettext``; it runs once per language."""
    written: dict[str | None, str] = {}
    for user in {user.id: user for user in users}.values():
        language = user.locale
        if language not in written:
            with recipient_locale(user):
                written[language] = message()
        notify(
            session,
            [user.id],
            kind=kind,
            key=key,
            subject=written[language],
            link=link,
            task_id=task_id,
        )


def replace_pending(session: Session, *, kind: str, key: str) -> None:
    """Drop the transaction's unwritten notices of (``kind``, ``key``): another notice says
    the same thing better (a to-do that came back is told as returned, with who and why)."""
    _notices.add(session, {"withdraw": (kind, key), "ended": False})


def withdraw(session: Session, *, kind: str, key: str) -> None:
    """The event (``kind``, ``key``) is over: its notices that the caller's transaction has
    not written yet are dropped (a start task submitted in the transaction that created it
    was never a to-do).

    For a to-do (``kind="task"``, ``key="task:<id>"``) the commit also clears, marks read,
    every notice that announced it and is still unread: its arrival, reminder, deadline and
    urges, for everyone told (issue 19, defect 3: a head's badge counted handled tasks for
    ever). One indexed UPDATE per transaction, whatever the number of tasks.
    """
    _notices.add(session, {"withdraw": (kind, key)})


def _ended_tasks(rows: list[dict]) -> list[int]:
    """The ids of the to-dos the transaction's withdrawals named."""
    ended = []
    for row in rows:
        kind, key = row.get("withdraw", ("", ""))
        if (
            row.get("ended", True)
            and kind == "task"
            and key.startswith("task:")
            and key[5:].isdigit()
        ):
            ended.append(int(key[5:]))
    return ended


def _insert(session: Session, rows: list[dict]) -> None:
    ended = _ended_tasks(rows)
    if ended:  # before the new rows: a notice told after its task ended is news
        session.execute(
            update(Notification)
            .where(Notification.task_id.in_(ended), Notification.read_at.is_(None))
            .values(read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    rows = _not_withdrawn(rows)
    if not rows:
        return
    session.flush()  # the users the rows name (their foreign key), as the commit would
    statement = _insert_skipping_duplicates(session.get_bind(Notification.__mapper__).dialect.name)
    # The rows as executemany parameters: the statement compiles once per process. Only the
    # rows written come back (a (user, kind, key) already there is skipped).
    written = list(session.execute(statement, rows))
    if current_app.config.get("MAIL_SERVER"):
        for notification_id in mailed_now(session, written):
            # Each on its own: one that fails does not stop the rest.
            unit_of_work(session).after_commit(_queue_mail, notification_id)
    if written and messengers_listen():
        people = dict(
            session.execute(
                select(OAUser.id, OAUser.username).where(
                    OAUser.id.in_({row.user_id for row in written})
                )
            ).all()
        )
        told = [
            (
                "notified",
                {
                    "username": people[row.user_id],
                    "kind": row.kind,
                    "subject": row.subject,
                    "link": row.link,
                },
            )
            for row in written
        ]
        unit_of_work(session).after_commit(announce, told)


def _not_withdrawn(rows: list[dict]) -> list[dict]:
    """The notices, without those a later ``withdraw`` marker names (in the order added, so
    the same event told again after it was withdrawn is kept)."""
    kept: list[dict] = []
    for row in rows:
        if "withdraw" in row:
            kept = [notice for notice in kept if (notice["kind"], notice["key"]) != row["withdraw"]]
        else:
            kept.append(row)
    return kept


_notices: WrittenAtCommit[dict] = WrittenAtCommit("notifications", _insert)


@cache
def _insert_skipping_duplicates(dialect: str) -> Insert:
    """An INSERT of notifications that leaves out rows whose (user, kind, key) exists and
    returns the new rows (id, person, kind, subject, link)."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise RuntimeError(f"notifications need PostgreSQL or SQLite, not {dialect}")
    table = Notification.__table__
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["user_id", "kind", "key"])
        .returning(table.c.id, table.c.user_id, table.c.kind, table.c.subject, table.c.link)
    )


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
) -> None:
    """:func:`notify` by user name; unknown names are ignored."""
    names = list(usernames)
    if not names:
        return
    user_ids = session.scalars(select(OAUser.id).where(OAUser.username.in_(names)))
    notify(session, list(user_ids), kind=kind, key=key, subject=subject, link=link)


def unread_count(session: Session, user_id: int) -> int:
    """How many of ``user_id``'s notifications are unread (one indexed COUNT)."""
    return session.scalar(_unread_count_query(), {"user_id": user_id})


@cache
def _unread_count_query() -> Select:
    """Built once: every page's bell asks it, and building it cost as much as running it."""
    return select(func.count(Notification.id)).where(
        Notification.user_id == bindparam("user_id", type_=Integer),
        Notification.read_at.is_(None),
    )


def clear(session: Session, *, user_id: int, kind: str, key: str) -> None:
    """Mark ``user_id``'s notice (``kind``, ``key``) read in the caller's transaction: what it
    asked for is done (a question answered)."""
    session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.kind == kind,
            Notification.key == key,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )


@command
def mark_read(session: Session, user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark ``user_id``'s notifications ``ids`` (all when ``None``) read; return how many
    changed. Other people's ids are ignored."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(list(ids)))
    return session.execute(statement).rowcount


def _queue_mail(notification_id: int) -> None:
    from oa_platform.notifications.tasks import send_notification_email

    send_notification_email.apply_async(args=[notification_id])
