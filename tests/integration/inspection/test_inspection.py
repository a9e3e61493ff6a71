"""Quarterly inspection (§8.5), responsibility (§8.6) and red and white tickets (§8.7), as
the regulations tell them: IT draws a reproducible sample stratified by process, records
findings; each finding names who answers from the org structure as it was, and proposes a
ticket; issued tickets are told, appealed once and decided by the leader in charge; the
tallies add up; the report reads the same on the page, in the XLSX and in the PDF."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from oa_platform.extensions import db
from oa_platform.inspection import commands, queries, responsibility, sampling
from oa_platform.inspection.models import SampledInstance, Ticket
from oa_platform.notifications.models import Notification
from oa_platform.org.models import Department
from oa_platform.reports.periods import quarter_of
from oa_platform.runtime.models import Task
from tests.conftest import login, user
from tests.runtime_helpers import act_at, start, tasks

# The sample's SQL, the history lookups and the tallies' sums run on both databases.
BOTH_DATABASES = True


def _quarter_request(**overrides) -> commands.InspectionRequest:
    quarter = quarter_of(date.today())
    values = {
        "title": "Q inspection",
        "first": quarter.first,
        "last": quarter.last,
        "sample_size": 4,
        "seed": "fixed-seed",
    }
    values.update(overrides)
    return commands.InspectionRequest(**values)


def _requests() -> list:
    made = [start("staff", "leave_request") for _ in range(5)]
    made += [start("staff", "expense_claim") for _ in range(3)]
    db.session.commit()
    return made


def _sample_ids(inspection_id: int) -> list[int]:
    return sorted(
        db.session.scalars(
            select(SampledInstance.instance_id).where(
                SampledInstance.inspection_id == inspection_id
            )
        )
    )


def test_the_same_inspection_draws_the_same_sample_stratified_by_process(demo):
    _requests()
    first = commands.open_inspection(db.session, user("admin"), _quarter_request())
    again = commands.open_inspection(db.session, user("admin"), _quarter_request(title="again"))
    assert first.population == 8
    assert _sample_ids(first.id) == _sample_ids(again.id)
    assert len(_sample_ids(first.id)) == 4
    _total, redrawn = sampling.draw(db.session, first, "Asia/Shanghai")
    assert sorted(i for i, _ in redrawn) == _sample_ids(first.id)
    strata = {d for _, d in redrawn}
    assert len(strata) == 2  # both processes represented
    other = commands.open_inspection(db.session, user("admin"), _quarter_request(seed="another"))
    assert other.seed == "another" and len(_sample_ids(other.id)) == 4


def test_strata_share_the_sample_in_proportion():
    assert sampling.allocate({1: 50, 2: 30, 3: 20}, 10) == {1: 5, 2: 3, 3: 2}
    assert sampling.allocate({1: 1000, 2: 1}, 5) == {1: 4, 2: 1}
    assert sampling.allocate({1: 2, 2: 1}, 10) == {1: 2, 2: 1}


def test_only_it_opens_an_inspection_and_bad_input_names_the_field(demo):
    from oa_platform.inspection.policy import InspectionNotFoundError

    with pytest.raises(InspectionNotFoundError):
        commands.open_inspection(db.session, user("staff"), _quarter_request())
    with pytest.raises(commands.InspectionCommandError, match="Sample"):
        commands.open_inspection(
            db.session, user("admin"), _quarter_request(sample_size=None, sample_rate=None)
        )


def _inspect_one():
    _requests()
    inspection = commands.open_inspection(
        db.session, user("admin"), _quarter_request(sample_size=8)
    )
    sample = db.session.scalars(
        select(SampledInstance).where(SampledInstance.inspection_id == inspection.id)
    ).first()
    return inspection, sample


def test_a_finding_proposes_a_ticket_which_issued_is_told_appealed_once_and_decided(demo):
    _inspection, sample = _inspect_one()
    finding = commands.record_finding(
        db.session, user("admin"), sample.id, "content", "Wrong cost centre in the form"
    )
    assert finding.responsibility == responsibility.CONTENT
    assert finding.responsible_id == user("head").id  # the Sales head answers for content
    ticket = db.session.scalars(select(Ticket).where(Ticket.finding_id == finding.id)).one()
    assert ticket.status == "proposed" and ticket.person_id == user("head").id
    commands.issue_ticket(db.session, user("admin"), ticket.id)
    told = db.session.scalars(
        select(Notification).where(
            Notification.user_id == user("head").id, Notification.kind == "ticket"
        )
    ).all()
    assert told and told[0].link == f"/inspection/tickets/{ticket.id}"
    commands.appeal(db.session, user("head"), ticket.id, "The cost centre was HR's choice.")
    assert ticket.appeal_decider_id == user("leader").id  # Sales' leader in charge
    with pytest.raises(commands.InspectionCommandError):
        commands.appeal(db.session, user("head"), ticket.id, "Again")
    with pytest.raises(commands.InspectionCommandError):
        commands.decide_appeal(db.session, user("admin"), ticket.id, True, "IT may not")
    commands.decide_appeal(db.session, user("leader"), ticket.id, True, "Agreed, HR chose it.")
    assert ticket.status == "cancelled" and ticket.appeal_decision == "granted"


def test_tallies_add_up_per_person_department_and_quarter(demo):
    inspection, sample = _inspect_one()
    steps = queries.steps(db.session, sample.instance)
    commands.record_finding(db.session, user("admin"), sample.id, "content", "Typo")
    commands.record_finding(db.session, user("admin"), sample.id, "attachments", "No receipt")
    commands.record_finding(
        db.session, user("admin"), sample.id, "opinions", "Empty opinion", steps[0].task.id
    )
    for ticket in queries.proposed(db.session, inspection.id):
        commands.issue_ticket(db.session, user("admin"), ticket.id)
    issued = db.session.scalars(select(Ticket).where(Ticket.status == "issued")).all()
    points = sum(t.points for t in issued)
    for by in ("person", "department", "quarter"):
        rows = queries.tallies(db.session, user("admin"), by)
        assert sum(r.points for r in rows) == points
        assert sum(r.red + r.white for r in rows) == len(issued)
    # A person sees only their own tickets' tallies.
    mine = queries.tallies(db.session, user("staff"), "person")
    assert [r.key for r in mine] == [user("staff").get_full_name()]


def test_responsibility_follows_the_org_structure_at_the_time_of_the_action(demo):
    instance = start("staff", "leave_request")
    db.session.commit()
    sales = db.session.scalars(select(Department).where(Department.code == "SALES")).one()
    sales.head = user("finance")  # a new head after the request was submitted
    db.session.commit()
    later = start("staff", "leave_request")
    db.session.commit()
    before = responsibility.propose(db.session, instance, responsibility.CONTENT)
    after = responsibility.propose(db.session, later, responsibility.CONTENT)
    assert before.person_id == user("head").id
    assert after.person_id == user("finance").id
    assert responsibility.propose(db.session, instance, responsibility.LEADERSHIP).person_id == (
        user("leader").id
    )
    # A rejection is traced to the initiator's business error.
    act_at(instance, "head", "disagree", opinion="Dates clash with the fair")
    rejected = next(t for t in tasks(instance) if t.action == "disagree")
    assert responsibility.for_rejection(db.session, rejected).person_id == user("staff").id


def test_rules_propose_overtime_and_repeated_missing_opinions_once(demo):
    inspection, sample = _inspect_one()
    steps = queries.steps(db.session, sample.instance)
    for note in ("No opinion", "No opinion again"):
        commands.record_finding(
            db.session, user("admin"), sample.id, "opinions", note, steps[0].task.id
        )
    made = commands.propose_by_rules(db.session, user("admin"), inspection.id)
    assert made == 1
    assert commands.propose_by_rules(db.session, user("admin"), inspection.id) == 0


def test_the_report_reads_the_same_on_the_page_in_xlsx_and_pdf(client):
    import openpyxl
    from pypdf import PdfReader

    with client.application.app_context():
        inspection, sample = _inspect_one()
        commands.record_finding(db.session, user("admin"), sample.id, "content", "Typo")
        commands.record_finding(db.session, user("admin"), sample.id, "attachments", "None")
        inspection_id = inspection.id
        report = queries.report(db.session, user("admin"), inspection)
    login(client, "admin")
    page = client.get(f"/inspection/{inspection_id}").get_data(as_text=True)
    assert 'id="findings-total">2<' in page
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/inspection/{inspection_id}/report.xlsx").data)
    )
    sheets = book.worksheets
    by_department = [tuple(r) for r in sheets[0].iter_rows(min_row=2, values_only=True)]
    assert by_department == [tuple(r) for r in report.by_department]
    assert sum(r[-1] for r in by_department) == 2
    for name, n in report.by_department:
        assert f'<td>{name}</td><td class="n">{n}</td>' in page
    pdf = client.get(f"/inspection/{inspection_id}/report.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    for heading in ("Findings by department", "Findings by node", "Findings by person"):
        assert heading in text
    closed = client.post(f"/inspection/{inspection_id}/close")
    assert closed.status_code == 302


def test_who_sees_what(client):
    with client.application.app_context():
        inspection, _sample = _inspect_one()
        inspection_id = inspection.id
    login(client, "staff")
    assert client.get("/inspection/").status_code == 404
    assert client.get(f"/inspection/{inspection_id}").status_code == 404
    assert client.get("/inspection/tickets").status_code == 200
    client.post("/logout/")
    login(client, "auditor")
    assert client.get(f"/inspection/{inspection_id}").status_code == 200
    assert client.post(f"/inspection/{inspection_id}/close").status_code == 302
    with client.application.app_context():
        from oa_platform.inspection.models import Inspection

        assert db.session.get(Inspection, inspection_id).status == "open"


def test_overtime_above_the_rules_hours_proposes_a_ticket_to_the_handler_once(demo):
    from form_builder.clock import utcnow
    from oa_platform.runtime.models import OvertimeRecord

    inspection, sample = _inspect_one()
    late_task = queries.steps(db.session, sample.instance)[-1].task
    sales = db.session.scalars(select(Department).where(Department.code == "SALES")).one()
    for task_id, minutes in ((late_task.id, 600), (None, 120)):  # 10 h proposes, 2 h not
        if task_id is None:
            other = start("staff", "leave_request")
            db.session.flush()
            task_id = tasks(other)[-1].id
        task = db.session.get(Task, task_id)
        db.session.add(
            OvertimeRecord(
                task_id=task.id,
                instance_id=task.instance_id,
                definition_id=task.instance.definition_id,
                node_id=task.node_id,
                handler_id=task.assignee_id,
                department_id=sales.id,
                due_at=utcnow(),
                minutes_late=minutes,
            )
        )
    db.session.commit()
    assert commands.propose_by_rules(db.session, user("admin"), inspection.id) == 1
    ticket = db.session.scalars(select(Ticket).where(Ticket.overtime_id.is_not(None))).one()
    assert ticket.person_id == late_task.assignee_id and ticket.rule_code == "overtime_8h"
    assert ticket.status == "proposed" and ticket.department_id == sales.id
    assert commands.propose_by_rules(db.session, user("admin"), inspection.id) == 0
