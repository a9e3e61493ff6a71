"""One e-mail sender (``plugins.mail``) with the app's settings: notification mails and the
``email`` node type both go through it, and no module reads settings from the environment
behind ``config.py``'s back."""

from __future__ import annotations

import re
from email import message_from_string, policy
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

import oa_platform.notifications.models  # noqa: F401 (registers the table before the app builds it)
from oa_platform.extensions import db
from oa_platform.notifications.service import notify
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import InstanceStatus
from plugins import mail
from tests.conftest import user
from tests.runtime_helpers import chain, commit, publish, refresh

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = {
    # An unresolvable host: a mail sent any other way than through the fake fails the test.
    "MAIL_SERVER": "smtp.invalid",
    "MAIL_PORT": 2525,
    "MAIL_USE_TLS": True,
    "MAIL_USERNAME": "oa-robot",
    "MAIL_PASSWORD": "s3cret",
    "MAIL_DEFAULT_SENDER": "workflow@corp.example",
    "OA_BASE_URL": "https://oa.corp.example/",
}


class FakeSMTP:
    """Stands in for ``smtplib.SMTP`` at the one sender; records every connection."""

    connections: list[FakeSMTP] = []

    def __init__(self, host: str, port: int, timeout: float):
        self.address = (host, port, timeout)
        self.calls: list[tuple] = []
        FakeSMTP.connections.append(self)

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *exc_info) -> None:
        self.calls.append(("quit",))

    def starttls(self) -> None:
        self.calls.append(("starttls",))

    def login(self, username: str, password: str) -> None:
        self.calls.append(("login", username, password))

    def send_message(self, message) -> None:
        # Read back from its text, as a server would receive it.
        self.calls.append(("send", message_from_string(message.as_string(), policy=policy.default)))


@pytest.fixture
def fake_smtp(demo, monkeypatch):
    """The app configured for mail, and the sender's SMTP class replaced by :class:`FakeSMTP`."""
    for key, value in SETTINGS.items():
        monkeypatch.setitem(demo.config, key, value)
    monkeypatch.setattr(mail, "SMTP", FakeSMTP)
    FakeSMTP.connections = []
    return FakeSMTP.connections


def sent(connections: list[FakeSMTP], subject: str):
    """The one message with ``subject``, after checking its connection used the settings."""
    found = []
    for connection in connections:
        assert connection.address == ("smtp.invalid", 2525, mail.SMTP_TIMEOUT)
        # TLS before the log-in (the password never travels in clear), then the message.
        assert connection.calls[:2] == [("starttls",), ("login", "oa-robot", "s3cret")]
        found += [c[1] for c in connection.calls if c[0] == "send" and c[1]["Subject"] == subject]
    [message] = found
    assert message["From"] == "workflow@corp.example"
    return message


def test_node_mails_and_notification_mails_share_the_sender_and_the_app_config(fake_smtp):
    publish(
        chain(
            "announce",
            {
                "id": "mail",
                "type": "email",
                "name": "Tell finance",
                "assignee": {"rule": "users", "users": ["finance", "hr"]},
                "config": {"subject": "Budget approved", "body": "See the attachment."},
            },
        )
    )
    instance = refresh(runtime().submit(user("staff"), "announce", MultiDict()))
    assert instance.status is InstanceStatus.COMPLETED
    node_mail = sent(fake_smtp, "Budget approved")
    assert node_mail["To"] == "finance@example.com, hr@example.com"
    assert "See the attachment." in node_mail.get_content()

    notify(db.session, [user("staff").id], kind="task", key="t:1", subject="Approve #7", link="/")
    commit()
    notice_mail = sent(fake_smtp, "Approve #7")
    assert notice_mail["To"] == "staff@example.com"
    # The link is absolute, from OA_BASE_URL (its trailing slash not doubled).
    assert re.search(
        r"Open it: https://oa\.corp\.example/notifications/\d+/open\n", notice_mail.get_content()
    )


def test_settings_are_read_through_config_and_mail_has_one_sender():
    """``config.py`` alone reads the environment; ``plugins/mail.py`` alone speaks SMTP."""
    environ, smtp = [], []
    for package in ("oa_platform", "form_builder", "plugins"):
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text()
            name = str(path.relative_to(ROOT))
            # Reading a setting; handing the environment on to a child process is not one.
            if re.search(r"os\.environ(\.get\(|\[)|getenv\(", source):
                environ.append(name)
            if "smtplib" in source:
                smtp.append(name)
    assert environ == []
    assert smtp == ["plugins/mail.py"]
