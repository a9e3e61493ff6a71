"""§8.2 with §3.3's deadline: the person in charge of answering a post is reminded once before
the 24-hour deadline and told once when it passes, by the timer service, and nobody is told
anything once the answer is given, the post hidden or withdrawn, or the answer passed on.

The clock is frozen and moved (``time_machine``); the timers are fired as Celery beat fires
them (``fire_due_timers``: every due timer, by its subject's handler)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from oa_platform.accounts.commands import deactivate_user
from oa_platform.accounts.models import OAUser
from oa_platform.discussion import commands, queries
from oa_platform.discussion.models import DiscussionEvent, Post
from oa_platform.discussion.reminders import REMIND_BEFORE, SUBJECT
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.runtime import timers
from oa_platform.runtime.models import Timer, TimerState
from tests.conftest import login, user
from tests.discussion_helpers import department, post, refresh
from tests.runtime_helpers import fire_due_timers as fire
from tests.runtime_helpers import two_workers_fire

BOTH_DATABASES = True
TOLD = ("reminder", "overdue")


def told(asked: Post) -> list[tuple[str, str]]:
    """(person, kind) of every reminder and overdue notice about ``asked``, sorted."""
    rows = db.session.execute(
        select(OAUser.username, Notification.kind)
        .join(OAUser, OAUser.id == Notification.user_id)
        .where(Notification.link == f"/discussion/posts/{asked.id}", Notification.kind.in_(TOLD))
    )
    return sorted((name, kind) for name, kind in rows)


def timers_of(asked: Post) -> list[tuple[str, TimerState]]:
    """(kind, state) of the post's timers, by due time."""
    db.session.expire_all()
    return [
        (timer.kind, timer.state)
        for timer in db.session.scalars(
            select(Timer)
            .where(Timer.subject_kind == SUBJECT, Timer.subject_id == asked.id)
            .order_by(Timer.due_at, Timer.id)
        )
    ]


def steps(asked: Post) -> list[str]:
    return list(
        db.session.scalars(
            select(DiscussionEvent.event)
            .where(DiscussionEvent.post_id == asked.id)
            .order_by(DiscussionEvent.id)
        )
    )


def at(asked: Post, hours: float):
    """The frozen clock ``hours`` after the post was published."""
    return time_machine.travel(asked.created_at + timedelta(hours=hours), tick=False)


PENDING_PAIR = [("reminder", TimerState.PENDING), ("overdue", TimerState.PENDING)]


def test_finance_s_person_in_charge_is_reminded_once_and_told_once_when_the_deadline_passes(
    demo,
):
    asked = post("staff")  # about the Finance department: its head answers
    assert asked.handler.username == "finance"
    assert timers_of(asked) == PENDING_PAIR
    reminder_due = db.session.scalar(
        select(Timer.due_at).where(Timer.subject_id == asked.id, Timer.kind == "reminder")
    )
    assert reminder_due == asked.due_at - REMIND_BEFORE
    assert fire() == 0  # a day to go
    with at(asked, 19.9):
        assert fire() == 0
    with at(asked, 21):
        assert fire() == 1
        assert fire() == 0  # fired once, never again
    assert told(asked) == [("finance", "reminder")]
    with at(asked, 25):
        assert fire() == 1
        assert fire() == 0
    with at(asked, 24 * 7):
        assert fire() == 0  # a week on: nothing more
    assert told(asked) == [("finance", "overdue"), ("finance", "reminder")]
    assert steps(asked) == ["posted", "reminded", "overdue"]
    assert [t.fired_at is not None for t in db.session.scalars(
        select(Timer).where(Timer.subject_id == asked.id, Timer.subject_kind == SUBJECT)
    )] == [True, True]  # fmt: skip

    # Answered late: nothing pending was left to close, and nobody is told again.
    with at(asked, 26):
        commands.reply(db.session, user("finance"), asked.id, "请补充发票原件。", official=True)
    with at(asked, 24 * 8):
        assert fire() == 0
    assert told(asked) == [("finance", "overdue"), ("finance", "reminder")]


def test_an_answer_closes_the_timers_in_its_own_transaction_and_nobody_is_told_after_it(demo):
    early, late = post("staff", title="发票抬头"), post("staff", title="差旅标准")
    with at(early, 2):
        commands.reply(db.session, user("finance"), early.id, "抬头写集团全称。", official=True)
    # Closed, not fired: the answer's commit marked them done without a firing time.
    assert timers_of(early) == [("reminder", TimerState.DONE), ("overdue", TimerState.DONE)]
    assert db.session.scalar(select(Timer.fired_at).where(Timer.subject_id == early.id)) is None

    with at(late, 21):
        assert fire() == 1  # the late one's reminder (the early one's timers are closed)
        commands.reply(db.session, user("finance"), late.id, "按2026版标准执行。", official=True)
    assert timers_of(late) == [("reminder", TimerState.DONE), ("overdue", TimerState.DONE)]
    with at(late, 24 * 3):
        assert fire() == 0
    assert told(early) == []
    assert told(late) == [("finance", "reminder")]
    assert "overdue" not in steps(early) + steps(late)


def test_while_the_office_s_draft_waits_the_leader_is_reminded_and_approval_ends_it(demo):
    office = department("GRP", "OFFICE")
    commands.set_person_in_charge(db.session, user("admin"), office.id, "secretary")
    matter = post("staff", concerns="group", title="班车路线", body="建议增加一条班车路线。")
    assert (matter.handler.username, matter.approver.username) == ("secretary", "leader")
    with at(matter, 1):
        draft = commands.reply(
            db.session, user("secretary"), matter.id, "拟增加一条线路。", official=True
        )
    with at(matter, 21):
        assert fire() == 1
    assert told(matter) == [("leader", "reminder")]  # the answer waits for the leader now
    with at(matter, 22):
        commands.decide(db.session, user("leader"), draft.id, True)
    assert timers_of(matter) == [("reminder", TimerState.DONE), ("overdue", TimerState.DONE)]
    with at(matter, 48):
        assert fire() == 0
    assert told(matter) == [("leader", "reminder")]


def test_a_hidden_post_is_owed_nothing_and_restored_it_keeps_its_own_deadline(demo):
    asked = post("staff")
    with at(asked, 1):
        commands.hide(db.session, user("admin"), asked.id, "涉及个人隐私，待核实")
    assert timers_of(asked) == [("reminder", TimerState.DONE), ("overdue", TimerState.DONE)]
    with at(asked, 21):
        assert fire() == 0
    with at(asked, 22):  # restored after the reminder's time: only the deadline is left
        commands.restore(db.session, user("admin"), asked.id, "已核实，无隐私内容")
    assert timers_of(asked)[-1] == ("overdue", TimerState.PENDING)
    assert refresh(asked).due_at == asked.due_at  # the hiding did not move the deadline
    with at(asked, 25):
        assert fire() == 1
        assert fire() == 0
    assert told(asked) == [("finance", "overdue")]


def test_a_withdrawn_post_leaves_the_to_dos_and_its_reminders_are_closed(demo):
    asked = post("staff")
    with pytest.raises(commands.DiscussionCommandError):
        commands.withdraw(db.session, user("finance"), asked.id, "不是作者")
    page = demo.test_client()
    with at(asked, 3):
        login(page, "staff")
        answer = page.post(f"/discussion/posts/{asked.id}/withdraw", data={"reason": "已自行解决"})
        shown = page.get(f"/discussion/posts/{asked.id}").get_data(as_text=True)
    assert answer.status_code == 302
    assert 'id="post-withdrawn"' in shown and "已自行解决" in shown
    withdrawn = refresh(asked)
    assert (withdrawn.status, withdrawn.moderation_reason) == ("withdrawn", "已自行解决")
    assert timers_of(asked) == [("reminder", TimerState.DONE), ("overdue", TimerState.DONE)]
    assert queries.owed(db.session, user("finance")) == []
    assert queries.unanswered(db.session, withdrawn.department_id) == []
    with at(asked, 48):
        assert fire() == 0
    assert told(asked) == []
    assert steps(asked) == ["posted", "withdrawn"]
    with pytest.raises(commands.DiscussionCommandError):  # once is enough
        commands.withdraw(db.session, user("staff"), asked.id, "再撤一次")
    # A moderator's hide and restore do not publish again what its author withdrew.
    with at(asked, 4):
        for moderate in (commands.hide, commands.restore):
            with pytest.raises(commands.DiscussionCommandError):
                moderate(db.session, user("admin"), asked.id, "核实")
    assert refresh(asked).status == "withdrawn"
    assert timers_of(asked) == [("reminder", TimerState.DONE), ("overdue", TimerState.DONE)]


def test_an_answer_passed_on_reminds_the_new_person_in_charge_and_not_the_former(demo):
    asked = post("staff")
    with pytest.raises(commands.DiscussionCommandError, match="user"):
        commands.reassign(db.session, user("finance"), asked.id, "nobody", "出差")
    with pytest.raises(commands.DiscussionCommandError):
        commands.reassign(db.session, user("staff"), asked.id, "hr", "不是负责人")
    # The head left (§4.2); an administrator ticking the account active again does not
    # reopen it: the people picker never offers it (org.policy), nor may it be passed to.
    deactivate_user(user("hr"), user("head"))
    user("head").active = True
    db.session.commit()
    with pytest.raises(commands.DiscussionCommandError, match="user"):
        commands.reassign(db.session, user("finance"), asked.id, "head", "出差")
    page = demo.test_client()
    with at(asked, 2):
        login(page, "finance")
        answer = page.post(
            f"/discussion/posts/{asked.id}/reassign",
            data={"username": "hr", "reason": "本人出差，由人事部答复"},
        )
    assert answer.status_code == 302
    assert refresh(asked).handler.username == "hr"
    assert [p.id for p in queries.owed(db.session, user("hr"))] == [asked.id]
    assert queries.owed(db.session, user("finance")) == []
    # The former handler's timers closed, the new one's on the same deadline.
    assert timers_of(asked) == [
        ("reminder", TimerState.DONE),
        ("reminder", TimerState.PENDING),
        ("overdue", TimerState.DONE),
        ("overdue", TimerState.PENDING),
    ]
    with at(asked, 21):
        assert fire() == 1
    with at(asked, 25):
        assert fire() == 1
        assert fire() == 0
    assert told(asked) == [("hr", "overdue"), ("hr", "reminder")]
    assert steps(asked) == ["posted", "reassigned", "reminded", "overdue"]


def test_a_person_who_left_cannot_be_named_to_answer_a_department_s_posts(demo):
    """IT names who answers a department's posts (§8.2) among the people a picker offers
    (org.policy): an account closed when its holder left stays refused after an
    administrator ticks it active again, as passing a post on to it is (above)."""
    office = department("GRP", "OFFICE")
    deactivate_user(user("hr"), user("secretary"))
    user("secretary").active = True
    db.session.commit()
    with pytest.raises(commands.DiscussionCommandError, match="secretary"):
        commands.set_person_in_charge(db.session, user("admin"), office.id, "secretary")
    commands.set_person_in_charge(db.session, user("admin"), office.id, "clerk")


def test_a_reminder_claimed_by_a_worker_as_the_answer_commits_tells_nobody(demo):
    """The worker claimed the reminder (it is no longer pending, so the answer cannot close
    it); it fires after the answer committed, finds the post answered and tells nobody."""
    asked = post("staff")
    with at(asked, 21):
        claimed = timers.claim(db.session, "worker")
        assert len(claimed) == 1
        commands.reply(db.session, user("finance"), asked.id, "已处理。", official=True)
        assert timers.fire_claimed(db.session, claimed, "worker") == 1
    assert timers_of(asked) == [("reminder", TimerState.DONE), ("overdue", TimerState.DONE)]
    assert told(asked) == []


def test_two_workers_firing_at_once_remind_each_person_in_charge_once(app_factory):
    app = app_factory()
    with app.app_context():
        from oa_platform.demo import load_demo_data

        load_demo_data()
        asked = [post("staff", title=f"第{n}个问题") for n in range(40)]
        ids = [p.id for p in asked]
        later = asked[-1].created_at + timedelta(hours=21)
        db.session.remove()
    with time_machine.travel(later, tick=False):  # one clock for both workers
        assert two_workers_fire(app, batch=7) == 40
    with app.app_context():
        reminded = db.session.scalars(
            select(DiscussionEvent.post_id).where(DiscussionEvent.event == "reminded")
        ).all()
        notices = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "reminder", Notification.key.like("discussion:%"))
        )
        db.session.remove()
    assert sorted(reminded) == sorted(ids)
    assert notices == 40
