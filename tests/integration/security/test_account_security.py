"""Issue 17's account defects, each test a rule of the regulations it proves:

- §4.1 (resets through the department head) and §6.2 (no one takes over another's account):
  roles are Admin's to grant, never on one's own account, HR's choices leave the privileged
  roles out; a move by HR gives the new head no reset right until Admin confirms it, and
  privileged accounts are reset by Admin only (defect 1).
- §6.2 (passwords changed and kept secret): a new password ends every other session and
  token, a log-out ends its own, sessions time out (defect 3).
- §6.2 (lock-out): failures lock the account whichever of its names was typed (defect 7).
- §6.1 (each user answers for what they did) and §6.2 (no posing as another user): display
  names are HR's, opinions and the trace show the user name beside them (defect 12).
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import time_machine
from flask import current_app

from oa_platform.accounts.models import AccountEvent, OAUser
from oa_platform.demo import DEMO_PASSWORD
from oa_platform.extensions import db
from oa_platform.org.models import Department
from tests.conftest import login, user

BOTH_DATABASES = True

STRONG = "Harbour-Kite-73-Plum"


def events(kind: str) -> list[AccountEvent]:
    return db.session.query(AccountEvent).filter_by(kind=kind).order_by(AccountEvent.id).all()


def role_id(name: str) -> int:
    return current_app.appbuilder.sm.find_role(name).id


def department(code: str) -> Department:
    return db.session.query(Department).filter_by(code=code).one()


def edit_user(client, username: str, **changes):
    """Post FAB's user edit form for ``username`` as the page would, with ``changes``."""
    person = user(username)
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "username": person.username,
        "email": person.email,
        "department": person.department_id,
        "position": person.position_id,
        "roles": [role.id for role in person.roles],
        **changes,
    }
    return client.post(f"/users/edit/{person.id}", data=data)


def role_names(username: str) -> set[str]:
    db.session.expire_all()
    return {role.name for role in user(username).roles}


def signed_in(client) -> bool:
    """The session still counts: a page answers instead of sending to the log-in."""
    answer = client.get("/myteam/")
    return answer.status_code == 200


# §4.1 / §6.2: who grants roles, who resets whom (defect 1) -----------------------------------


def test_hr_cannot_make_itself_admin(client):
    """§6.2: nobody takes over accounts; HR's own roles are not HR's to change."""
    login(client, "hr")
    page = client.get(f"/users/edit/{user('hr').id}").get_data(as_text=True)
    assert 'name="roles"' not in page
    edit_user(client, "hr", roles=[role_id("HR"), role_id("Admin")])
    assert role_names("hr") == {"HR"}


def test_hr_grants_ordinary_roles_only(client):
    """HR registers users (seed 2 §3.2) with ordinary roles; the privileged ones (Admin,
    Auditor, Process Designer) are not among its choices and are refused if posted."""
    login(client, "hr")
    page = client.get(f"/users/edit/{user('staff').id}").get_data(as_text=True)
    choices = page.split('name="roles"')[1].split("</select>")[0]
    assert f'value="{role_id("Unit Head")}"' in choices
    for privileged in ("Admin", "Auditor", "Process Designer"):
        assert f'value="{role_id(privileged)}"' not in choices, privileged
    edit_user(client, "staff", roles=[role_id("Admin")])
    assert role_names("staff") == {"Staff"}
    edit_user(client, "staff", roles=[role_id("Unit Head")])
    assert role_names("staff") == {"Unit Head"}
    # HR cannot strip a privileged account of its role either.
    edit_user(client, "auditor", roles=[role_id("Staff")])
    assert role_names("auditor") == {"Auditor"}


def test_admin_grants_roles_but_never_on_its_own_account(client):
    login(client, "admin")
    edit_user(client, "staff", roles=[role_id("Auditor")])
    assert role_names("staff") == {"Auditor"}
    page = client.get(f"/users/edit/{user('admin').id}").get_data(as_text=True)
    assert 'name="roles"' not in page
    edit_user(client, "admin", roles=[role_id("Staff")])
    assert role_names("admin") == {"Admin"}


def test_a_role_change_outside_the_forms_is_refused_at_the_database(client):
    """The rule holds on every path that changes roles, not only in the form."""
    import pytest

    from oa_platform.accounts.exceptions import RoleChangeRefusedError

    with current_app.test_request_context("/"):
        from flask import g

        g.user = user("hr")
        user("hr").roles.append(current_app.appbuilder.sm.find_role("Admin"))
        with pytest.raises(RoleChangeRefusedError, match="own account"):
            db.session.flush()
        db.session.rollback()
    assert role_names("hr") == {"HR"}


def test_a_move_gives_the_new_head_a_reset_right_only_once_admin_confirms_it(client):
    """§4.1: the head of the member's department resets; a department HR put someone in
    counts for that only after Admin confirmed the move (audited)."""
    staff = user("staff")
    login(client, "hr")
    assert edit_user(client, "staff", department=department("HR").id).status_code == 302
    db.session.expire_all()
    assert user("staff").department.code == "HR"  # the move itself happens at once
    assert client.get(f"/resetpassword/form?pk={staff.id}").status_code == 403
    assert client.post(f"/resetpassword/form?pk={staff.id}").status_code == 403
    assert "staff" not in client.get("/myteam/").get_data(as_text=True)
    move = events("department_move")[-1]
    assert move.detail["confirmed"] is False and move.actor_id == user("hr").id

    hr_cannot_confirm = client.post(f"/confirmmove/form?pk={staff.id}")
    assert hr_cannot_confirm.status_code == 403

    admin = client.application.test_client()
    login(admin, "admin")
    assert admin.post(f"/confirmmove/form?pk={staff.id}").status_code == 302
    confirmed = events("department_move_confirmed")[-1]
    assert confirmed.actor_id == user("admin").id and confirmed.subject_username == "staff"

    assert client.post(f"/resetpassword/form?pk={staff.id}").status_code == 200
    # And the old head's right went with the confirmation.
    head = client.application.test_client()
    login(head, "head")
    assert head.get(f"/resetpassword/form?pk={staff.id}").status_code == 403


def test_privileged_accounts_are_reset_by_admin_only(client):
    """§4.1 stays for ordinary staff; an Admin, Auditor or Process Designer account is reset
    by Admin only, even by the head of its (confirmed) department."""
    auditor = user("auditor")  # Group Office, headed by leader
    head = client.application.test_client()
    login(head, "leader")
    assert head.get(f"/resetpassword/form?pk={auditor.id}").status_code == 403
    assert head.post(f"/resetpassword/form?pk={auditor.id}").status_code == 403

    # HR moves the administrator under itself and Admin (another one) confirms: still no.
    login(client, "hr")
    edit_user(client, "designer", department=department("HR").id)
    admin = client.application.test_client()
    login(admin, "admin")
    admin.post(f"/confirmmove/form?pk={user('designer').id}")
    assert client.post(f"/resetpassword/form?pk={user('designer').id}").status_code == 403

    assert admin.post(f"/resetpassword/form?pk={auditor.id}").status_code == 200
    assert "auditor" in admin.get("/myteam/").get_data(as_text=True)


def test_a_move_by_admin_counts_at_once(client):
    login(client, "admin")
    edit_user(client, "staff", department=department("FIN").id)
    db.session.expire_all()
    assert user("staff").move_pending is False
    assert events("department_move")[-1].detail["confirmed"] is True
    finance = client.application.test_client()
    login(finance, "finance")  # head of Finance
    assert finance.get(f"/resetpassword/form?pk={user('staff').id}").status_code == 200


# §6.2: sessions and tokens (defect 3) ---------------------------------------------------------


def api_login(client, username: str, password: str = DEMO_PASSWORD) -> dict:
    answer = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": True},
        csrf=False,
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_password_change_ends_the_other_sessions_and_every_token(client):
    """§6.2: a password changed because it may be known must lock out whoever knew it."""
    mine, other = client, client.application.test_client()
    login(mine, "staff")
    login(other, "staff")
    tokens = api_login(client.application.test_client(), "staff")
    assert client.get("/api/v1/menu/", headers=bearer(tokens["access_token"])).status_code == 200

    changed = mine.post(
        "/changepassword/form",
        data={
            "current_password": DEMO_PASSWORD,
            "new_password": STRONG,
            "confirm_password": STRONG,
        },
    )
    assert changed.status_code == 302
    assert signed_in(mine)  # the session that changed it goes on
    assert not signed_in(other)
    api = client.application.test_client()
    assert api.get("/api/v1/menu/", headers=bearer(tokens["access_token"])).status_code == 401
    refreshed = api.post(
        "/api/v1/security/refresh", headers=bearer(tokens["refresh_token"]), csrf=False
    )
    assert refreshed.status_code == 401
    # New credentials work as before.
    fresh = api_login(api, "staff", STRONG)
    assert api.get("/api/v1/menu/", headers=bearer(fresh["access_token"])).status_code == 200


def test_a_reset_ends_the_members_sessions(client):
    """§4.1: after the head's reset only the one-time password opens the account."""
    member = client.application.test_client()
    login(member, "staff")
    login(client, "head")
    assert client.post(f"/resetpassword/form?pk={user('staff').id}").status_code == 200
    # Signed out, not merely sent to change the password: whoever held that session may
    # not know the one-time password.
    answer = member.get("/myteam/")
    assert answer.status_code == 302 and "/login/" in answer.headers["Location"]


def test_a_logged_out_session_cookie_cannot_be_replayed(client):
    login(client, "staff")
    assert signed_in(client)
    cookie = client.get_cookie("session").value
    client.post("/logout/")
    assert not signed_in(client)

    replay = client.application.test_client()
    replay.set_cookie("session", cookie)
    assert not signed_in(replay)
    assert events("logout")[-1].subject_username == "staff"


def test_a_session_ends_after_thirty_idle_minutes(client):
    start = datetime.now()
    with time_machine.travel(start, tick=False):
        login(client, "staff")
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert signed_in(client)  # in use: the idle time starts again
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert signed_in(client)
    with time_machine.travel(start + timedelta(minutes=58 + 31), tick=False):
        assert not signed_in(client)


def test_a_session_ends_twelve_hours_after_its_log_in_however_busy(client):
    start = datetime.now()
    with time_machine.travel(start, tick=False):
        login(client, "staff")
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert signed_in(client), minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=1), tick=False):
        assert not signed_in(client)


def test_tokens_live_fifteen_minutes_and_refresh_tokens_one_day(client):
    from flask_jwt_extended import decode_token

    tokens = api_login(client, "staff")
    access, refresh = decode_token(tokens["access_token"]), decode_token(tokens["refresh_token"])
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 24 * 60 * 60
    assert access["cv"] == user("staff").credentials_version


# §6.2: lock-out whichever name was typed (defect 7) ------------------------------------------


def test_failures_under_the_user_name_lock_the_e_mail_log_in_too(client):
    for _ in range(5):
        login(client, "leader", "wrong-password")
    assert b"Welcome" not in login(client, "leader@example.com", follow=True).data
    assert b"Welcome" not in login(client, "leader", follow=True).data


def test_failures_under_the_e_mail_address_lock_the_user_name_too(client):
    for _ in range(5):
        login(client, "head@example.com", "wrong-password")
    assert b"Welcome" not in login(client, "head", follow=True).data
    assert {e.subject_username for e in events("lockout")} == {"head@example.com"}


# §6.1 / §6.2: display names (defect 12) -------------------------------------------------------


def test_staff_cannot_rename_themselves(client):
    """Names are HR's: the profile page offers no name edit, and a posted one is refused."""
    login(client, "staff")
    info = client.get("/users/userinfo/").get_data(as_text=True)
    assert "userinfoeditview" not in info.lower()
    assert client.get("/userinfoeditview/form").status_code == 403
    client.post("/userinfoeditview/form", data={"first_name": "Henry", "last_name": "Ho"})
    db.session.expire_all()
    assert user("staff").get_full_name() == "Sam Wu"


def test_hr_edits_names(client):
    login(client, "hr")
    edit_user(client, "staff", first_name="Samuel")
    db.session.expire_all()
    assert user("staff").first_name == "Samuel"


def test_opinions_and_trace_show_the_user_name_beside_the_display_name(client):
    """§6.1: the trail says who acted; two people with one display name stay apart."""
    from tests.runtime_helpers import act_at, start

    finance = user("finance")
    finance.first_name, finance.last_name = "Henry", "Ho"  # as if HR had named them so
    db.session.commit()
    instance = start("staff", "expense_claim")
    act_at(instance, "head", "agree", opinion="Fine by me.")
    login(client, "staff")
    page = html.unescape(client.get(f"/instances/{instance.id}").get_data(as_text=True))
    opinions = page.split('id="opinions"')[1]
    assert "Henry Ho (head)" in opinions
    trace = page.split('id="trace-panel"')[1].split('id="opinions"')[0]
    assert "Henry Ho (head)" in trace
    assert "Sam Wu (staff)" in page.split('id="opinions"')[0]
    assert isinstance(finance, OAUser)
