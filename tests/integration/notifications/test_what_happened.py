"""Notices that say what happened (issue 19, deliver 1): each event tells exactly the people
it concerns, once, in one line that says what and why, in the reader's language, and a
notice about a to-do is cleared when the to-do is handled."""

from __future__ import annotations

from sqlalchemy import func, select

from oa_platform.accounts.commands import deactivate_user
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.runtime.services import runtime
from tests.conftest import user
from tests.runtime_helpers import act_at, away, chain, form, node, publish, refresh, start

BOTH_DATABASES = True


class Bell:
    """The notices written since the last look: (person, kind, subject)."""

    def __init__(self) -> None:
        self.seen = db.session.scalar(select(func.max(Notification.id))) or 0

    def news(self) -> list[tuple[str, str, str]]:
        db.session.expire_all()
        rows = db.session.scalars(
            select(Notification).where(Notification.id > self.seen).order_by(Notification.id)
        ).all()
        if rows:
            self.seen = rows[-1].id
        return [(n.user.username, n.kind, n.subject) for n in rows]

    def told(self) -> list[tuple[str, str]]:
        return [(who, kind) for who, kind, _ in self.news()]


def unread(username: str, column=Notification.kind) -> list[str]:
    """``column`` (the kind; or where it leads) of each of the person's unread notices."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(column)
            .where(Notification.user_id == user(username).id, Notification.read_at.is_(None))
            .order_by(Notification.id)
        )
    )


def test_a_leave_request_tells_each_person_what_happened_once(demo):
    bell = Bell()
    instance = start("staff", "leave_request")
    title = instance.title
    assert bell.told() == [("head", "task")]

    act_at(instance, "head", "agree")
    assert bell.news() == [
        ("leader", "task", f"To do: Leader in charge approval — {title}"),
        ("staff", "approved", f"Henry Ho approved {title} at Department head approval"),
    ]

    act_at(instance, "leader", "rollback", opinion="Fix the dates", target="initiator")
    # The initiator's to-do is told as what it is: returned, by whom, why. Only that.
    assert bell.news() == [
        ("staff", "returned", f"Laura Lin returned {title} to you at Applicant: Fix the dates")
    ]
    assert "task" not in unread("leader")

    act_at(instance, "staff", "submit", formdata=form("leave_request"))
    assert bell.told() == [("head", "task")]
    assert "returned" not in unread("staff")  # handled: cleared

    act_at(instance, "head", "agree")
    act_at(instance, "leader", "agree")
    assert sorted(bell.told()) == [
        ("hr", "task"),
        ("leader", "task"),
        ("staff", "approved"),
        ("staff", "approved"),
    ]
    act_at(instance, "hr", "agree")
    news = bell.news()
    assert news == [
        ("staff", "approved", f"Hannah Reed approved {title} at HR records the leave"),
        ("staff", "finished", f"Finished: {title} went through every step"),
    ]
    assert refresh(instance).status.value == "completed"
    assert unread("head") == unread("leader") == unread("hr") == []


def test_a_terminated_request_tells_the_initiator_who_and_why(demo):
    publish(
        chain("strict", node("boss", "approval", ["head"], config={"on_disagree": "terminate"}))
    )
    instance = runtime().submit(user("staff"), "strict", form("strict", note="Budget"))
    bell = Bell()
    act_at(instance, "head", "disagree", opinion="No budget this quarter")
    assert bell.news() == [
        ("staff", "terminated", f"Henry Ho terminated {instance.title}: No budget this quarter")
    ]


def test_a_disagree_that_returns_the_form_says_who_and_why(demo):
    instance = start("staff", "leave_request")
    bell = Bell()
    act_at(instance, "head", "disagree", opinion="Not during the fair")
    assert bell.news() == [
        (
            "staff",
            "returned",
            f"Henry Ho returned {instance.title} to you at Applicant: Not during the fair",
        )
    ]


def test_urges_questions_and_answers_say_who(demo):
    instance = start("staff", "leave_request")
    bell = Bell()
    runtime().urge(user("staff"), instance.id)
    assert bell.news() == [
        ("head", "urged", f"Sam Wu urges you to handle Department head approval — {instance.title}")
    ]
    question = runtime().ask(user("head"), instance.id, "staff", "Who covers your customers?")
    assert bell.news() == [
        ("staff", "question", f"Henry Ho asks you about {instance.title} (answer within 24 hours)")
    ]
    runtime().answer(user("staff"), question.id, "Henry does.")
    assert bell.news() == [("head", "answer", f"Sam Wu answered your question on {instance.title}")]
    assert "question" not in unread("staff")
    act_at(instance, "head", "agree")
    assert "urged" not in unread("head")  # the urged to-do is handled


def test_a_to_do_taken_over_by_an_agent_tells_the_principal(demo):
    away("head", "finance")
    bell = Bell()
    instance = start("staff", "leave_request")
    told = bell.news()
    assert ("finance", "task") in [(who, kind) for who, kind, _ in told]
    [agent] = [subject for who, kind, subject in told if kind == "agent"]
    assert [who for who, kind, _ in told if kind == "agent"] == ["head"]
    assert agent == (
        f"Your agent Fiona Zhao handles Department head approval — {instance.title} for you (§3.4)"
    )
    act_at(instance, "finance", "agree")
    assert "agent" not in unread("head")


def test_a_definition_review_tells_the_management_center_then_the_designer(demo):
    """Both members of the Management Center are told of a definition submitted for review
    (a member who has left is not); the review, rejected or approved, tells the designer
    with the reviewer's opinion and clears the other member's notice; each links to the
    version reviewed."""
    from flask import current_app

    from form_builder import services

    sm = current_app.appbuilder.sm
    reviewer = sm.find_role("Management Center")
    sm.add_user("mc2", "Mei", "Chu", "mc2@example.com", reviewer, "Spring-Lotus-42!x")
    sm.add_user("mc3", "Ming", "Cao", "mc3@example.com", reviewer, "Spring-Lotus-42!x")
    deactivate_user(user("hr"), user("mc3"))
    lifecycle = services.lifecycle()
    document = chain("desk_booking", node("ok", "approval", ["head"]))
    version = lifecycle.save_draft(user("designer"), document)
    db.session.commit()
    bell = Bell()
    lifecycle.submit(user("designer"), version)
    db.session.commit()
    submitted = "Derek Tan submitted Desk Booking v1 for your review"
    assert bell.news() == [("mc", "review", submitted), ("mc2", "review", submitted)]
    assert unread("mc2", Notification.link) == ["/definitions/desk_booking/v1/"]
    lifecycle.reject(user("mc"), version, "Name the approver's role, not a person.")
    db.session.commit()
    assert bell.news() == [
        (
            "designer",
            "reviewed",
            "Marcus Chen rejected Desk Booking v1: Name the approver's role, not a person.",
        )
    ]
    assert unread("mc") == [] and unread("mc2") == []  # one review answers for both
    assert unread("designer", Notification.link) == ["/definitions/desk_booking/v1/"]

    second = lifecycle.save_draft(user("designer"), {**document, "name": "Desk Booking"})
    db.session.commit()
    lifecycle.submit(user("designer"), second)
    db.session.commit()
    assert [who for who, _kind, _subject in bell.news()] == ["mc", "mc2"]
    lifecycle.approve(user("mc2"), second, "Clear now.")
    db.session.commit()
    assert bell.news() == [("designer", "reviewed", "Mei Chu approved Desk Booking v2: Clear now.")]
    assert unread("mc") == [] and unread("mc2") == []


def test_each_reader_is_told_in_their_own_language(demo):
    staff = user("staff")
    staff.locale = "zh_CN"
    db.session.commit()
    instance = start("staff", "leave_request")
    bell = Bell()
    act_at(instance, "head", "disagree", opinion="Not during the fair")
    [(who, kind, subject)] = bell.news()
    assert (who, kind) == ("staff", "returned")
    # The request is named as a Chinese reader names it, from the same values.
    title = instance.title_texts["zh_CN"]
    assert title.startswith("吴森的年假（7天，")
    assert subject == f"Henry Ho 将「{title}」退回到您（申请人）：Not during the fair"
