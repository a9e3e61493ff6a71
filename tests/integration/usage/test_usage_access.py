"""Who sees the usage view (§2.1.1) and which units: Admin and Auditors every unit, a unit
head the departments they head (with those below), anyone else nothing (404), and nobody a
unit outside their own, on the page and every export alike (usage/policy.py)."""

from __future__ import annotations

import re

import pytest

from oa_platform.extensions import db
from tests.conftest import user
from tests.usage_helpers import SUMMER, get

BOTH_DATABASES = True
ADDRESSES = ["/usage/", "/usage/export/summary.csv", "/usage/export/all.xlsx"]


def _units(html: str) -> list[str]:
    select = re.search(r'(?s)<select[^>]*id="unit".*?</select>', html).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


@pytest.mark.parametrize("username", ["admin", "auditor"])
def test_admin_and_auditors_see_every_unit(demo, client, username):
    answer = get(client, username, period=SUMMER)
    assert answer.status_code == 200
    units = _units(answer.get_data(as_text=True))
    assert units[:4] == ["", "company:GRP", "company:HLD", "company:SLS"]
    assert "department:SLS/SALES" in units and "department:GRP/FIN" in units
    for unit in ("company:SLS", "department:GRP/IT"):
        for address in ADDRESSES:
            assert get(client, username, address, unit=unit).status_code == 200


def test_a_unit_head_sees_only_the_departments_they_head(demo, client):
    # Laura heads the Group Office (IT is under it) and the Holding's General Management.
    html = get(client, "leader").get_data(as_text=True)
    assert _units(html) == ["department:GRP/OFFICE", "department:HLD/GM"]
    assert get(client, "leader", unit="department:HLD/GM").status_code == 200
    # Henry heads Sales, and nothing else; every other unit does not exist for him.
    assert _units(get(client, "head").get_data(as_text=True)) == ["department:SLS/SALES"]
    for unit in ("", "company:SLS", "company:GRP", "department:GRP/FIN", "department:GRP/IT"):
        for address in ADDRESSES:
            asked = {"unit": unit} if unit else {"unit": "company:GRP"}
            assert get(client, "head", address, **asked).status_code == 404


def test_the_head_of_a_department_sees_it_without_the_unit_head_role(demo, client):
    """Fiona heads Finance with only the Staff role: the rule is the organisation's."""
    answer = get(client, "finance")
    assert answer.status_code == 200
    assert _units(answer.get_data(as_text=True)) == ["department:GRP/FIN"]


@pytest.mark.parametrize("username", ["staff", "designer", "newhire"])
def test_anyone_else_is_told_the_view_does_not_exist(demo, client, username):
    for address in ADDRESSES:
        assert get(client, username, address).status_code in {404, 302}
    if username != "newhire":  # must change the password first
        for address in ADDRESSES:
            assert get(client, username, address).status_code == 404


def test_a_head_who_hands_over_the_department_loses_its_view(demo, client):
    assert get(client, "head").status_code == 200
    sales = user("head").department
    sales.head = user("staff")
    db.session.commit()
    assert get(client, "head").status_code == 404
    assert _units(get(client, "staff").get_data(as_text=True)) == ["department:SLS/SALES"]


def test_signed_out_people_are_sent_to_sign_in(demo, client):
    answer = get(client, None)
    assert answer.status_code == 302 and "/login/" in answer.headers["Location"]


def test_the_menu_offers_the_view_to_admin_auditors_and_unit_heads(demo, client):
    for username, shown in (
        ("admin", True),
        ("auditor", True),
        ("head", True),
        ("staff", False),
        ("hr", False),
    ):
        html = get(client, username, "/").get_data(as_text=True)
        assert ('href="/usage/"' in html) is shown, username
