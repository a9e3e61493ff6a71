"""§8.3: nothing that disrupts order or harms the company's image, in any area of the system.
Anyone reports a post or reply with a reason; IT and the board's owner hide and restore with a
reason the author sees; a forbidden term holds a post for review instead of publishing it;
every step is in the trail and hidden content stays in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oa_platform.discussion import commands, moderation, queries
from oa_platform.discussion.models import HELD, HIDDEN, PUBLISHED, DiscussionEvent, Post, Report
from oa_platform.discussion.policy import DiscussionNotFoundError
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from tests.conftest import login, user
from tests.discussion_helpers import board_of, post, refresh

BOTH_DATABASES = True


def steps(found: Post) -> list[str]:
    return list(
        db.session.scalars(
            select(DiscussionEvent.event)
            .where(DiscussionEvent.post_id == found.id)
            .order_by(DiscussionEvent.id)
        )
    )


def test_a_reported_post_is_hidden_and_restored_with_reasons_the_author_sees(demo):
    rude = post("staff", title="对财务部的意见", body="财务部办事效率太低。")
    commands.report(db.session, user("head"), rude.id, "言辞不当")
    assert db.session.scalars(select(Report.reason)).all() == ["言辞不当"]
    # Only moderators hide: the reporter cannot, nor can the author.
    with pytest.raises(commands.DiscussionCommandError):
        commands.hide(db.session, user("head"), rude.id, "我不同意")

    commands.hide(db.session, user("admin"), rude.id, "含有人身攻击，请修改后重发")
    hidden = refresh(rude)
    assert hidden.status == HIDDEN and hidden.body == "财务部办事效率太低。"  # kept
    assert db.session.scalars(select(Report.settled_at)).one() is not None
    # Gone for readers (404), still there for its author with the moderator's reason.
    with pytest.raises(DiscussionNotFoundError):
        commands.report(db.session, user("head"), rude.id, "再举报")
    assert rude.id not in [p.id for p in queries.posts(db.session, user("head"), board_of())]
    author = demo.test_client()
    login(author, "staff")
    page = author.get(f"/discussion/posts/{rude.id}").get_data(as_text=True)
    assert "含有人身攻击，请修改后重发" in page
    told = db.session.scalars(
        select(Notification.subject).where(Notification.user_id == user("staff").id)
    ).all()
    assert any("含有人身攻击" in subject for subject in told)
    reader = demo.test_client()
    login(reader, "head")
    assert reader.get(f"/discussion/posts/{rude.id}").status_code == 404

    commands.restore(db.session, user("admin"), rude.id, "经核实无不当内容")
    assert refresh(rude).status == PUBLISHED
    assert reader.get(f"/discussion/posts/{rude.id}").status_code == 200
    assert steps(rude) == ["posted", "reported", "hidden", "restored"]


def test_a_board_s_owner_moderates_their_board_and_no_other(demo):
    sales_board = board_of("department", ("SLS", "SALES"))
    mine = post("staff", board=sales_board)
    commands.hide(db.session, user("head"), mine.id, "与本部门无关")  # head owns the Sales board
    elsewhere = post("staff")  # on the group board
    with pytest.raises(commands.DiscussionCommandError):
        commands.hide(db.session, user("head"), elsewhere.id, "不合适")


def test_a_reply_is_reported_hidden_and_restored(demo):
    asked = post("staff")
    answer = commands.reply(db.session, user("head"), asked.id, "这条回复不合适")
    commands.report(db.session, user("staff"), asked.id, "跑题", reply_id=answer.id)
    commands.hide(db.session, user("admin"), asked.id, "跑题", reply_id=answer.id)
    assert answer.id not in [r.id for r in queries.replies(db.session, user("staff"), asked)]
    assert answer.id in [r.id for r in queries.replies(db.session, user("head"), asked)]
    commands.restore(db.session, user("admin"), asked.id, "已核实", reply_id=answer.id)
    assert refresh(answer).status == PUBLISHED


def test_a_forbidden_term_holds_a_post_for_review_instead_of_publishing_it(demo):
    commands.add_term(db.session, user("admin"), "内部价格")
    held = post("staff", title="分享", body="这是我们的 内 部 价 格 表")  # spaced out: still found
    assert held.status == HELD and held.due_at is None
    # Nobody is asked to answer it yet, and readers do not see it.
    assert queries.unanswered(db.session, held.department_id) == []
    assert held.id not in [p.id for p in queries.posts(db.session, user("head"), board_of())]
    assert held.id in [p.id for p in queries.moderation_queue(db.session, user("admin")).held_posts]
    event = db.session.scalars(
        select(DiscussionEvent).where(DiscussionEvent.post_id == held.id)
    ).one()
    assert event.event == "held" and event.detail["terms"] == ["内部价格"]

    commands.restore(db.session, user("admin"), held.id, "核实为公开价格")
    released = refresh(held)
    assert released.status == PUBLISHED and released.due_at is not None
    assert [p.id for p in queries.unanswered(db.session, held.department_id)] == [held.id]
    assert steps(held) == ["held", "released"]


def test_a_forbidden_term_holds_a_reply_too(demo):
    commands.add_term(db.session, user("admin"), "内部价格")
    asked = post("staff")
    held = commands.reply(db.session, user("head"), asked.id, "内部价格见附件")
    assert held.status == HELD
    assert held.id not in [r.id for r in queries.replies(db.session, user("staff"), asked)]


def test_only_it_keeps_the_forbidden_terms(demo):
    with pytest.raises(commands.DiscussionCommandError):
        commands.add_term(db.session, user("head"), "内部价格")
    assert moderation.configured_terms(db.session) == []


def test_the_forbidden_terms_check_is_a_small_function_others_reuse():
    spaced = "这是 内部-价格\uff01"  # a full-width exclamation mark
    assert moderation.forbidden_in([spaced], ["内部价格", "机密"]) == ["内部价格"]
    full_width = "\uff22\uff21\uff24 word"  # "BAD" in full-width letters
    assert moderation.forbidden_in([full_width], ["bad"]) == ["bad"]
    assert moderation.forbidden_in(["all fine"], ["bad", ""]) == []
