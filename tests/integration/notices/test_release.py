"""Regulations §5.1: each unit's head controls what the unit circulates. A notice drafted in a
unit's name is released only with its head's approval (a major principle issue also with the
company leader's), then shows exactly to its audience; the head withdraws it with a reason,
recorded in its trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oa_platform.documents.distribution import today
from oa_platform.extensions import db
from oa_platform.notices import commands
from oa_platform.runtime.states import InstanceStatus
from tests.conftest import user
from tests.notice_helpers import approve, draft, publish, released, shown_to
from tests.runtime_helpers import act_at, event_names, events, live, refresh

BOTH_DATABASES = True
EVERYBODY = ("staff", "head", "hr", "finance", "leader", "clerk", "newhire", "mc")


def test_a_notice_refused_by_the_unit_head_never_shows(demo):
    instance = draft(title="未经批准的通知")
    assert shown_to("staff") == [] and shown_to("hr") == []
    instance = refresh(act_at(instance, "head", "disagree", "head_approval", opinion="内容不妥"))
    assert instance.status is not InstanceStatus.RUNNING
    assert released(instance) is None
    for who in EVERYBODY:
        assert "未经批准的通知" not in shown_to(who), who


def test_an_approved_notice_for_everyone_shows_to_everyone(demo):
    publish(title="全员通知")
    for who in EVERYBODY:
        assert shown_to(who) == ["全员通知"], who


@pytest.mark.parametrize(
    ("audience", "readers"),
    [
        ("company:SLS", {"staff", "head", "newhire"}),
        ("department:GRP/FIN", {"finance"}),
        # A unit's notice reaches its sub-units: IT sits under the Group Office.
        ("department:GRP/OFFICE", {"leader", "clerk", "secretary", "auditor", "admin", "designer"}),
        ("position:Manager", {"head", "hr", "finance", "secretary"}),
        ("company:HLD\nposition:Director", {"mc"}),
    ],
)
def test_an_approved_notice_shows_exactly_to_its_audience(demo, audience, readers):
    publish(title="定向通知", everyone=None, audience=audience)
    everyone = ("admin", "designer", "hr", "mc", "leader", "head", "staff", "finance")
    everyone += ("auditor", "clerk", "secretary", "newhire")
    for who in everyone:
        assert (shown_to(who) == ["定向通知"]) == (who in readers), who


def test_without_an_audience_only_the_publishing_unit_sees_it(demo):
    publish(title="部门内部通知", everyone=None, audience="")
    assert shown_to("newhire") == ["部门内部通知"]
    assert shown_to("finance") == []


def test_a_major_principle_issue_also_needs_the_company_leader(demo):
    instance = approve(draft(title="重大事项公告", major="y"))
    assert released(instance) is None
    assert [task.assignee.username for task in live(instance)] == ["leader"]
    assert shown_to("hr") == []
    act_at(instance, "leader", "agree", "leader_approval")
    assert released(instance).major
    assert shown_to("hr") == ["重大事项公告"]


def test_a_major_issue_refused_by_the_company_leader_never_shows(demo):
    instance = approve(draft(title="被否决的重大事项", major="y"))
    act_at(instance, "leader", "disagree", "leader_approval", opinion="时机不成熟")
    assert released(instance) is None
    assert shown_to("hr") == []


def test_pinned_first_then_newest_with_unread_marks(demo):
    from oa_platform.notices import queries

    publish(title="第一条")
    publish(title="置顶通知", pinned="y")
    newest = publish(title="最新通知")
    assert shown_to("hr") == ["置顶通知", "最新通知", "第一条"]
    commands.open_notice(db.session, user("hr"), newest.id)
    rows = queries.for_reader(db.session, user("hr"), today())
    assert [(row.notice.title, row.read) for row in rows] == [
        ("置顶通知", False),
        ("最新通知", True),
        ("第一条", False),
    ]


def test_the_publisher_sees_how_many_have_read_it_each_person_once(demo):
    notice = publish(title="阅读统计")
    for who in ("hr", "finance", "hr"):
        commands.open_notice(db.session, user(who), notice.id)
    assert released_again(notice).read_count == 2


def released_again(notice):
    db.session.expire_all()
    return db.session.get(type(notice), notice.id)


def test_an_expired_notice_leaves_the_dashboard(demo):
    publish(title="昨日到期", expires_on=(today() - timedelta(days=1)).isoformat())
    publish(title="今日到期", expires_on=today().isoformat())
    assert shown_to("hr") == ["今日到期"]


def test_the_unit_head_withdraws_with_a_reason_in_the_trail(demo):
    notice = publish(title="将被撤回的通知")
    assert shown_to("hr") == ["将被撤回的通知"]
    commands.withdraw(db.session, user("head"), notice.id, "内容有误，重新发布")
    assert shown_to("hr") == []
    instance = refresh(notice_instance(notice))
    assert "notice_withdrawn" in event_names(instance)
    entry = next(e for e in events(instance) if e.event == "notice_withdrawn")
    assert entry.detail["reason"] == "内容有误，重新发布"
    assert entry.actor_id == user("head").id
    assert released_again(notice).withdrawn_by_id == user("head").id
    # The author is told, with the reason.
    from oa_platform.notifications.models import Notification

    told = db.session.scalars(
        db.select(Notification).where(Notification.user_id == user("staff").id)
    ).all()
    assert any("内容有误，重新发布" in note.subject for note in told)


def notice_instance(notice):
    from oa_platform.runtime.models import Instance

    return db.session.get(Instance, notice.instance_id)


@pytest.mark.parametrize(
    ("who", "reason", "message"),
    [
        ("staff", "写错了", "Only the head of the publishing unit"),
        ("head", "   ", "reason:"),
    ],
)
def test_a_refused_withdrawal_changes_nothing(demo, who, reason, message):
    notice = publish(title="继续有效")
    with pytest.raises(commands.NoticeCommandError, match=message):
        commands.withdraw(db.session, user(who), notice.id, reason)
    assert released_again(notice).status == "published"
    assert shown_to("hr") == ["继续有效"]


def test_it_changes_the_release_chain_like_any_definition(demo):
    """The release chain is data: IT adds the Group Office's check after the unit head and
    the next notice waits for it."""
    import json
    from pathlib import Path

    from tests.runtime_helpers import publish as publish_definition

    shipped = Path(__file__).resolve().parents[3] / "examples/definitions/notice_release.json"
    document = json.loads(shipped.read_text(encoding="utf-8"))
    document["nodes"].insert(
        2,
        {
            "id": "office_check",
            "type": "approval",
            "name": {"zh_CN": "办公室核稿", "en": "Office check"},
            "assignee": {"rule": "users", "users": ["secretary"]},
        },
    )
    for edge in document["edges"]:
        if edge["from"] == "head_approval":
            edge["from"] = "office_check"
    document["edges"].append({"from": "head_approval", "to": "office_check"})
    publish_definition(document)

    instance = approve(draft(title="加了核稿的通知"))
    assert released(instance) is None
    act_at(instance, "secretary", "agree", "office_check")
    assert shown_to("hr") == ["加了核稿的通知"]


def test_a_forbidden_term_sends_the_notice_back_to_its_drafter_unreleased(demo):
    """§8.3: the forbidden terms IT keeps hold a notice as they hold a post."""
    from oa_platform.discussion.models import ForbiddenTerm

    db.session.add(ForbiddenTerm(term="内部价格"))
    db.session.commit()
    instance = approve(draft(title="关于调整销售政策的通知", body="<p>附内部价格表。</p>"))
    assert released(instance) is None
    assert shown_to("hr") == []
    assert "notice_held" in event_names(instance)
    assert [task.assignee.username for task in live(instance)] == ["staff"]
