"""People as the group's HR and administrators keep them: Chinese names written family name
first and kept whole in one field if need be (issue 19, defect 4), and accounts deleted only
when no record names them, with the reason shown and the delete audited (defect 6)."""

from __future__ import annotations

import html
import re

from oa_platform.accounts.models import AccountEvent, OAUser
from oa_platform.accounts.names import full_name, split_name
from oa_platform.accounts.user_import import import_users
from oa_platform.extensions import db
from tests.conftest import login, user
from tests.integration.security.test_account_security import edit_user
from tests.runtime_helpers import start

BOTH_DATABASES = True


def flashes(page) -> list[str]:
    text = page.get_data(as_text=True)
    found = re.findall(r'class="alert alert-\w+">(.*?)</div>', text, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>|&times;", " ", f)).split()) for f in found]


def test_names_are_written_family_name_first_and_split_as_chinese_names_are():
    assert split_name("张伟") == ("伟", "张")
    assert split_name("欧阳修") == ("修", "欧阳")  # a two-character family name (复姓)
    assert split_name("张 伟") == ("伟", "张")
    assert split_name("Sam Wu") == ("Sam", "Wu")
    assert [full_name(*split_name(n)) for n in ("张伟", "欧阳修", "Sam Wu")] == [
        "张伟",
        "欧阳修",
        "Sam Wu",
    ]
    assert full_name("", "张伟") == full_name("张伟", "") == "张伟"


def test_an_imported_chinese_name_is_saved_again_by_the_stock_user_edit_page(client):
    import_users(
        "name,username,email,company,department,position\n"
        "张伟,zhangwei,zw@example.com,SLS,SALES,Clerk\n".encode()
    )
    zhang = user("zhangwei")
    assert (zhang.last_name, zhang.first_name, zhang.get_full_name()) == ("张", "伟", "张伟")

    login(client, "admin")
    page = client.get(f"/users/edit/{zhang.id}").get_data(as_text=True)
    assert page.index('name="last_name"') < page.index('name="first_name"')  # 姓 first
    answer = edit_user(client, "zhangwei", first_name="", last_name="张伟")
    assert answer.status_code == 302, flashes(answer)
    db.session.expire_all()
    zhang = user("zhangwei")
    assert (zhang.last_name, zhang.first_name, zhang.signature()) == ("张伟", "", "张伟 (zhangwei)")

    refused = edit_user(client, "zhangwei", first_name="", last_name="")
    assert refused.status_code == 200
    assert "Give the person's name: the family name" in html.unescape(
        refused.get_data(as_text=True)
    )


def test_deleting_an_account_no_record_names_is_audited(client):
    import_users(
        b"name,username,email,company,department,position\n"
        b"Temp Mistake,mistake,m@example.com,SLS,SALES,Clerk\n"
    )
    mistake = user("mistake").id
    login(client, "admin")
    answer = client.post(f"/users/delete/{mistake}", follow_redirects=True)
    assert "The account mistake was deleted." in flashes(answer)
    db.session.expire_all()
    assert db.session.get(OAUser, mistake) is None
    [event] = db.session.query(AccountEvent).filter_by(kind="user_deleted").all()
    assert (event.subject_username, event.actor.username) == ("mistake", "admin")
    assert event.detail["name"] == "Temp Mistake"


def test_a_refused_delete_says_which_records_name_the_person(client):
    start("staff", "leave_request")
    login(client, "admin")
    answer = client.post(f"/users/delete/{user('staff').id}", follow_redirects=True)
    [message] = flashes(answer)
    assert message.startswith("Sam Wu (staff) cannot be deleted: the account is named in ")
    assert "process tasks" in message and "process instances" in message
    assert message.endswith("Deactivate it instead (§4.2).")
    db.session.expire_all()
    assert user("staff") is not None
    assert db.session.query(AccountEvent).filter_by(kind="user_deleted").count() == 0
    own = client.post(f"/users/delete/{user('admin').id}", follow_redirects=True)
    assert flashes(own) == ["You cannot delete your own account."]
