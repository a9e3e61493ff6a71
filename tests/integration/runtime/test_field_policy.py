"""A field hidden from a node stays hidden from its people everywhere they could read it: the
instance page, the API's instance, the audit trail's field diffs and the files' downloads.
One rule decides (``oa_platform/runtime/policy.py``); the page and the API only render it.

The leave request's ``hr_remarks`` is HR's (edited at ``hr_record``) and hidden from the
initiator, the department head and the leader.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import login

BOTH_DATABASES = True
LEAVE = {
    "leave_type": "annual",
    "start_date": "2026-12-01",
    "end_date": "2026-12-02",
    "reason": "Family visit",
    "handover_to": "head",
}
REMARK = "Balance checked: 3 days left"


@pytest.fixture
def recorded(api) -> int:
    """A leave request that HR has recorded, with remarks, and finished."""
    instance = api(
        "POST", "staff", "/instances", json={"definition": "leave_request", "data": LEAVE}
    ).get_json()["result"]
    agreed = api.act("head", instance["id"], "agree")
    assert agreed.status_code == 200, agreed.get_json()
    answer = api.act("hr", instance["id"], "agree", data={"hr_remarks": REMARK})
    assert answer.status_code == 200, answer.get_json()
    return instance["id"]


def _page_shows_remarks(client, username: str, instance_id: int) -> bool:
    login(client, username)
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    client.post("/logout/")
    shown = 'data-oa-field="hr_remarks"' in page and not re.search(
        r'oa-field hidden"[^>]*data-oa-field="hr_remarks"', page
    )
    assert shown == (REMARK in page)
    return shown


def test_a_hidden_field_is_not_in_the_trail_of_those_it_is_hidden_from(api, recorded):
    for username in ("staff", "head"):
        trail = api("GET", username, f"/instances/{recorded}/audit").get_json()["result"]
        assert REMARK not in json.dumps(trail), username
        assert "hr_remarks" not in json.dumps(trail), username
        changed = [e for e in trail if e["event"] == "fields_changed" and e["node"] == "hr_record"]
        assert changed and all(e["detail"]["redacted"] for e in changed)
    trail = api("GET", "hr", f"/instances/{recorded}/audit").get_json()["result"]
    assert REMARK in json.dumps(trail)
    assert not any(e["detail"] and e["detail"].get("redacted") for e in trail)


@pytest.mark.parametrize(
    ("username", "sees_remarks"),
    [("staff", False), ("head", False), ("hr", True), ("auditor", False)],
)
def test_the_page_and_the_api_show_each_person_the_same_fields(
    api, client, recorded, username, sees_remarks
):
    values = api("GET", username, f"/instances/{recorded}").get_json()["result"]["values"]
    assert ("hr_remarks" in values) is sees_remarks
    assert _page_shows_remarks(client, username, recorded) is sees_remarks
