"""Mailing a notification, in the background and with retries (SMTP servers do go away)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy.orm import Session

from oa_platform.extensions import celery, db
from oa_platform.notifications.models import Notification


@celery.task(
    name="oa_platform.notifications.tasks.send_notification_email",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> None:
    """Mail notification ``notification_id`` to its person over ``MAIL_SERVER``.

    Nothing is sent when the row is gone (its transaction's savepoint was rolled back), the
    person is inactive or has no address, or mail is not configured.
    """
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return
    # A session of its own: the eager (test) run happens inside the caller's after-commit
    # hook, where the caller's session may not run SQL.
    with Session(db.engine) as session:
        notification = session.get(Notification, notification_id)
        if notification is None or not notification.user.active or not notification.user.email:
            return
        message = EmailMessage()
        message["Subject"] = notification.subject
        message["From"] = config.get("MAIL_DEFAULT_SENDER") or "oa@localhost"
        message["To"] = notification.user.email
        base = (config.get("OA_BASE_URL") or "").rstrip("/")
        message.set_content(
            f"{notification.subject}\n\n"
            f"Open it: {base}/notifications/{notification.id}/open\n\n"
            f"— {config.get('APP_NAME', 'OA Platform')}"
        )
    with smtplib.SMTP(
        config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=30
    ) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)
