"""Seed 2 §4.2-§4.3, §6.3: an official document is drafted, reviewed, checked and signed off
through the shipped definition, numbered uniformly and distributed to the people its units
have at issue; every signer signs the content, and an edit leaves earlier signatures invalid.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from oa_platform.documents import signatures
from oa_platform.documents.models import DocumentNumber, Recipient
from oa_platform.extensions import db
from oa_platform.runtime.exceptions import RuntimeCommandError
from oa_platform.runtime.models import Instance
from tests.conftest import login, user
from tests.document_helpers import draft, draft_form, issued, sign_through
from tests.runtime_helpers import act_at, refresh, verified


def signed(instance: Instance) -> list[tuple[str, str, bool]]:
    values = refresh(instance).values
    return [
        (s.signer, s.role, s.valid) for s in signatures.signatures(db.session, instance.id, values)
    ]


def test_a_document_goes_from_draft_through_sign_off_to_its_number_and_recipients(demo):
    instance = draft()
    instance = sign_through(instance)
    document = issued(instance)
    year = document.issue_date.year
    assert document.number == f"集团办〔{year}〕1号"
    assert refresh(instance).values["number"] == document.number
    assert document.title == "关于规范费用报销的通知"
    # §4.3: the drafter, the reviewer, the office check and the issuer signed this content.
    assert signed(instance) == [
        ("clerk", "drafter", True),
        ("leader", "reviewer", True),
        ("secretary", "office_check", True),
        ("leader", "issuer", True),
    ]
    assert document.issuer.username == "leader"
    # §6.3: the Sales department's people (head, staff, newhire) and finance get the main
    # copy, mc a copy; nobody else.
    rows = db.session.execute(
        select(Recipient.copy, Recipient.via)
        .join(Recipient.user)
        .where(Recipient.document_id == document.id)
    ).all()
    reached = {
        (r.user.username, r.copy)
        for r in db.session.scalars(select(Recipient).where(Recipient.document_id == document.id))
    }
    assert reached == {
        ("head", False),
        ("staff", False),
        ("newhire", False),
        ("finance", False),
        ("mc", True),
    }
    assert len(rows) == document.recipient_count == 5
    assert verified()
    # The issuing instance's page shows the header fields as they were typed.
    drafter = demo.test_client()
    login(drafter, "clerk")
    assert drafter.get(f"/instances/{instance.id}").status_code == 200


def test_a_refusal_returns_the_draft_and_the_redraft_is_signed_again(demo):
    instance = draft()
    act_at(instance, "leader", "agree", "department_review")
    act_at(instance, "secretary", "disagree", "office_check", opinion="第二段表述不清，请修改。")
    assert refresh(instance).status == "returned"
    redraft = draft_form(body="<p>各单位：</p><p>报销须附发票原件。</p>")
    act_at(instance, "clerk", "submit", "start", formdata=redraft)
    instance = sign_through(instance)
    # The first draft's signatures no longer hold; the redraft's all do.
    assert signed(instance) == [
        ("clerk", "drafter", False),
        ("leader", "reviewer", False),
        ("clerk", "drafter", True),
        ("leader", "reviewer", True),
        ("secretary", "office_check", True),
        ("leader", "issuer", True),
    ]
    assert issued(instance).body == "<p>各单位：</p><p>报销须附发票原件。</p>"


def test_an_edit_at_the_office_check_invalidates_the_earlier_signatures_with_the_diff(demo):
    instance = draft()
    act_at(instance, "leader", "agree", "department_review")
    edited = "<p>各单位：</p><p>为规范差旅费用报销，现将有关事项通知如下。</p><p>特此通知。</p>"
    act_at(
        instance,
        "secretary",
        "agree",
        "office_check",
        formdata=MultiDict({"body": edited, "title": "关于规范费用报销的通知"}),
    )
    assert signed(instance)[:2] == [("clerk", "drafter", False), ("leader", "reviewer", False)]
    assert signed(instance)[2] == ("secretary", "office_check", True)
    [change] = signatures.body_changes(db.session, instance.id)
    assert change.by == "secretary"
    assert "-为规范费用报销，现将有关事项通知如下。" in change.diff
    assert "+为规范差旅费用报销，现将有关事项通知如下。" in change.diff


def test_a_confidential_document_is_refused_with_the_reason_of_section_6_3(demo):
    with pytest.raises(RuntimeCommandError) as refused:
        draft(security_level="confidential")
    assert "paper" in str(refused.value) and "§6.3" in str(refused.value)
    assert db.session.scalar(select(Instance.id).where(Instance.status != "draft")) is None


def test_a_withdrawn_documents_number_is_void_and_the_next_is_consecutive(demo):
    from oa_platform.documents import commands, numbering

    first = issued(sign_through(draft()))
    commands.withdraw(db.session, user("leader"), first.id, "发文范围有误")
    second = issued(sign_through(draft(title="关于调整报销标准的通知")))
    year = second.issue_date.year
    assert second.number == f"集团办〔{year}〕2号"
    [void] = numbering.voided(db.session, unit="GRP/OFFICE", kind="document", year=year)
    assert (void.number, void.void_reason) == (first.number, "发文范围有误")
    assert (
        db.session.scalar(select(DocumentNumber.void).where(DocumentNumber.number == second.number))
        is False
    )
