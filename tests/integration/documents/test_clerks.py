"""Seed 2 §4.6: each department and company names its document clerks; what is addressed to a
unit reaches its clerks, who pass it on to more people; a unit without a clerk is listed for
IT."""

from __future__ import annotations

from sqlalchemy import select

from oa_platform.accounts.commands import deactivate_user
from oa_platform.documents.models import Clerk, Recipient
from oa_platform.extensions import db
from tests.conftest import login, user
from tests.document_helpers import draft, issued, sign_through


def test_it_names_clerks_who_receive_the_units_documents_and_pass_them_on(demo):
    it = demo.test_client()
    login(it, "admin")
    page = it.get("/documents/clerks").get_data(as_text=True)
    assert 'data-oa-unit="company:SLS"' in page and 'id="units-without-clerk"' in page
    it.post("/documents/clerks", data={"unit": "company:SLS", "user": "clerk"})
    page = it.get("/documents/clerks").get_data(as_text=True)
    missing = page.split('id="units-without-clerk"')[1].split("</div>")[0]
    assert 'data-oa-unit="company:SLS"' not in missing
    assert 'data-oa-unit="department:GRP/FIN"' in missing
    # Staff may not name clerks.
    staff = demo.test_client()
    login(staff, "staff")
    assert staff.post(
        "/documents/clerks", data={"unit": "company:SLS", "user": "staff"}
    ).status_code in (302, 403)
    named = db.session.execute(select(Clerk.unit, Clerk.user_id)).all()
    assert named == [("company:SLS", user("clerk").id)]

    # A second clerk of Sales left (§4.2): nothing addressed to the unit waits for them.
    db.session.add(Clerk(unit="company:SLS", user_id=user("newhire").id))
    db.session.commit()
    deactivate_user(user("hr"), user("newhire"))
    document = issued(sign_through(draft(main_recipients="company:SLS", copy_recipients=None)))
    vias = dict(
        db.session.execute(
            select(Recipient.user_id, Recipient.via).where(Recipient.document_id == document.id)
        ).all()
    )
    assert vias[user("clerk").id] == "clerk:company:SLS"
    assert user("newhire").id not in vias
    clerk = demo.test_client()
    login(clerk, "clerk")
    assert 'id="document-pass-on"' in clerk.get(f"/documents/{document.id}").get_data(as_text=True)
    clerk.post(f"/documents/{document.id}/pass-on", data={"entries": "user:hr"})
    passed = db.session.scalar(
        select(Recipient.via).where(
            Recipient.document_id == document.id, Recipient.user_id == user("hr").id
        )
    )
    assert passed == "passed on by clerk"
    # A recipient who is no clerk of the unit cannot pass it on.
    staff.post(f"/documents/{document.id}/pass-on", data={"entries": "user:finance"})
    assert (
        db.session.scalar(
            select(Recipient.id).where(
                Recipient.document_id == document.id, Recipient.user_id == user("finance").id
            )
        )
        is None
    )
