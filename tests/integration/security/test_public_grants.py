"""Issue 16: every REST API call asks first whether the Public role (anyone, signed in or not)
may use the endpoint; the answer now comes from the Public role's grants loaded once per
request, and a grant given to or taken from the Public role counts from the next request,
as any other role's does (accounts/access_cache.py)."""

from __future__ import annotations

from flask import current_app

DEFINITIONS = "/api/v1/process/definitions"


def test_an_endpoint_opened_to_the_public_role_answers_anyone_until_the_grant_is_taken(client):
    assert client.get(DEFINITIONS).status_code == 401  # nobody signed in, nothing public

    sm = current_app.appbuilder.sm
    public = sm.find_role(sm.auth_role_public)
    grant = sm.add_permission_view_menu("can_read", "ProcessApi")
    sm.add_permission_role(public, grant)
    opened = client.get(DEFINITIONS)
    assert opened.status_code == 200
    assert "expense_claim" in {d["key"] for d in opened.get_json()["result"]}

    sm.del_permission_role(public, grant)
    assert client.get(DEFINITIONS).status_code == 401
