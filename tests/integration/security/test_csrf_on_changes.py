"""Deleting through any model view and signing out take a POST with the session's CSRF token
(issue 17, defect 2): a link or image another site plants (a relative link survives the
rich-text sanitizer) must not delete users, roles, companies or anything else, nor sign
anyone out. Regulations §6.2: nobody may "interfere with other users, or damage system
services" through another person's session.
"""

from __future__ import annotations

import re

import pytest
from flask_appbuilder.baseviews import BaseCRUDView

from oa_platform.extensions import db
from oa_platform.model_views import GuardedCRUD
from oa_platform.org.models import Position
from tests.conftest import login


def _crud_views(app) -> list[BaseCRUDView]:
    return [view for view in app.appbuilder.baseviews if isinstance(view, BaseCRUDView)]


def test_every_model_views_delete_and_action_routes_answer_post_only(app):
    """Walks the URL map, so a model view added later without the mixin fails here."""
    views = _crud_views(app)
    names = {type(view).__name__ for view in views}
    assert {"CompanyModelView", "RoleModelView", "OAUserModelView", "UserGroupModelView"} <= names
    for view in views:
        assert isinstance(view, GuardedCRUD), type(view).__name__
    for rule in app.url_map.iter_rules():
        if rule.rule.endswith(("/delete/<pk>", "/action/<string:name>/<pk>")):
            assert "GET" not in rule.methods, rule.rule


def test_a_get_on_a_delete_address_deletes_nothing_and_is_405(client):
    login(client, "admin")
    position = db.session.scalars(db.select(Position)).first()
    answer = client.get(f"/positionmodelview/delete/{position.id}")
    assert answer.status_code == 405
    db.session.expire_all()
    assert db.session.get(Position, position.id) is not None


@pytest.mark.parametrize(
    "address",
    [
        "/users/delete/{user}",
        "/roles/delete/{role}",
        "/groups/delete/{group}",
        "/permissions/delete/1",
        "/positionmodelview/delete/{position}",
        "/departmentmodelview/delete/{department}",
        "/companymodelview/delete/{company}",
    ],
)
def test_a_delete_post_without_the_token_is_refused_and_deletes_nothing(client, address):
    from flask_appbuilder.security.sqla.models import Group, Role

    from oa_platform.org.models import Company, Department
    from tests.conftest import user

    first = lambda model: db.session.scalars(db.select(model)).first()  # noqa: E731
    group = first(Group) or Group(name="Forged")
    db.session.add(group)
    db.session.commit()
    ids = {
        "user": user("staff").id,
        "role": db.session.scalars(db.select(Role).where(Role.name == "Staff")).one().id,
        "group": group.id,
        "position": first(Position).id,
        "department": first(Department).id,
        "company": first(Company).id,
    }
    login(client, "admin")
    before = client.get(address.replace("delete", "show").format(**ids)).status_code
    answer = client.post(address.format(**ids), csrf=False)
    assert answer.status_code == 400
    assert "security token" in answer.get_data(as_text=True)
    assert client.get(address.replace("delete", "show").format(**ids)).status_code == before


def test_the_list_pages_delete_button_posts_the_token_and_deletes(client):
    """The page's own button still works: FAB's hidden delete form carries the token."""
    login(client, "admin")
    page = client.get("/positionmodelview/list/").get_data(as_text=True)
    form = re.search(r'<form id="delete_form"[^>]*method="POST".*?</form>', page, re.S)
    assert form and 'name="csrf_token"' in form.group(0)
    position = Position(name="Temporary", rank=1)  # no one holds it
    db.session.add(position)
    db.session.commit()
    position_id = position.id
    answer = client.post(f"/positionmodelview/delete/{position_id}")
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Position, position_id) is None


def test_a_get_on_the_logout_address_keeps_the_session(client):
    login(client, "staff")
    assert client.get("/logout/").status_code == 405
    assert client.get("/inbox/").status_code == 200


def test_logout_takes_a_post_with_the_token_from_the_navbars_form(client):
    login(client, "staff")
    page = client.get("/inbox/").get_data(as_text=True)
    form = re.search(r'<form method="post" action="/logout/"[^>]*>.*?</form>', page, re.S)
    assert form and 'name="csrf_token"' in form.group(0)
    assert client.post("/logout/", csrf=False).status_code == 400
    assert client.get("/inbox/").status_code == 200  # a forged post signed nobody out
    assert client.post("/logout/").status_code == 302
    assert client.get("/inbox/").status_code == 302  # to the log-in page
