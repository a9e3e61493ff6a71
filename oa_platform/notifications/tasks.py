"""Mailing a notification, in the background and with retries (SMTP servers do go away)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from oa_platform.extensions import celery, db
from oa_platform.notifications.models import Notification
from plugins.mail import MAIL_ERRORS, mail_enabled, send_mail


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
    ``OA_BASE_URL``: a mail is read outside the site, so it cannot be relative.
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
        link = f"{config['OA_BASE_URL'].rstrip('/')}/notifications/{notification.id}/open"
    # Sent after the session is closed: no database connection is held while SMTP is slow.
    send_mail([address], subject, f"{subject}\n\nOpen it: {link}\n\n— {config['APP_NAME']}")
