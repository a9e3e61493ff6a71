"""Seed 2 §4.4-§4.5: every recipient's receipt (delivered, opened first and last, acknowledged
by them or by the agent they named for documents); the sender reads the board by priority,
urges the unopened (rate-limited, recorded, notified) and reminders follow by urgency through
the timer service; staff see their unread documents on the dashboard and in the inbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from form_builder.clock import utcnow
from oa_platform.documents.models import Recipient, Urging
from oa_platform.extensions import db
from oa_platform.notifications.models import Notification
from oa_platform.runtime.models import Timer
from tests.conftest import login, user
from tests.document_helpers import draft, issued, sign_through
from tests.runtime_helpers import away, fire_due_timers, refresh


def receipt(document_id: int, username: str) -> Recipient:
    db.session.expire_all()
    return db.session.scalar(
        select(Recipient).where(
            Recipient.document_id == document_id, Recipient.user_id == user(username).id
        )
    )


def told(username: str, kind: str) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.subject).where(
                Notification.user_id == user(username).id, Notification.kind == kind
            )
        )
    )


def test_recipients_open_and_acknowledge_and_the_sender_urges_the_unopened(demo):
    instance = sign_through(draft())
    document = issued(instance)
    staff = demo.test_client()
    login(staff, "staff")
    # The dashboard and the inbox's Documents tab show the unread document.
    assert 'id="dashboard-documents"' in staff.get("/").get_data(as_text=True)
    assert 'data-oa-badge="documents">1<' in staff.get("/inbox/").get_data(as_text=True)
    listed = staff.get("/documents/").get_data(as_text=True)
    assert document.title in listed and document.number in listed

    assert staff.get(f"/documents/{document.id}").status_code == 200
    opened = receipt(document.id, "staff")
    assert opened.first_opened_at is not None and opened.acknowledged_at is None
    assert staff.get(f"/documents/{document.id}").status_code == 200
    assert receipt(document.id, "staff").first_opened_at == opened.first_opened_at

    answer = staff.post(f"/documents/{document.id}/acknowledge")
    assert answer.status_code == 302
    acknowledged = receipt(document.id, "staff")
    assert acknowledged.acknowledged_at is not None
    assert acknowledged.acknowledged_by_id == user("staff").id

    # The issuing side's board: the unopened first, by unit.
    sender = demo.test_client()
    login(sender, "clerk")
    board = sender.get(f"/documents/{document.id}/board").get_data(as_text=True)
    assert "5 recipients, 4 unopened, 1 acknowledged" in board
    assert board.index('data-oa-recipient="head"') < board.index('data-oa-recipient="staff"')

    # §4.5: urging tells the unopened, once per interval, and is recorded.
    assert sender.post(f"/documents/{document.id}/urge").status_code == 302
    assert told("head", "urged") and told("mc", "urged") and not told("staff", "urged")
    sender.post(f"/documents/{document.id}/urge")
    urgings = db.session.scalars(select(Urging).where(Urging.document_id == document.id)).all()
    assert [(u.by.username, u.recipients, u.automatic) for u in urgings] == [("clerk", 4, False)]
    assert receipt(document.id, "head").urged_count == 1


def test_an_agent_named_for_documents_acknowledges_on_behalf_of_the_recipient(demo):
    away("finance", "hr", categories=["Documents"])
    document = issued(sign_through(draft()))
    agent = demo.test_client()
    login(agent, "hr")
    listed = agent.get("/documents/").get_data(as_text=True)
    assert document.title in listed and "for finance" in listed
    assert agent.post(f"/documents/{document.id}/acknowledge").status_code == 302
    copy = receipt(document.id, "finance")
    assert copy.acknowledged_by_id == user("hr").id
    sender = demo.test_client()
    login(sender, "clerk")
    assert "by agent hr" in sender.get(f"/documents/{document.id}/board").get_data(as_text=True)


def test_reminders_go_out_by_urgency_until_everyone_has_opened_the_document(demo):
    instance = sign_through(draft(urgency="urgent"))
    document = issued(instance)
    [timer] = db.session.scalars(
        select(Timer).where(Timer.instance_id == instance.id, Timer.state == "pending")
    ).all()
    # 加急: the first reminder 12 hours after issue (the definition's remind_hours).
    assert abs((timer.due_at - document.issued_at) - timedelta(hours=12)) < timedelta(minutes=1)
    db.session.execute(update(Timer).where(Timer.id == timer.id).values(due_at=utcnow()))
    db.session.commit()
    assert fire_due_timers() == 1
    assert told("head", "reminder") and told("mc", "reminder")
    assert refresh(instance).status == "running"  # still distributing: some have not opened
    db.session.execute(
        update(Recipient)
        .where(Recipient.document_id == document.id)
        .values(first_opened_at=utcnow(), last_opened_at=utcnow())
    )
    db.session.execute(
        update(Timer)
        .where(Timer.instance_id == instance.id, Timer.state == "pending")
        .values(due_at=utcnow())
    )
    db.session.commit()
    assert fire_due_timers() == 1
    assert refresh(instance).status == "completed"
    rounds = db.session.scalars(select(Urging).where(Urging.document_id == document.id)).all()
    assert [(u.automatic, u.recipients) for u in rounds] == [(True, 5), (True, 0)]
