"""Who does what with organisation changes (regulations §2.1.2, §2.2, §8.4; seed 2 §5.1):
HR and the units file change requests; only IT (Admin) applies them and reassigns open tasks;
IT's designers and Auditors read them; everyone else gets 404 or is refused, and a refused
action changes nothing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oa_platform.extensions import db
from oa_platform.org.models import Department
from oa_platform.orgchange import commands
from oa_platform.orgchange.models import AppliedChange, BulkReassignment
from oa_platform.orgchange.policy import OrgChangeNotFoundError
from tests.conftest import login, user
from tests.orgchange_helpers import confirmed, file_change, newcomer
from tests.runtime_helpers import live, refresh, start

BOTH_DATABASES = True


def sales_head() -> str:
    return db.session.scalar(select(Department).where(Department.code == "SALES")).head.username


@pytest.mark.parametrize("filer", ["hr", "head"])
def test_hr_and_a_unit_file_requests_that_it_carries_out(demo, filer):
    newcomer("wei")
    request = confirmed(
        file_change(filer, change_kind="head_change", department="SLS/SALES", person="wei")
    )
    commands.apply_change(db.session, user("admin"), request.id)
    assert sales_head() == "wei"


def test_a_request_filed_by_someone_else_is_not_carried_out(demo):
    newcomer("wei")
    request = confirmed(
        file_change("staff", change_kind="head_change", department="SLS/SALES", person="wei")
    )
    with pytest.raises(commands.OrgChangeCommandError, match="not filed by HR or a unit"):
        commands.apply_change(db.session, user("admin"), request.id)
    assert sales_head() == "head"


@pytest.mark.parametrize("who", ["designer", "hr", "head", "auditor", "staff"])
def test_only_it_applies_a_change(demo, client, who):
    newcomer("wei")
    request = confirmed(
        file_change(change_kind="head_change", department="SLS/SALES", person="wei")
    )
    with pytest.raises(OrgChangeNotFoundError):
        commands.apply_change(db.session, user(who), request.id)
    login(client, who)
    answer = client.post(f"/orgchange/{request.id}/apply")
    assert answer.status_code in (403, 404)
    assert sales_head() == "head"
    assert db.session.scalar(select(AppliedChange.id)) is None


@pytest.mark.parametrize("who", ["designer", "hr", "head", "auditor", "staff"])
def test_only_it_reassigns_open_tasks(demo, client, who):
    leave = start("staff", "leave_request")
    [task] = live(leave)
    with pytest.raises(OrgChangeNotFoundError):
        commands.bulk_reassign(db.session, user(who), [task.id], "leader", "Away.")
    login(client, who)
    answer = client.post(
        "/orgchange/reassign", data={"task": [task.id], "to": "leader", "reason": "x"}
    )
    assert answer.status_code in (403, 404)
    assert [t.assignee.username for t in live(refresh(leave))] == ["head"]


def test_it_applies_a_change_from_its_page_and_reads_what_changed(demo, client):
    newcomer("wei")
    request = confirmed(
        file_change(change_kind="head_change", department="SLS/SALES", person="wei")
    )
    login(client, "admin")
    page = client.get(f"/orgchange/{request.id}").get_data(as_text=True)
    assert 'id="impact-report"' in page and 'id="apply-change"' in page
    answer = client.post(f"/orgchange/{request.id}/apply", follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "carried out" in text and 'id="applied"' in text
    assert sales_head() == "wei"
    listing = client.get("/orgchange/").get_data(as_text=True)
    assert f'data-oa-request="{request.id}"' in listing


def test_it_moves_chosen_tasks_from_its_page_with_a_reason(demo, client):
    leave = start("staff", "leave_request")
    [task] = live(leave)
    login(client, "admin")
    page = client.get("/orgchange/reassign?person=head").get_data(as_text=True)
    assert f'data-oa-task="{task.id}"' in page
    refused = client.post(
        "/orgchange/reassign",
        data={"task": [task.id], "to": "leader", "reason": " "},
        follow_redirects=True,
    )
    assert "Reason: say why" in refused.get_data(as_text=True)
    assert db.session.scalar(select(BulkReassignment.id)) is None
    client.post(
        "/orgchange/reassign", data={"task": [task.id], "to": "leader", "reason": "Henry is away."}
    )
    assert [t.assignee.username for t in live(refresh(leave))] == ["leader"]


def test_nobody_receives_a_task_on_their_own_request(demo):
    leave = start("staff", "leave_request")
    [task] = live(leave)
    with pytest.raises(commands.OrgChangeCommandError, match="own request"):
        commands.bulk_reassign(db.session, user("admin"), [task.id], "staff", "Sam decides.")
    with pytest.raises(commands.OrgChangeCommandError, match="not an active user"):
        commands.bulk_reassign(db.session, user("admin"), [task.id], "ghost", "Nobody.")
    assert [t.assignee.username for t in live(refresh(leave))] == ["head"]


def test_the_impact_page_is_for_it_designers_and_auditors(demo):
    for who, status in (("designer", 200), ("auditor", 200), ("hr", 403), ("staff", 403)):
        browser = demo.test_client()
        login(browser, who)
        assert browser.get("/orgchange/impact?people=head").status_code == status, who
