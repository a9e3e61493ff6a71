"""Whatever a request asks, the answer is a 4xx naming the problem (or 404), never a 500
(issue 17, defect 13). Regulations §6.2: users "must not ... damage system services"; the
server must not let one request do so either.
"""

from __future__ import annotations

import pytest

from oa_platform.request_limits import MAX_JSON_DEPTH, json_depth
from tests.conftest import login

HUGE = "99999999999999999999"  # past 64 bits
PAST_ID = str(2**63)


@pytest.mark.parametrize(
    "address",
    [
        f"/inbox/?page={HUGE}",
        f"/inbox/?tab=done&page={HUGE}",
        f"/notifications/?page={HUGE}",
        f"/reports/overtime/?page={HUGE}",
        f"/accounteventview/show/{PAST_ID}",
        f"/users/show/{PAST_ID}",
        f"/companymodelview/show/{PAST_ID}",
        f"/instances/{PAST_ID}",
        f"/notifications/{PAST_ID}/open",
    ],
)
def test_page_numbers_and_ids_past_64_bits_are_not_found(client, address):
    login(client, "admin")
    assert client.get(address).status_code == 404


@pytest.mark.parametrize(
    ("address", "named"),
    [
        (f"/accounteventview/list/?page_AccountEventView={HUGE}", "page_AccountEventView"),
        ("/accounteventview/list/?page_AccountEventView=abc", "page_AccountEventView"),
        (f"/users/list/?psize_OAUserModelView={HUGE}", "psize_OAUserModelView"),
        (f"/positionmodelview/list/?_flt_0_rank={HUGE}", "too large"),
    ],
)
def test_list_arguments_fab_would_choke_on_are_400_naming_them(client, address, named):
    login(client, "admin")
    answer = client.get(address)
    assert answer.status_code == 400
    assert named in answer.get_data(as_text=True)


def test_a_list_cannot_be_sorted_by_a_column_it_does_not_show(client):
    """Sorting users by their password hash would leak the hashes' order."""
    login(client, "admin")
    answer = client.get("/users/list/?_oc_OAUserModelView=password&_od_OAUserModelView=asc")
    assert answer.status_code == 400
    assert "cannot be sorted by the column password" in answer.get_data(as_text=True)
    listed = client.get("/users/list/?_oc_OAUserModelView=username&_od_OAUserModelView=asc")
    assert listed.status_code == 200


@pytest.mark.parametrize("username", ["admin", "hr", "mc", "designer", "leader", "auditor"])
def test_the_company_list_opens_for_every_role_that_may_read_it(client, username):
    """FAB's enum field failed on the search form's company kind, for everyone."""
    login(client, username)
    page = client.get("/companymodelview/list/")
    assert page.status_code == 200
    assert "SLS" in page.get_data(as_text=True)


def test_companies_can_be_searched_added_and_edited_by_kind(client):
    from oa_platform.extensions import db
    from oa_platform.org.models import Company, CompanyKind

    login(client, "admin")
    found = client.get("/companymodelview/list/?_flt_0_kind=sales").get_data(as_text=True)
    assert "SLS" in found
    group = db.session.scalars(db.select(Company).where(Company.parent_id.is_(None))).first()
    added = client.post(
        "/companymodelview/add",
        data={"code": "LOG", "name": "Logistics Centre", "kind": "logistics", "parent": group.id},
    )
    assert added.status_code == 302
    db.session.expire_all()
    made = db.session.scalars(db.select(Company).where(Company.code == "LOG")).one()
    assert made.kind is CompanyKind.LOGISTICS
    assert client.get(f"/companymodelview/edit/{made.id}").status_code == 200


def test_fab_user_statistics_chart_that_failed_on_any_column_is_gone(client):
    login(client, "admin")
    for column in ("login_count", "name", "1"):
        assert client.get(f"/userstatschartview/chart/{column}").status_code == 404


def test_a_deeply_nested_json_body_is_400_naming_the_depth(client, api):
    login(client, "staff")
    deep = "[" * 100_000 + "]" * 100_000
    answer = client.post("/api/v1/process/instances", data=deep, content_type="application/json")
    assert answer.status_code == 400
    assert f"deeper than {MAX_JSON_DEPTH} levels" in answer.get_data(as_text=True)
    by_token = api("POST", "staff", "/instances", data=deep, content_type="application/json")
    assert by_token.status_code == 400
    client.post("/logout/")
    login(client, "designer")
    checked = client.post("/designer/api/check", data=deep, content_type="application/json")
    assert checked.status_code == 400


def test_json_depth_counts_brackets_outside_strings_only():
    assert json_depth(b'{"a": [1, {"b": "[[[[\\"]]"}]}') == 3
    assert json_depth(b"[" * 10) == 10
    assert json_depth(b"[" * 1000, limit=64) == 65  # stops counting past the limit
