"""Helpers for organisation-change tests: filing a change request (the shipped definition
``org_change_request``), confirming it, and a newcomer to promote.

Everything runs inside an application context with the demo data loaded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from oa_platform.accounts.models import OAUser
from oa_platform.extensions import db
from oa_platform.org.models import Department, Position
from oa_platform.orgchange.changes import APPLY_NODES, DEFINITION_KEY
from oa_platform.runtime.models import Instance
from oa_platform.runtime.services import runtime
from tests.conftest import user
from tests.runtime_helpers import act, live, refresh


def newcomer(username: str = "wei", department: str = "SALES", position: str = "Manager"):
    """An active user in a department (by bare code) with a position."""
    unit = db.session.query(Department).filter_by(code=department).one()
    held = db.session.query(Position).filter_by(name=position).one()
    person = OAUser(
        username=username,
        first_name="Wei",
        last_name="Zhang",
        email=f"{username}@example.com",
        active=True,
        department=unit,
        position=held,
        roles=[db.session.merge(user("staff").roles[0])],
    )
    db.session.add(person)
    db.session.commit()
    return person


def file_change(filer: str = "hr", **values: Any) -> Instance:
    """``filer`` files a change request with ``values`` (change_kind and its fields)."""
    data = {"effective_date": date.today().isoformat(), "details": "As agreed."} | values
    return runtime().submit(
        user(filer), DEFINITION_KEY, MultiDict([(k, v) for k, v in data.items() if v is not None])
    )


def confirmed(instance: Instance) -> Instance:
    """The confirming head agrees, so the request reaches IT."""
    [task] = live(instance, "confirm")
    act(task.assignee.username, task, "agree")
    instance = refresh(instance)
    assert any(live(instance, node) for node in APPLY_NODES), "the request did not reach IT"
    return instance
