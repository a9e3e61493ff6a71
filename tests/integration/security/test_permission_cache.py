"""Issue 8 (the per-request permission cache, ARCHITECTURE.md "Known costs"): database roles'
permissions are loaded once per request, and a change of role or permission takes effect on
the next request, and at once within the request that made it."""

from __future__ import annotations

from flask import current_app, g
from flask_login import login_user
from sqlalchemy import event

from oa_platform.extensions import db
from tests.conftest import login, user

# Checks a page makes: menu entries and actions, most of them not granted.
CHECKS = [
    ("can_list", "InboxView"),
    ("can_show", "InstanceView"),
    ("can_act", "InstanceView"),
    ("can_list", "ProcessCatalogueView"),
    ("can_start", "ProcessCatalogueView"),
    ("can_list", "NotificationsView"),
    ("can_list", "AgentsView"),
    ("can_list", "CompanyModelView"),
    ("can_list", "OAUserModelView"),
    ("can_audit", "InboxView"),
]


def inbox_reader(username: str):
    """Make ``username``'s only role a database role granting the inbox; return (role, grant)."""
    sm = current_app.appbuilder.sm
    grant = sm.add_permission_view_menu("can_list", "InboxView")
    role = sm.add_role("Inbox Reader")
    sm.add_permission_role(role, grant)
    person = user(username)
    person.roles = [role]
    db.session.commit()
    return role, grant


def test_a_permission_taken_from_a_database_role_is_refused_on_the_next_request(client):
    role, grant = inbox_reader("staff")
    login(client, "staff")
    assert client.get("/inbox/").status_code == 200

    current_app.appbuilder.sm.del_permission_role(role, grant)
    assert client.get("/inbox/").status_code == 403

    current_app.appbuilder.sm.add_permission_role(role, grant)
    assert client.get("/inbox/").status_code == 200


def test_a_role_taken_from_a_user_is_refused_on_the_next_request(client):
    inbox_reader("staff")
    login(client, "staff")
    assert client.get("/inbox/").status_code == 200

    user("staff").roles = [current_app.appbuilder.sm.find_role("Auditor")]
    db.session.commit()
    assert client.get("/inbox/", query_string={"tab": "all"}).status_code == 200
    user("staff").roles = [current_app.appbuilder.sm.find_role("Public")]
    db.session.commit()
    assert client.get("/inbox/").status_code == 403


def test_a_database_roles_checks_cost_one_query_per_request_and_see_changes_at_once(demo):
    role, grant = inbox_reader("staff")
    sm = demo.appbuilder.sm
    statements = []

    def seen(*_args) -> None:
        statements.append(1)

    with demo.test_request_context("/"):
        login_user(user("staff"))
        g.user = user("staff")
        # The first check loads the user's roles and their permission set ...
        assert sm.has_access(*CHECKS[0]) is True
        # ... and every other check of the request is answered from it.
        event.listen(db.engine, "before_cursor_execute", seen)
        answers = [sm.has_access(permission, view) for permission, view in CHECKS[1:]]
        event.remove(db.engine, "before_cursor_execute", seen)
        assert answers == [False] * (len(CHECKS) - 1)
        assert statements == []

        # Taking the permission away inside the request: the next check already sees it.
        sm.del_permission_role(role, grant)
        assert sm.has_access("can_list", "InboxView") is False


def test_roles_granted_through_a_group_count_with_the_users_own(client):
    """The session user is loaded with their own roles and their groups' in one statement
    (flat joins): both kinds of role grant access, with no role counted twice."""
    from flask_appbuilder.security.sqla.models import Group, assoc_user_group

    role, _grant = inbox_reader("staff")
    auditor = current_app.appbuilder.sm.find_role("Auditor")
    readers = Group(name="inbox-readers", label="Inbox readers", roles=[role, auditor])
    db.session.add(readers)
    person = user("staff")
    person.roles = [current_app.appbuilder.sm.find_role("Staff")]
    db.session.flush()
    # Through the table: FAB's Group.users collection accepts its own User class only.
    db.session.execute(assoc_user_group.insert().values(user_id=person.id, group_id=readers.id))
    db.session.commit()
    login(client, "staff")
    assert client.get("/inbox/", query_string={"tab": "all"}).status_code == 200

    loaded = current_app.appbuilder.sm.load_user(person.id)
    assert [r.name for r in loaded.roles] == ["Staff"]
    assert sorted(r.name for r in loaded.groups[0].roles) == ["Auditor", "Inbox Reader"]

    db.session.execute(assoc_user_group.delete())
    db.session.commit()
    assert client.get("/inbox/", query_string={"tab": "all"}).status_code == 404


def test_the_menu_follows_a_database_roles_grants_on_the_next_request(client):
    """The rendered menu is kept per set of grants (oa_platform.menu_cache): granting a menu
    entry to a database role shows it on the next page, taking it away hides it again."""
    role, _grant = inbox_reader("staff")
    login(client, "staff")
    assert "Inbox</a>" not in client.get("/inbox/").get_data(as_text=True)

    sm = current_app.appbuilder.sm
    entry = sm.add_permission_view_menu("menu_access", "Inbox")
    sm.add_permission_role(role, entry)
    page = client.get("/inbox/").get_data(as_text=True)
    assert 'href="/inbox/"' in page and "Inbox</a>" in page

    sm.del_permission_role(role, entry)
    assert "Inbox</a>" not in client.get("/inbox/").get_data(as_text=True)
