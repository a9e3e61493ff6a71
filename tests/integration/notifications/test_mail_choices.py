"""Each person chooses which notices also go by mail, and whether one at a time or in one
digest a day at an hour of their day (issue 19, deliver 1); digests group the notices by
kind and never send one twice (the clock is frozen: Asia/Shanghai is UTC+8)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine

from oa_platform.extensions import db
from oa_platform.notifications import tasks
from oa_platform.notifications.kinds import KINDS
from oa_platform.notifications.models import Notification, NotificationSetting
from oa_platform.notifications.service import notify
from oa_platform.notifications.settings import save_choice
from tests.conftest import login, user
from tests.runtime_helpers import commit

BOTH_DATABASES = True


@pytest.fixture
def mails(demo, monkeypatch):
    """The mails sent, as (to, subject, body); a mail server "configured"."""
    sent: list[tuple[list[str], str, str]] = []
    demo.config.update(MAIL_SERVER="mail.example.com")
    monkeypatch.setattr(
        tasks, "send_mail", lambda to, subject, body: sent.append((to, subject, body))
    )
    return sent


def tell(username: str, kind: str, key: str, subject: str) -> None:
    notify(db.session, [user(username).id], kind=kind, key=key, subject=subject, link="/inbox/")
    commit()


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    """A time of 2027-03-<day> in Shanghai, as the UTC the clock keeps."""
    return datetime(2027, 3, day, hour, minute) - (datetime(2027, 3, 1, 8) - datetime(2027, 3, 1))


def test_a_person_chooses_on_the_settings_page_what_is_mailed_and_when(client, mails):
    login(client, "staff")
    page = client.get("/notifications/settings")
    assert page.status_code == 200
    assert "One digest a day at 08:00" in page.get_data(as_text=True)
    saved = client.post(
        "/notifications/settings",
        data={"email_kinds": ["task", "returned"], "digest_hour": "8"},
    )
    assert saved.status_code == 302
    setting = db.session.get(NotificationSetting, user("staff").id)
    assert (setting.email_kinds, setting.digest_hour) == (["task", "returned"], 8)
    forged = client.post("/notifications/settings", data={"digest_hour": ""}, csrf=False)
    assert forged.status_code == 400

    tell("staff", "task", "task:1", "To do: Check — Claim 1")  # waits for the digest
    tell("staff", "approved", "approved:1", "Henry Ho approved Claim 1")  # never mailed
    tell("finance", "task", "task:2", "To do: Pay — Claim 1")  # no choice made: at once
    assert [to for to, _, _ in mails] == [["finance@example.com"]]
    # Chosen kinds without a digest hour go at once, the others stay in the bell.
    save_choice(db.session, user("hr").id, ["task"], None)
    commit()
    tell("hr", "task", "task:3", "To do: Record — Leave 1")
    tell("hr", "finished", "finished:1", "Leave 1 finished")
    assert [(to, subject) for to, subject, _ in mails[1:]] == [
        (["hr@example.com"], "To do: Record — Leave 1")
    ]


def test_a_backup_alert_is_mailed_at_once_whatever_the_administrator_chose(demo, mails):
    """Operations' alerts are not a preference: an administrator who has nothing mailed, or
    only a morning digest, still hears of a failed backup the day it fails (§7.2); the
    settings page does not offer to turn it off."""
    save_choice(db.session, user("admin").id, [], 8)
    commit()
    tell("admin", "backup", "backup:failed:2027-03-01", "The backup failed: disk full")
    assert mails == [(["admin@example.com"], "The backup failed: disk full", mails[0][2])]
    assert "backup" not in KINDS


def test_digests_come_at_each_persons_hour_grouped_by_kind_and_once(demo, mails):
    save_choice(db.session, user("staff").id, ["task", "returned", "urged"], 8)
    save_choice(db.session, user("finance").id, ["task"], 18)
    with time_machine.travel(shanghai(1, 7, 10), tick=False):
        tell("staff", "task", "task:1", "To do: Check — Claim 1")
        tell("staff", "returned", "task:3", "Henry Ho returned Claim 2 to you: receipts")
        tell("staff", "approved", "approved:9", "Henry Ho approved Claim 0")  # not chosen
        tell("finance", "task", "task:2", "To do: Pay — Claim 1")
    with time_machine.travel(shanghai(1, 7, 40), tick=False):
        tell("staff", "task", "task:4", "To do: Check — Claim 4")
        assert tasks.deliver_digests(shanghai(1, 7, 40)) == 0  # not 8 yet
    assert mails == []

    with time_machine.travel(shanghai(1, 8, 0), tick=False):
        assert tasks.deliver_digests(shanghai(1, 8, 0)) == 1
        assert tasks.deliver_digests(shanghai(1, 8, 0)) == 0  # beat ran twice: one mail
    [(to, subject, body)] = mails
    assert to == ["staff@example.com"]
    assert subject == "Your notices of 1 Mar 2027: 3"
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    headings = [line for line in lines if re.fullmatch(r".+ \(\d+\)", line)]
    assert headings == ["To-dos that reach me (2)", "Forms returned to me (1)"]
    # Each line: the time (company time zone), two spaces, the notice.
    assert "1 Mar 2027, 07:10  To do: Check — Claim 1" in lines
    subjects = [line.split("  ", 1)[1] for line in lines if "Claim" in line]
    assert subjects == [
        "To do: Check — Claim 1",
        "To do: Check — Claim 4",
        "Henry Ho returned Claim 2 to you: receipts",
    ]
    assert "approved" not in body
    mailed = db.session.scalars(
        db.select(Notification.key).where(Notification.mailed_at.is_not(None))
    ).all()
    assert sorted(mailed) == ["task:1", "task:3", "task:4"]

    with time_machine.travel(shanghai(1, 18, 0), tick=False):
        assert tasks.deliver_digests(shanghai(1, 18, 0)) == 1
    assert mails[-1][0] == ["finance@example.com"]
    assert "To do: Pay — Claim 1" in mails[-1][2]

    with time_machine.travel(shanghai(1, 20, 0), tick=False):
        tell("staff", "urged", "urge:1", "Sam Wu urges you to handle Check — Claim 4")
    with time_machine.travel(shanghai(2, 8, 0), tick=False):
        assert tasks.deliver_digests(shanghai(2, 8, 0)) == 1
    _, subject, body = mails[-1]
    assert subject == "Your notices of 2 Mar 2027: 1"
    assert "Urges to handle sooner (1)" in body and "Claim 1" not in body
