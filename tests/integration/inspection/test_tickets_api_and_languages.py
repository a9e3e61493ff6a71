"""The tickets' REST API with only a JWT (§8.7: a person reads their tickets and appeals
once), a unit head's share of the report, and the pages in Chinese and English (issue 22,
item 5)."""

from __future__ import annotations

from sqlalchemy import select

from oa_platform.demo import DEMO_PASSWORD
from oa_platform.extensions import db
from oa_platform.inspection import commands, queries
from oa_platform.inspection.models import SampledInstance, Ticket
from oa_platform.runtime.models import Instance
from tests.conftest import login, user
from tests.integration.inspection.test_inspection import _quarter_request
from tests.runtime_helpers import start


def _issued_ticket_for_staff() -> int:
    start("staff", "leave_request")
    start("secretary", "leave_request")  # the Group Office: not the Sales head's
    db.session.commit()
    inspection = commands.open_inspection(db.session, user("admin"), _quarter_request())
    ids = []
    for sample in db.session.scalars(
        select(SampledInstance).where(SampledInstance.inspection_id == inspection.id)
    ):
        finding = commands.record_finding(
            db.session, user("admin"), sample.id, "attachments", "No receipt"
        )
        ticket = db.session.scalars(select(Ticket).where(Ticket.finding_id == finding.id)).one()
        commands.issue_ticket(db.session, user("admin"), ticket.id)
        ids.append((db.session.get(Instance, sample.instance_id).initiator_id, ticket.id))
    db.session.commit()
    return next(t for person, t in ids if person == user("staff").id)


def _token(client, username: str) -> str:
    answer = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": DEMO_PASSWORD, "provider": "db"},
        csrf=False,
    )
    return answer.get_json()["access_token"]


def test_a_person_reads_their_tickets_and_appeals_once_with_only_a_jwt(client):
    with client.application.app_context():
        ticket_id = _issued_ticket_for_staff()
    staff = {"Authorization": f"Bearer {_token(client, 'staff')}"}
    mine = client.get("/api/v1/tickets/", headers=staff, csrf=False).get_json()["result"]
    assert [t["id"] for t in mine] == [ticket_id] and mine[0]["person"] == "staff"
    empty = client.post(f"/api/v1/tickets/{ticket_id}/appeal", json={}, headers=staff, csrf=False)
    assert empty.status_code == 400 and "Appeal" in empty.get_json()["message"]
    appealed = client.post(
        f"/api/v1/tickets/{ticket_id}/appeal",
        json={"text": "The receipt is on paper."},
        headers=staff,
        csrf=False,
    )
    assert appealed.status_code == 200 and appealed.get_json()["result"]["appealed"]
    again = client.post(
        f"/api/v1/tickets/{ticket_id}/appeal", json={"text": "Again"}, headers=staff, csrf=False
    )
    assert again.status_code == 400
    finance = {"Authorization": f"Bearer {_token(client, 'finance')}"}
    assert (
        client.post(
            f"/api/v1/tickets/{ticket_id}/appeal", json={"text": "x"}, headers=finance, csrf=False
        ).status_code
        == 404
    )


def test_a_unit_head_reads_only_their_units_findings_and_tickets(demo):
    _issued_ticket_for_staff()
    inspection = queries.inspections(db.session)[0]
    everything = queries.report(db.session, user("admin"), inspection)
    sales = queries.report(db.session, user("head"), inspection)
    assert everything.total == 2 and sales.total == 1
    assert len(sales.by_department) == 1  # Sales alone
    assert {t.person_id for t in queries.tickets(db.session, user("head"))} == {user("staff").id}


def test_the_pages_read_in_chinese_and_in_english(client):
    with client.application.app_context():
        ticket_id = _issued_ticket_for_staff()
    login(client, "staff")
    chinese = client.get("/inspection/tickets", headers={"Accept-Language": "zh-CN"})
    assert "流程管理红白票" in chinese.get_data(as_text=True)
    english = client.get(f"/inspection/tickets/{ticket_id}", headers={"Accept-Language": "en"})
    page = english.get_data(as_text=True)
    assert "White ticket" in page and "Appeal (once; your leader in charge decides)" in page


def test_a_sampled_request_shows_its_checklist_hints_and_who_answers_a_rejection(client):
    from tests.runtime_helpers import act_at

    with client.application.app_context():
        rejected = start("staff", "leave_request")
        act_at(rejected, "head", "disagree", opinion="Dates clash with the fair")
        db.session.commit()
        inspection = commands.open_inspection(db.session, user("admin"), _quarter_request())
        sample = db.session.scalars(
            select(SampledInstance).where(SampledInstance.instance_id == rejected.id)
        ).one()
        address = f"/inspection/{inspection.id}/sample/{sample.id}"
        staff_name = user("staff").get_full_name()
    login(client, "admin")
    page = client.get(address, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "steps handled late" in page and "files attached" in page
    assert f"answers for the rejection: {staff_name}" in page


def test_a_closed_inspection_keeps_its_report_and_takes_no_more_findings(demo):
    import pytest

    _issued_ticket_for_staff()
    inspection = queries.inspections(db.session)[0]
    sample = db.session.scalars(
        select(SampledInstance).where(SampledInstance.inspection_id == inspection.id)
    ).first()
    commands.close_inspection(db.session, user("admin"), inspection.id, lambda kind: b"kept")
    with pytest.raises(commands.InspectionCommandError, match="closed"):
        commands.record_finding(db.session, user("admin"), sample.id, "content", "late")
    assert queries.report(db.session, user("admin"), inspection).total == 2


def test_the_instance_page_is_offered_only_to_who_may_open_it(client):
    with client.application.app_context():
        start("staff", "leave_request")
        db.session.commit()
        inspection = commands.open_inspection(db.session, user("admin"), _quarter_request())
        sample = db.session.scalars(
            select(SampledInstance).where(SampledInstance.inspection_id == inspection.id)
        ).first()
        address = f"/inspection/{inspection.id}/sample/{sample.id}"
    login(client, "admin")  # IT took no part: the steps and trail are here, no dead link
    page = client.get(address).get_data(as_text=True)
    assert 'id="instance-page"' not in page and 'id="trail"' in page
    client.post("/logout/")
    login(client, "auditor")
    assert 'id="instance-page"' in client.get(address).get_data(as_text=True)
