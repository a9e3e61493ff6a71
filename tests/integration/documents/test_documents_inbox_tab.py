"""Seed 2 §4.4: staff see the documents that reached them in the inbox's Documents tab, unread
first and urgent first, with a badge of the unread, and acknowledge (签收) from the row. An
agent named for documents sees and acknowledges the principal's; a person who received
nothing sees nothing there, even one who may open every document (an Auditor) or who issued
it (the leader): the tab lists what was received, by the same rule as the documents pages
(``documents.policy.receiving``)."""

from __future__ import annotations

import re

from sqlalchemy import select

from oa_platform.documents.models import Document, Recipient
from oa_platform.extensions import db
from tests.conftest import login, user
from tests.document_helpers import draft, issued, sign_through
from tests.runtime_helpers import away

BOTH_DATABASES = True
TRAINING = "关于年度培训计划的通知"
SAFETY = "关于开展安全生产检查的紧急通知"


def signed_in(demo, username: str):
    client = demo.test_client()
    login(client, username)
    return client


def tab(client, query: str = "") -> str:
    answer = client.get(f"/inbox/?tab=documents{query}")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def listed(page: str) -> list[tuple[int, str]]:
    """(document id, receipt) of each row, in the page's order."""
    found = re.findall(r'data-oa-document="(\d+)" data-oa-receipt="(\w+)"', page)
    return [(int(document), receipt) for document, receipt in found]


def badge(page: str) -> int:
    """The Documents tab's badge (none shown: 0)."""
    found = re.search(r'data-oa-badge="documents">(\d+)<', page)
    return int(found.group(1)) if found else 0


def acknowledge_from_the_row(client, document: Document, whose: str, **form: str):
    data = {"whose": str(user(whose).id), "back": "inbox", "page": "1", **form}
    return client.post(f"/documents/{document.id}/acknowledge", data=data)


def copy_of(document: Document, username: str) -> Recipient:
    db.session.expire_all()
    return db.session.scalar(
        select(Recipient).where(
            Recipient.document_id == document.id, Recipient.user_id == user(username).id
        )
    )


def test_the_documents_tab_lists_my_copies_and_my_principals_unread_and_urgent_first(demo):
    # finance is away; hr reads and signs for finance's documents (§4.4, My Agents).
    away("finance", "hr", categories=["Documents"])
    training = issued(sign_through(draft(title=TRAINING, urgency="routine")))
    safety = issued(sign_through(draft(title=SAFETY, urgency="especially_urgent")))

    # staff (Sales) received both: 特急 first, both unread; the badge says 2.
    staff = signed_in(demo, "staff")
    page = tab(staff)
    assert listed(page) == [(safety.id, "new"), (training.id, "new")]
    assert badge(page) == 2
    for shown in (SAFETY, safety.number, "Especially urgent (特急)", "Group Office (GRP)"):
        assert shown in page
    assert page.count("data-oa-acknowledge=") == 2

    # Acknowledged from the row: back on the tab, the copy signed by staff goes last.
    answer = acknowledge_from_the_row(staff, training, "staff")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/inbox/?tab=documents&page=1")
    assert copy_of(training, "staff").acknowledged_by_id == user("staff").id
    page = tab(staff)
    assert listed(page) == [(safety.id, "new"), (training.id, "acknowledged")]
    assert badge(page) == 1 and page.count("data-oa-acknowledge=") == 1
    assert 'id="dashboard-documents"' in (home := staff.get("/").get_data(as_text=True))
    assert re.search(r'id="dashboard-documents".*?font-size:2em">1<', home, re.S)
    assert listed(tab(staff, "&status=acknowledged")) == [(training.id, "acknowledged")]
    assert listed(tab(staff, "&status=unread")) == [(safety.id, "new")]

    # hr received nothing but acts for finance: finance's two copies, marked for whom.
    agent = signed_in(demo, "hr")
    page = tab(agent)
    assert listed(page) == [(safety.id, "new"), (training.id, "new")]
    assert page.count("for Fiona Zhao") == 2 and badge(page) == 2
    assert acknowledge_from_the_row(agent, safety, "finance").status_code == 302
    signed = copy_of(safety, "finance")
    assert signed.acknowledged_at is not None and signed.acknowledged_by_id == user("hr").id
    assert badge(tab(agent)) == 1

    # staff may not sign for finance: refused, nothing changes.
    refused = acknowledge_from_the_row(staff, training, "finance")
    assert refused.status_code == 302
    assert copy_of(training, "finance").acknowledged_at is None
    assert "Only a recipient or their agent acknowledges." in tab(staff)

    # The issuer and an Auditor may open both documents, but neither reached them.
    for reader in ("leader", "auditor"):
        page = tab(signed_in(demo, reader))
        assert listed(page) == [] and badge(page) == 0
        assert "No documents." in page


def test_a_withdrawn_document_is_shown_as_such_and_no_longer_waits(demo):
    from oa_platform.documents import commands

    document = issued(sign_through(draft(title=SAFETY, urgency="urgent")))
    staff = signed_in(demo, "staff")
    assert badge(tab(staff)) == 1
    commands.withdraw(db.session, user("leader"), document.id, "发文范围有误")
    page = tab(staff)
    assert listed(page) == [(document.id, "new")]
    assert "Withdrawn" in page and "data-oa-acknowledge=" not in page and badge(page) == 0
    # A post from an old page is refused and changes nothing.
    acknowledge_from_the_row(staff, document, "staff")
    assert copy_of(document, "staff").acknowledged_at is None
    assert "The document is withdrawn: there is nothing to acknowledge." in tab(staff)


def test_the_tab_pages_twenty_documents_at_a_time(demo):
    first = issued(sign_through(draft(title=TRAINING, urgency="routine")))
    # Twenty more routine documents sent to staff, each issued a minute later (newest first).
    columns = [c.key for c in Document.__table__.columns if c.key not in {"id", "instance_id"}]
    staff_id = user("staff").id
    for n in range(1, 21):
        fields = {key: getattr(first, key) for key in columns}
        fields.update(number=f"{first.number}-{n}", title=f"{TRAINING}（{n}）")
        fields["issued_at"] = first.issued_at.replace(microsecond=0) + _minutes(n)
        more = Document(**fields)
        db.session.add(more)
        db.session.flush()
        db.session.add(
            Recipient(document_id=more.id, user_id=staff_id, unit="", delivered_at=more.issued_at)
        )
    db.session.commit()
    staff = signed_in(demo, "staff")
    page = tab(staff)
    assert len(listed(page)) == 20 and f"{TRAINING}（20）" in page
    assert "21 in all, page 1 of 2." in page and badge(page) == 21
    second = tab(staff, "&page=2")
    assert listed(second) == [(first.id, "new")]
    assert "21 in all, page 2 of 2." in second
    # Acknowledged from page 2, the answer returns to page 2.
    answer = acknowledge_from_the_row(staff, first, "staff", page="2")
    assert answer.headers["Location"].endswith("/inbox/?tab=documents&page=2")
    assert badge(tab(staff)) == 20


def _minutes(count: int):
    from datetime import timedelta

    return timedelta(minutes=count)
