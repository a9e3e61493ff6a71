"""§8.2: information posted in the discussion area about a department's work is answered by
its person in charge; group and branch matters are collected by the office and answered after
the leader decides. Seed 2 §8.3: suggestions about the OA rules go to the group office."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from form_builder.clock import utcnow
from oa_platform.discussion import commands, queries
from oa_platform.discussion.models import PENDING, PUBLISHED, REFUSED, SUGGESTIONS, DiscussionEvent
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from tests.conftest import login, user
from tests.discussion_helpers import board_of, department, post, refresh

BOTH_DATABASES = True


def notices_of(username: str) -> list[Notification]:
    return list(
        db.session.scalars(select(Notification).where(Notification.user_id == user(username).id))
    )


def test_a_post_about_finance_gives_its_person_in_charge_a_to_do_overdue_after_24_hours(demo):
    finance = department("GRP", "FIN")
    asked = post("staff")
    assert asked.handler.username == "finance"  # the head, by default
    assert asked.approver_id is None
    assert (asked.due_at - asked.created_at) == timedelta(hours=24)
    to_do = [n for n in notices_of("finance") if n.kind == "task"]
    assert [n.link for n in to_do] == [f"/discussion/posts/{asked.id}"]
    assert [p.id for p in queries.unanswered(db.session, finance.id)] == [asked.id]
    assert queries.unanswered_counts(db.session, [finance.id]) == {finance.id: (1, 0)}

    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        assert queries.unanswered_counts(db.session, [finance.id]) == {finance.id: (1, 1)}
        page = demo.test_client()
        login(page, "finance")
        listed = page.get(f"/discussion/unanswered/{finance.id}").get_data(as_text=True)
        assert "报销单据退回太慢" in listed and "label-danger" in listed
        commands.reply(db.session, user("finance"), asked.id, "请补充发票原件。", official=True)

    answered = refresh(asked)
    assert answered.answered_at is not None
    assert queries.unanswered(db.session, finance.id) == []
    times = {
        row.department_id: row
        for row in queries.response_times(
            db.session, utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
        )
    }
    assert times[finance.id].answered == 1 and times[finance.id].answered_late == 1
    assert times[finance.id].average_hours == pytest.approx(25, abs=0.1)
    assert any(n.kind == "answer" for n in notices_of("staff"))


def test_the_person_in_charge_is_configurable_per_department(demo):
    finance = department("GRP", "FIN")
    commands.set_person_in_charge(db.session, user("admin"), finance.id, "secretary")
    assert post("staff").handler.username == "secretary"
    commands.set_person_in_charge(db.session, user("admin"), finance.id, "")
    assert post("staff").handler.username == "finance"
    with pytest.raises(commands.DiscussionCommandError):
        commands.set_person_in_charge(db.session, user("staff"), finance.id, "staff")


def test_only_the_person_in_charge_gives_the_answer_owed(demo):
    asked = post("staff")
    with pytest.raises(commands.DiscussionCommandError):
        commands.reply(db.session, user("hr"), asked.id, "我来回答", official=True)
    # An ordinary reply by someone else does not answer the post.
    commands.reply(db.session, user("head"), asked.id, "我们也遇到同样问题。")
    assert refresh(asked).answered_at is None


def test_a_group_matter_is_drafted_by_the_office_and_posted_after_the_leader_approves(demo):
    matter = post("staff", concerns="group", title="集团食堂开放时间", body="能否延长午餐时间。")
    assert matter.department.code == "OFFICE"
    assert matter.handler.username == "leader" and matter.approver.username == "leader"
    # The leader answering the office's matter themself needs no second step.
    own = commands.reply(db.session, user("leader"), matter.id, "可以延长。", official=True)
    assert own.status == PUBLISHED and refresh(matter).answered_at is not None
    # The office's person in charge is the secretary, so the leader approves another's draft.
    office = department("GRP", "OFFICE")
    commands.set_person_in_charge(db.session, user("admin"), office.id, "secretary")
    matter = post("staff", concerns="group", title="集团食堂开放时间", body="能否延长午餐时间。")
    assert matter.handler.username == "secretary"

    draft = commands.reply(
        db.session, user("secretary"), matter.id, "拟延长至13:30。", official=True
    )
    assert draft.status == PENDING
    assert refresh(matter).answered_at is None
    # Waiting: the author and other readers do not see the draft.
    assert draft.id not in [r.id for r in queries.replies(db.session, user("staff"), matter)]
    assert any(n.kind == "task" for n in notices_of("leader"))

    refused = commands.decide(db.session, user("leader"), draft.id, False, "先征求行政部意见")
    assert refused.status == REFUSED
    assert refresh(matter).answered_at is None
    second = commands.reply(
        db.session, user("secretary"), matter.id, "延长至13:30，下周起执行。", official=True
    )
    with pytest.raises(commands.DiscussionCommandError):
        commands.decide(db.session, user("secretary"), second.id, True)
    approved = commands.decide(db.session, user("leader"), second.id, True)
    assert approved.status == PUBLISHED
    assert refresh(matter).answered_at is not None
    shown = queries.replies(db.session, user("staff"), refresh(matter))
    assert [r.body for r in shown] == ["延长至13:30，下周起执行。"]
    steps = db.session.scalars(
        select(DiscussionEvent.event)
        .where(DiscussionEvent.post_id == matter.id)
        .order_by(DiscussionEvent.id)
    ).all()
    assert steps == ["posted", "drafted", "refused", "drafted", "answered"]


def test_a_suggestion_goes_to_the_group_office_queue(demo):
    suggestion = post(
        "staff",
        concerns="department:1",  # ignored: the suggestions board always goes to the office
        board=board_of(SUGGESTIONS),
        title="建议简化请假流程",
        body="三天以内的请假能否只由部门负责人审批。",
    )
    assert suggestion.department.code == "OFFICE" and suggestion.department.company.code == "GRP"
    assert suggestion.approver_id is not None


def test_a_branch_matter_goes_to_that_company_s_office_or_is_refused_naming_the_field(demo):
    from oa_platform.org.models import Company

    sales = db.session.scalars(select(Company).where(Company.code == "SLS")).one()
    with pytest.raises(commands.DiscussionCommandError, match="concerns"):
        post("staff", concerns=f"branch:{sales.id}")  # the sales company has no office
    with pytest.raises(commands.DiscussionCommandError, match="concerns"):
        post("staff", concerns="nonsense")
    with pytest.raises(commands.DiscussionCommandError, match="title"):
        post("staff", title="   ")


def test_the_to_do_shows_in_the_person_s_inbox_and_turns_overdue_with_the_clock(demo):
    asked = post("staff")
    page = demo.test_client()
    login(page, "finance")
    inbox = page.get("/inbox/").get_data(as_text=True)
    assert 'data-oa-badge="discussion">1<' in inbox
    listed = page.get("/discussion/todo").get_data(as_text=True)
    assert asked.title in listed and "todo-overdue" not in listed
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        later = demo.test_client()  # a day later: a new session
        login(later, "finance")
        assert "todo-overdue" in later.get("/discussion/todo").get_data(as_text=True)
    commands.reply(db.session, user("finance"), asked.id, "已处理。", official=True)
    assert 'data-oa-badge="discussion"' not in page.get("/inbox/").get_data(as_text=True)


def test_the_leader_s_to_do_is_the_office_s_draft_waiting_for_approval(demo):
    office = department("GRP", "OFFICE")
    commands.set_person_in_charge(db.session, user("admin"), office.id, "secretary")
    matter = post("staff", concerns="group", title="班车路线", body="建议增加一条班车路线。")
    assert [p.id for p in queries.owed(db.session, user("secretary"))] == [matter.id]
    assert queries.owed(db.session, user("leader")) == []
    commands.reply(db.session, user("secretary"), matter.id, "拟增加。", official=True)
    assert queries.owed(db.session, user("secretary")) == []
    assert [p.id for p in queries.owed(db.session, user("leader"))] == [matter.id]


# The reminder before the deadline and the notice when it passes: test_answer_reminders.py.
