"""A notice about a to-do is news until the to-do is handled (issue 19, defect 3): nobody is
told to do what they just did themselves, and the badge counts only what still waits."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.notifications.service import unread_count
from tests.conftest import user
from tests.runtime_helpers import act_at, fire_due_timers, start

BOTH_DATABASES = True


def unread(username: str) -> list[str]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Notification.kind)
        .where(Notification.user_id == user(username).id, Notification.read_at.is_(None))
        .order_by(Notification.id)
    )
    return list(rows)


def test_the_initiator_is_not_told_to_do_their_own_submission(demo):
    start("staff", "leave_request")
    assert "task" not in unread("staff")
    assert unread("head") == ["task"]


def test_a_handled_to_do_clears_its_arrival_reminder_and_deadline_notices(demo):
    instance = start("staff", "leave_request")
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        fire_due_timers()  # the reminder and the passed deadline
    assert unread("head") == ["task", "reminder", "overdue"]
    assert unread_count(db.session, user("head").id) == 3

    act_at(instance, "head", "agree")
    assert unread("head") == []
    assert unread_count(db.session, user("head").id) == 0
    # The next handler's own to-do is news, and stays so until they act.
    assert unread("leader") == ["task"]
