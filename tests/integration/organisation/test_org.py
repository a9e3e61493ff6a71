"""Regulations §2 and seed 2 §2: a group with holding and sales companies, departments with
heads and leaders in charge, positions; kept consistent by the admin views."""

from __future__ import annotations

import html

from oa_platform.extensions import db
from oa_platform.org.models import Company, CompanyKind, Department
from tests.conftest import login

# Production runs on PostgreSQL: these rules must hold there as on SQLite.
BOTH_DATABASES = True


def test_the_demo_group_is_a_company_tree_with_led_departments(demo):
    group = db.session.query(Company).filter_by(kind=CompanyKind.GROUP).one()
    assert {c.kind for c in group.children} == {CompanyKind.HOLDING, CompanyKind.SALES}
    it = db.session.query(Department).filter_by(code="IT").one()
    assert [d.code for d in it.ancestors()] == ["OFFICE"]
    for unit in db.session.query(Department):
        assert unit.head is not None and unit.leader_in_charge is not None, unit.name


def test_a_parent_department_must_belong_to_the_same_company(client):
    login(client, "admin")
    sales_company = db.session.query(Company).filter_by(code="SLS").one()
    office = db.session.query(Department).filter_by(code="OFFICE").one()
    page = client.post(
        "/departmentmodelview/add",
        data={"company": sales_company.id, "code": "WH", "name": "Warehouse", "parent": office.id},
        follow_redirects=True,
    )
    text = html.unescape(page.get_data(as_text=True))
    assert "The parent department must belong to the same company." in text
    assert db.session.query(Department).filter_by(code="WH").count() == 0


def test_hr_reads_the_organisation_but_cannot_change_it(client):
    login(client, "hr")
    assert client.get("/departmentmodelview/list/").status_code == 200
    assert client.get("/departmentmodelview/add").status_code == 403


def test_a_company_is_added_from_the_command_line_with_the_pages_rules(demo):
    """Issue 19, defect 1: companies could be added neither on the page nor by a command."""
    from oa_platform.cli import oa_cli

    runner = demo.test_cli_runner()
    added = runner.invoke(
        oa_cli,
        ["org", "add-company", "LOG", "Logistics Centre", "--kind", "logistics", "--parent", "grp"],
    )
    assert added.exit_code == 0, added.output
    group = db.session.query(Company).filter_by(kind=CompanyKind.GROUP).one()
    assert (
        added.output.strip()
        == f"Added LOG (Logistics Centre), a logistics company under {group.code}."
    )
    made = db.session.query(Company).filter_by(code="LOG").one()
    assert (made.kind, made.parent) == (CompanyKind.LOGISTICS, group)

    refusals = {
        ("LOG", "Other", "sales", group.code): "Code: another company has the code LOG.",
        ("NEW", "New", "sales", None): "Parent: every company but the group sits under a parent",
        ("NEW", "New", "group", None): "Kind: there is one group",
        ("NEW", "New", "sales", "NOPE"): "Parent: there is no company with the code NOPE.",
    }
    for (code, name, kind, parent), message in refusals.items():
        args = ["org", "add-company", code, name, "--kind", kind]
        refused = runner.invoke(oa_cli, args + (["--parent", parent] if parent else []))
        assert refused.exit_code == 1 and message in refused.output, refused.output
    assert db.session.query(Company).filter_by(code="NEW").count() == 0


def test_the_companies_page_refuses_a_second_group_naming_the_field(client):
    login(client, "admin")
    page = client.post(
        "/companymodelview/add",
        data={"code": "G2", "name": "Second Group", "kind": "group"},
        follow_redirects=True,
    )
    assert "Kind: there is one group; a new company sits under it." in page.get_data(as_text=True)
    assert db.session.query(Company).filter_by(code="G2").count() == 0
