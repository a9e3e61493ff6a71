"""Regulations §4 and §6.2 (and seed 2 §5, §6.4): the account rules, one test per rule."""

from __future__ import annotations

import html
import itertools
import re
from datetime import datetime, timedelta

import time_machine

from oa_platform.accounts.models import AccountEvent, OAUser
from oa_platform.demo import DEMO_PASSWORD
from oa_platform.extensions import db
from tests.conftest import login, user

# Production runs on PostgreSQL: these rules must hold there as on SQLite.
BOTH_DATABASES = True

STRONG = "Harbour-Kite-73-Plum"


def change_password(client, current, new, confirm=None):
    return client.post(
        "/changepassword/form",
        data={"current_password": current, "new_password": new, "confirm_password": confirm or new},
    )


def events(kind: str) -> list[AccountEvent]:
    return db.session.query(AccountEvent).filter_by(kind=kind).order_by(AccountEvent.id).all()


def test_initial_password_must_be_changed_before_anything_else_is_reachable(client):
    response = login(client, "newhire")
    assert response.status_code == 302
    for path in ["/", "/myteam/", "/users/userinfo/", "/departmentmodelview/list/"]:
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].endswith("/changepassword/form"), path
    page = client.get("/changepassword/form")
    assert b"Change your initial password before you continue." in page.data

    assert change_password(client, DEMO_PASSWORD, STRONG).status_code == 302
    assert b"Welcome, Nina Xu" in client.get("/").data
    assert user("newhire").must_change_password is False
    assert events("password_change")[-1].detail == {"forced": True}


def test_weak_new_password_is_refused_with_each_rules_message(client):
    login(client, "newhire")
    page = change_password(client, DEMO_PASSWORD, "newhire123456")
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert 'runs of consecutive or repeated characters such as "123456"' in text
    assert "The password must not contain your user name." in text
    assert user("newhire").must_change_password is True


def test_wrong_current_password_changes_nothing(client):
    login(client, "staff")
    page = change_password(client, "not-my-password", STRONG)
    assert "The current password is not correct." in page.get_data(as_text=True)
    assert events("password_change") == []


def test_none_of_the_last_five_passwords_may_be_reused(client):
    login(client, "staff")
    history = [
        DEMO_PASSWORD,
        "Harbour-Kite-73-Plum",
        "Maple-Drum-58-Crow",
        "Velvet-Oar-29-Hill",
        "Copper-Fern-64-Lake",
        "Silent-Reed-82-Moth",
    ]
    for previous, new in itertools.pairwise(history):
        assert change_password(client, previous, new).status_code == 302
    # The demo password is now six changes old: allowed again; the last five are not.
    refused = change_password(client, history[-1], history[2])
    assert "Do not reuse any of your last 5 passwords." in refused.get_data(as_text=True)
    assert change_password(client, history[-1], history[0]).status_code == 302


def test_password_older_than_the_maximum_age_must_be_changed(client):
    with time_machine.travel(datetime.now() + timedelta(days=91), tick=False):
        login(client, "staff")
        answer = client.get("/")
        assert answer.headers["Location"].endswith("/changepassword/form")
        assert "older than 90 days" in client.get("/changepassword/form").get_data(as_text=True)


def test_maximum_age_zero_switches_expiry_off(app_factory):
    from oa_platform.demo import load_demo_data

    app = app_factory(OA_PASSWORD_MAX_AGE_DAYS=0)
    with app.app_context():
        load_demo_data()
        client = app.test_client()
        with time_machine.travel(datetime.now() + timedelta(days=3650), tick=False):
            login(client, "staff")
            assert client.get("/").status_code == 200


def test_five_failed_logins_lock_the_account_for_fifteen_minutes(client):
    start = datetime.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            assert b"Welcome" not in login(client, "staff", "wrong-password", follow=True).data
        # Locked: even the right password is refused now.
        locked = login(client, "staff", follow=True).get_data(as_text=True)
        assert "too many failed attempts" in locked
        assert [e.subject_username for e in events("lockout")] == ["staff"]
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert b"Welcome, Sam Wu" in login(client, "staff", follow=True).data


def test_unknown_user_names_are_answered_exactly_like_real_ones(client):
    """No user enumeration: same message, same lock-out, for names that do not exist."""

    def answers(name):
        # Each page carries a fresh CSRF token (it is signed with the time) and a fresh
        # script nonce (the Content-Security-Policy's): neither is an answer.
        return [
            re.sub(
                r'name="csrf_token" type="hidden" value="[^"]+"|nonce="[^"]+"',
                "",
                login(client, name, "wrong-password", follow=True).get_data(as_text=True),
            )
            for _ in range(6)
        ]

    real, ghost = answers("staff"), answers("nobody-here")
    assert real == ghost
    assert {e.subject_username for e in events("lockout")} == {"staff", "nobody-here"}
    reasons = {e.detail["reason"] for e in events("login_failure")}
    assert {"wrong password", "unknown user", "locked"} <= reasons


def test_login_endpoint_is_rate_limited(app_factory):
    from oa_platform.demo import load_demo_data

    app = app_factory(AUTH_RATE_LIMITED=True, AUTH_RATE_LIMIT="3 per minute")
    with app.app_context():
        load_demo_data()
        client = app.test_client()
        codes = [login(client, f"someone{i}", "x").status_code for i in range(4)]
    assert codes[:3] == [302, 302, 302]
    assert codes[3] == 429


def test_department_head_resets_a_members_password_with_a_one_time_password(client):
    login(client, "head")
    staff = user("staff")
    confirm = client.get(f"/resetpassword/form?pk={staff.id}")
    assert confirm.status_code == 200
    done = client.post(f"/resetpassword/form?pk={staff.id}")
    text = done.get_data(as_text=True)
    assert done.status_code == 200
    temporary = text.split('id="temporary-password">')[1].split("<")[0]
    assert len(temporary) >= 12
    assert events("password_reset")[-1].actor_id == user("head").id

    other = client.application.test_client()
    assert b"Welcome" not in login(other, "staff", follow=True).data  # old password gone
    landed = login(other, "staff", temporary)
    assert landed.status_code == 302
    assert other.get("/").headers["Location"].endswith("/changepassword/form")


def test_an_administrator_designated_by_the_head_may_reset(client):
    sales = user("staff").department
    sales.reset_delegates.append(user("admin"))
    db.session.commit()
    login(client, "admin")
    assert client.post(f"/resetpassword/form?pk={user('staff').id}").status_code == 200


def test_anyone_else_gets_403_when_resetting(client):
    staff_id = user("staff").id
    for outsider in ["newhire", "admin", "hr", "finance"]:
        c = client.application.test_client()
        if outsider == "newhire":
            # Must change first; afterwards still not allowed to reset a colleague.
            login(c, "newhire")
            change_password(c, DEMO_PASSWORD, STRONG)
        else:
            login(c, outsider)
        assert c.get(f"/resetpassword/form?pk={staff_id}").status_code == 403, outsider
        assert c.post(f"/resetpassword/form?pk={staff_id}").status_code == 403, outsider
    assert events("password_reset") == []
    assert len(events("password_reset_refused")) == 4  # one per refused POST; GETs record nothing


def test_deactivated_users_open_session_is_refused_on_its_next_request(client):
    staff_client = client.application.test_client()
    login(staff_client, "staff")
    assert staff_client.get("/").status_code == 200

    login(client, "hr")
    answer = client.post(
        f"/deactivateuser/form?pk={user('staff').id}", data={"successor": user("head").id}
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert user("staff").active is False
    assert user("staff").successor.username == "head"

    refused = staff_client.get("/myteam/")
    assert refused.status_code == 302 and "/login/" in refused.headers["Location"]
    assert b"Welcome" not in login(staff_client, "staff", follow=True).data


def test_deactivated_users_api_token_is_refused(client):
    token = client.post(
        "/api/v1/security/login",
        json={"username": "staff", "password": DEMO_PASSWORD, "provider": "db"},
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/menu/", headers=headers).status_code == 200
    from oa_platform.accounts.commands import deactivate_user

    deactivate_user(None, user("staff"))
    assert client.get("/api/v1/menu/", headers=headers).status_code == 401


def test_deactivation_hands_over_through_the_hook_in_the_same_transaction(client):
    from oa_platform.accounts.commands import deactivate_user
    from oa_platform.accounts.signals import user_deactivated

    received = []

    def receiver(sender, user, successor, session):
        received.append((user.username, successor.username if successor else None))

    with user_deactivated.connected_to(receiver):
        deactivate_user(user("hr"), user("staff"), user("head"))
    assert received == [("staff", "head")]
    event = events("deactivation")[-1]
    assert event.detail == {"successor": "head"} and event.actor_id == user("hr").id


def test_a_failing_hand_over_leaves_the_account_unchanged(client):
    import pytest

    from oa_platform.accounts.commands import deactivate_user
    from oa_platform.accounts.signals import user_deactivated

    def broken(sender, **kwargs):
        raise RuntimeError("hand-over failed")

    with user_deactivated.connected_to(broken), pytest.raises(RuntimeError):
        deactivate_user(user("hr"), user("staff"))
    db.session.expire_all()
    assert user("staff").active is True
    assert events("deactivation") == []


def test_a_deactivated_user_cannot_be_named_successor(client):
    import pytest

    from oa_platform.accounts.commands import deactivate_user
    from oa_platform.accounts.exceptions import DeactivationError

    deactivate_user(None, user("finance"))
    with pytest.raises(DeactivationError, match="successor finance is deactivated"):
        deactivate_user(None, user("staff"), user("finance"))
    assert user("staff").active is True


def test_only_hr_and_admin_may_deactivate(client):
    login(client, "head")
    answer = client.post(f"/deactivateuser/form?pk={user('staff').id}", data={})
    assert answer.status_code == 403
    db.session.expire_all()
    assert user("staff").active is True


def test_role_changes_are_audited(client):
    from flask import current_app

    staff = user("staff")
    staff.roles.append(current_app.appbuilder.sm.find_role("Auditor"))
    db.session.commit()
    assert events("role_change")[-1].detail == {"added": ["Auditor"], "removed": []}


def test_logins_are_audited_with_address(client):
    login(client, "staff")
    login(client.application.test_client(), "staff", "bad-password")
    success, failure = events("login_success")[-1], events("login_failure")[-1]
    assert success.subject_username == "staff" and success.remote_addr == "127.0.0.1"
    assert failure.detail == {"reason": "wrong password"}


def test_forms_require_a_csrf_token(app_factory):
    from oa_platform.demo import load_demo_data

    app = app_factory()
    with app.app_context():
        load_demo_data()
        client = app.test_client()
        answer = client.post(
            "/login/", data={"username": "staff", "password": DEMO_PASSWORD}, csrf=False
        )
        assert answer.status_code == 400  # refused before the log-in form is read
        assert "security token" in answer.get_data(as_text=True)
        assert b"Welcome" not in client.get("/").data
        assert events("login_success") == []


def add_user(client, username: str, email: str, role_id: int):
    return client.post(
        "/users/add",
        data={
            "first_name": "New",
            "last_name": "Person",
            "username": username,
            "email": email,
            "roles": [role_id],
            "password": STRONG,
            "conf_password": STRONG,
        },
    )


def test_user_names_are_unique_ignoring_case(client):
    login(client, "admin")
    page = add_user(client, "STAFF", "sam2@example.com", user("staff").roles[0].id)
    text = html.unescape(page.get_data(as_text=True))
    assert 'The user name "STAFF" is taken (ignoring case).' in text
    assert db.session.query(OAUser).filter(OAUser.email == "sam2@example.com").count() == 0


def test_an_administrators_new_user_must_change_the_initial_password(client):
    login(client, "admin")
    answer = add_user(client, "zoeqi", "zoe@example.com", user("staff").roles[0].id)
    assert answer.status_code == 302
    assert user("zoeqi").must_change_password is True


def test_the_api_refuses_a_user_who_must_change_the_initial_password(client):
    token = client.post(
        "/api/v1/security/login",
        json={"username": "newhire", "password": DEMO_PASSWORD, "provider": "db"},
    ).get_json()["access_token"]
    answer = client.get("/api/v1/menu/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401


def test_roles_are_seeded_with_their_permissions(client):
    from flask import current_app

    sm = current_app.appbuilder.sm
    names = {r.name for r in sm.get_all_roles()}
    assert {"Admin", "HR", "Management Center", "Unit Head", "Staff", "Auditor"} <= names
    expectations = {
        "auditor": {"/accounteventview/list/": 200, "/importusers/": 403},
        "hr": {"/importusers/": 200, "/users/list/": 200, "/accounteventview/list/": 403},
        "staff": {"/users/list/": 403, "/departmentmodelview/list/": 403, "/myteam/": 200},
        "head": {"/departmentmodelview/list/": 200, "/users/list/": 403},
    }
    for name, pages in expectations.items():
        c = client.application.test_client()
        login(c, name)
        for path, code in pages.items():
            assert c.get(path).status_code == code, (name, path)
