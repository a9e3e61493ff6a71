"""The platform's one e-mail sender: notification mails and the ``email`` node type use it.

Its settings are the Flask app's ``MAIL_*`` (declared in ``config.py``), read when a message
is sent, so it runs inside an app context: background jobs (``NodeContext.run_job``) and
Celery tasks always have one. It lives beside the node-type contract, not in the runtime,
because plugins may not import ``oa_platform``; the runtime may import it.

Sending is slow and can fail, so call it from a background job with retries: a failure
raises one of :data:`MAIL_ERRORS`, which are worth retrying.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from smtplib import SMTP, SMTPException

from flask import current_app

# What a failed send raises; the server may be back on a later attempt.
MAIL_ERRORS: tuple[type[Exception], ...] = (SMTPException, OSError)
# Seconds a connection may stay silent before the attempt fails (and is retried).
SMTP_TIMEOUT = 30


def mail_enabled() -> bool:
    """Whether mail is configured (``MAIL_SERVER`` set); without it nothing is sent."""
    return bool(current_app.config["MAIL_SERVER"])


def send_mail(to: Sequence[str], subject: str, body: str) -> int:
    """Send one plain-text message to every address in ``to``; the number of recipients.

    Returns 0 without connecting when mail is not configured or ``to`` is empty. Raises one
    of :data:`MAIL_ERRORS` when the server cannot be reached or refuses the message.
    """
    recipients = [address for address in to if address]
    if not recipients or not mail_enabled():
        return 0
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join(recipients)
    message.set_content(body)
    with SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
    return len(recipients)
