"""The designer marks nodes whose assignee would resolve to nobody in today's organisation, and
the definitions list flags such definitions (regulations §2.1.2; issue 23)."""

from __future__ import annotations

from oa_platform.accounts.commands import deactivate_user
from oa_platform.extensions import db
from oa_platform.orgchange import marks
from tests.conftest import login, user
from tests.runtime_helpers import chain, node, publish

BOTH_DATABASES = True


def clerks_in(department: str) -> dict:
    found = node("clerks", "approval")
    found["assignee"] = {"rule": "position", "position": "Clerk", "department": department}
    return found


def test_a_node_naming_only_a_person_who_left_is_marked_and_its_definition_flagged(demo, client):
    publish(
        chain(
            "finance_check",
            node("first", "approval", ["head"]),
            node("then", "approval", ["finance"]),
        )
    )
    deactivate_user(user("hr"), user("finance"))
    login(client, "designer")
    listing = client.get("/definitions/").get_data(as_text=True)
    assert 'data-oa-unresolvable="finance_check"' in listing
    assert 'data-oa-unresolvable="leave_request"' not in listing
    designer = client.get("/designer/finance_check").get_data(as_text=True)
    assert 'id="designer-unresolvable"' in designer
    assert 'data-oa-unresolvable="then"' in designer
    assert 'data-oa-unresolvable="first"' not in designer


def test_rules_that_find_nobody_are_named_with_the_reason(demo):
    document = chain(
        "odd_rules",
        clerks_in("GRP/FIN"),  # Finance has a Manager, no Clerk
        node("it", "approval", assignee={"rule": "role", "role": "Auditor"}),
        node("nobody", "approval", ["ghost"]),
        node(
            "sales",
            "approval",
            assignee={"rule": "position", "position": "Clerk", "department": "SLS/SALES"},
        ),
    )
    found = marks.unresolvable(db.session, {"odd": document})["odd"]
    assert set(found) == {"clerks", "nobody"}
    assert "Clerk" in found["clerks"] and "ghost" in found["nobody"]
