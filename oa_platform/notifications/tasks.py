"""Mailing notifications, in the background and with retries (SMTP servers do go away): one
notice at a time, or each person's daily digest at the hour they chose."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.extensions import celery, db
from oa_platform.i18n import format_day, format_when, local_time, recipient_locale
from oa_platform.notifications.delivery import digest_window
from oa_platform.notifications.kinds import KINDS, label
from oa_platform.notifications.models import Notification, NotificationSetting
from plugins.mail import MAIL_ERRORS, mail_enabled, send_mail


def _site() -> str:
    return current_app.config["OA_BASE_URL"].rstrip("/")


@celery.task(
    name="oa_platform.notifications.tasks.send_notification_email",
    autoretry_for=MAIL_ERRORS,
    retry_backoff=30,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> None:
    """Mail notification ``notification_id`` to its person, with a link into the site.

    Nothing is sent when the row is gone (its transaction's savepoint was rolled back), the
    person is inactive or has no address, or mail is not configured. The link starts with
    ``OA_BASE_URL``: a mail is read outside the site, so it cannot be relative. The mail's
    words are in the person's language, as the notice is.
    """
    if not mail_enabled():
        return
    config = current_app.config
    # A session of its own: the eager (test) run happens inside the caller's after-commit
    # hook, where the caller's session may not run SQL.
    with Session(db.engine) as session:
        notification = session.get(Notification, notification_id)
        if notification is None or not notification.user.active or not notification.user.email:
            return
        address, subject = notification.user.email, notification.subject
        link = f"{_site()}/notifications/{notification.id}/open"
        with recipient_locale(notification.user):
            body = gettext("%(subject)s\n\nOpen it: %(link)s", subject=subject, link=link)
        notification.mailed_at = utcnow()
        session.commit()
    # Sent after the session is closed: no database connection is held while SMTP is slow.
    send_mail([address], subject, f"{body}\n\n— {config['APP_NAME']}")


@celery.task(name="oa_platform.notifications.tasks.send_digests")
def send_digests() -> int:
    """Beat runs this every hour: the people whose digest hour it is now (company time) get
    one mail with their notices since the last digest. Returns how many mails went out."""
    if not mail_enabled():
        return 0
    return deliver_digests(utcnow())


def deliver_digests(now: datetime) -> int:
    """Send the digests due at ``now`` (naive UTC); each person's in their own transaction,
    marked sent before the mail leaves, so a second run in the same hour sends nothing."""
    hour = local_time(now).hour
    with Session(db.engine) as session:
        due = session.scalars(
            select(NotificationSetting.user_id).where(NotificationSetting.digest_hour == hour)
        ).all()
    sent = 0
    for user_id in due:
        mail = _digest_of(user_id, now)
        if mail is not None:
            send_mail(*mail)
            sent += 1
    return sent


def _digest_of(user_id: int, now: datetime) -> tuple[list[str], str, str] | None:
    """(to, subject, body) of ``user_id``'s digest due at ``now``, the notices it lists
    marked mailed; None when there is nothing to send or it went out this hour already."""
    with Session(db.engine) as session:
        setting = session.get(NotificationSetting, user_id, with_for_update=True)
        person = setting.user if setting else None
        if setting is None or not person.active or not person.email:
            return None
        sent = setting.digest_sent_at
        if sent is not None and (now - sent).total_seconds() < 3600:
            return None  # this hour's digest is out already
        notices = session.scalars(
            select(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.mailed_at.is_(None),
                Notification.created_at >= digest_window(setting, now),
                Notification.created_at <= now,
                Notification.kind.in_(setting.email_kinds or ()),
            )
            .order_by(Notification.created_at, Notification.id)
        ).all()
        setting.digest_sent_at = now
        if not notices:
            session.commit()
            return None
        session.execute(
            update(Notification)
            .where(Notification.id.in_([n.id for n in notices]))
            .values(mailed_at=now)
        )
        with recipient_locale(person):
            subject, body = _digest_text(notices, now)
        session.commit()
        return [person.email], subject, f"{body}\n\n— {current_app.config['APP_NAME']}"


def _digest_text(notices: list[Notification], now: datetime) -> tuple[str, str]:
    """The digest's subject and body: the notices grouped by kind (in the settings page's
    order), oldest first in each group, every line with its time and link."""
    groups: dict[str, list[Notification]] = defaultdict(list)
    for notice in notices:
        groups[notice.kind].append(notice)
    order = [kind for kind in KINDS if kind in groups] + sorted(set(groups) - set(KINDS))
    lines = []
    for kind in order:
        lines.append(f"{label(kind)} ({len(groups[kind])})")
        for notice in groups[kind]:
            lines.append(f"  {format_when(notice.created_at)}  {notice.subject}")
            lines.append(f"    {_site()}/notifications/{notice.id}/open")
        lines.append("")
    subject = gettext(
        "Your notices of %(day)s: %(count)s",
        day=format_day(now),
        count=len(notices),
    )
    return subject, "\n".join(lines).rstrip()
