"""The preview renders each node's form with the server's own rules: a crafted post to fields
the node may not edit changes nothing and is recorded (regulations §6.1)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from sqlalchemy import select

from form_builder import services
from form_builder.models import DefinitionEvent
from tests.conftest import login

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "definitions"


def test_every_node_of_every_example_renders(client):
    login(client, "mc")
    for path in sorted(EXAMPLES.glob("*.json")):
        document = json.loads(path.read_text())
        for node in document["nodes"]:
            url = f"/definitions/{document['key']}/v1/preview/{node['id']}"
            response = client.get(url)
            assert response.status_code == 200, url
            assert 'id="oa-form"' in response.get_data(as_text=True)
    assert client.get("/definitions/leave_request/v1/preview/nowhere").status_code == 404


def test_crafted_post_to_read_only_and_hidden_fields_changes_nothing_and_is_audited(client):
    login(client, "designer")
    # The department head reads the application; HR's remarks are hidden from them.
    response = client.post(
        "/definitions/leave_request/v1/preview/department_head",
        data={"leave_type": "sick", "reason": "forged", "hr_remarks": "forged"},
    )
    page = response.get_data(as_text=True)
    stored = json.loads(html.unescape(re.search(r'id="preview-values">([^<]*)</pre>', page)[1]))
    assert stored.get("reason") is None and stored.get("hr_remarks") is None
    assert stored.get("leave_type") != "sick"
    assert "hr_remarks, leave_type, reason" in page

    event = services.session().scalar(
        select(DefinitionEvent).where(DefinitionEvent.action == "ignored_field_post")
    )
    assert event.actor.username == "designer"
    assert event.detail == {
        "node": "department_head",
        "fields": ["hr_remarks", "leave_type", "reason"],
    }


def test_server_recomputes_the_total_and_names_row_errors(client):
    login(client, "designer")
    response = client.post(
        "/definitions/expense_claim/v1/preview/start",
        data={
            "items-0-date": "2026-11-02",
            "items-0-category": "travel",
            "items-0-description": "Taxi",
            "items-0-amount": "12.50",
            "items-1-date": "2026-11-03",
            "items-1-category": "travel",
            "items-1-description": "Train",
            "items-1-amount": "abc",
            "total": "999999.00",
        },
    )
    page = response.get_data(as_text=True)
    assert "row 2" in page and "Amount" in page
    assert "999999" not in page.split('id="oa-form"')[0]
