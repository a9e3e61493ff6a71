"""The people picker's endpoint (issue 19, "The task page"): whoever chooses a person (a
transfer, a signer to add, an agent, a successor, a named assignee) finds them by name in
Chinese or English, by user name, or by pinyin in full or as initials ("zw" finds 张伟), or
walks the organisation tree; and is offered exactly the people the flat lists offer: every
active account, never one closed when its holder left (§4.2). No rule hides a unit's people
from anyone (the regulations let a handler transfer to anyone in the group), so the tree is
the same for every reader: the test proves it is the flat lists' set, not a narrower one.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from oa_platform.accounts.commands import deactivate_user
from oa_platform.accounts.models import OAUser
from oa_platform.accounts.user_import import import_users
from oa_platform.extensions import db
from oa_platform.org.directory import OrgDirectory
from oa_platform.org.models import Company, Department
from oa_platform.org.people_picker import PAGE
from oa_platform.runtime.exceptions import ActionNotOfferedError
from tests.conftest import login, user
from tests.runtime_helpers import act, live, start

BOTH_DATABASES = True

NEW_STAFF = (
    "name,username,email,company,department,position\n"
    "张伟,zhangwei,zhangwei@example.com,SLS,SALES,Clerk\n"
    "曾小明,zengxm,zengxm@example.com,GRP,FIN,Clerk\n"
    "欧阳修,ouyang,ouyang@example.com,GRP,OFFICE,Clerk\n"
    "张薇,zhangwei2,zhangwei2@example.com,SLS,SALES,Clerk\n"
)


def picker(client, language: str = "en", **params) -> dict:
    answer = client.get(
        "/people/picker", query_string=params, headers={"Accept-Language": language}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def found(client, query: str, **params) -> list[str]:
    return [p["username"] for p in picker(client, q=query, **params)["people"]]


@pytest.fixture
def staffed(client):
    """HR imported four new people; 张薇 has since left, her account closed by HR."""
    import_users(NEW_STAFF.encode())
    deactivate_user(user("hr"), user("zhangwei2"))
    db.session.expire_all()
    return client


def test_a_person_is_found_by_pinyin_initials_full_pinyin_chinese_and_english(staffed):
    client = staffed
    login(client, "staff")
    # 张伟 by initials, by full pinyin and its beginning, by the Chinese name and its parts.
    for query in ("zw", "ZW", "zhangwei", "zhang wei", "zhangw", "张伟", "张", "伟", "wei"):
        assert "zhangwei" in found(client, query), query
    # Sam Wu (吴森) by the English name, its parts and the Chinese one.
    for query in ("Sam", "sam wu", "wu", "吴森", "ws", "wusen", "staff"):
        assert "staff" in found(client, query), query
    # 曾 read as a family name (zeng) as well as the dictionary's first reading; 复姓 欧阳.
    for query in ("zxm", "zengxiaoming", "cxm", "xiaoming", "小明"):
        assert "zengxm" in found(client, query), query
    for query in ("oyx", "ouyangxiu", "欧阳", "xiu"):
        assert "ouyang" in found(client, query), query
    # Each person once, with the label the flat lists write, their department beside it.
    [zhang] = [p for p in picker(client, q="zw")["people"] if p["username"] == "zhangwei"]
    assert (zhang["label"], zhang["unit"], zhang["id"]) == (
        "张伟 (zhangwei)",
        "Sales Department",
        user("zhangwei").id,
    )
    assert found(client, "nobody-by-this-name") == []
    # Beginnings only: the middle of a pinyin is no match (张伟 for "angw" would be noise).
    assert "zhangwei" not in found(client, "angw")


def test_someone_who_left_is_never_offered(staffed):
    client = staffed
    login(client, "head")
    # 张薇 (zhangwei2) shares 张伟's initials and most of the pinyin; her account is closed.
    for query in ("zw", "zhangwei", "张薇", "zhangwei2"):
        assert "zhangwei2" not in found(client, query), query
    sales = db.session.query(Department).filter_by(code="SALES").one()
    people = [p["username"] for p in picker(client, unit=f"d{sales.id}")["people"]]
    assert "zhangwei" in people and "zhangwei2" not in people


def test_the_tree_opens_company_then_department_then_people_in_the_readers_language(staffed):
    client = staffed
    login(client, "staff")
    top = picker(client)
    group = db.session.query(Company).filter_by(parent_id=None).one()
    assert [u["key"] for u in top["units"]] == [f"c{group.id}"]
    assert top["path"] == [] and top["people"] == []

    inside_group = picker(client, unit=f"c{group.id}")
    kinds = {u["kind"] for u in inside_group["units"]}
    assert kinds == {"company", "department"}  # holding companies and the group's departments
    office = next(u for u in inside_group["units"] if u["label"] == "Group Office")
    it = next(u for u in picker(client, unit=office["key"])["units"])
    opened = picker(client, unit=it["key"])
    assert [step["label"] for step in opened["path"]] == [
        "Example Group",
        "Group Office",
        "Information Technology Department",
    ]
    assert {p["username"] for p in opened["people"]} == {"admin", "designer"}
    finance = next(u for u in inside_group["units"] if u["label"] == "Finance Department")
    assert {p["username"] for p in picker(client, unit=finance["key"])["people"]} == {
        "finance",
        "zengxm",
    }

    # A Chinese reader reads the same tree in Chinese: units and people.
    chinese = picker(client, "zh-CN", unit=finance["key"])
    assert [step["label"] for step in chinese["path"]] == ["示例集团", "财务部"]
    assert {p["label"] for p in chinese["people"]} == {"赵菲 (finance)", "曾小明 (zengxm)"}
    assert {p["unit"] for p in picker(client, "zh-CN", q="zxm")["people"]} == {"财务部"}


def test_the_tree_offers_exactly_the_people_of_the_flat_lists(staffed):
    """One rule (org/policy.py): the tree, walked to its leaves, holds the people the
    designer's list of named users holds, no more, no fewer, and the forms accept."""
    client = staffed
    login(client, "staff")
    seen: set[str] = set()
    waiting = [""]
    while waiting:
        unit = waiting.pop()
        answer = picker(client, unit=unit)
        assert not answer["more"]
        seen.update(p["username"] for p in answer["people"])
        waiting.extend(u["key"] for u in answer["units"])
    directory = OrgDirectory(db.session)
    flat = {name for name, _label in directory.user_choices()}
    assert seen == flat
    assert "zhangwei2" not in seen and {"zhangwei", "zengxm", "ouyang", "newhire"} <= seen
    # What a form accepts (a user field's choices): the same people; 张薇 is named, not offered.
    named = directory.users_named(seen | {"zhangwei2"})
    assert {name for name, person in named.items() if person.offered} == seen
    assert named["zhangwei2"].label == "张薇 (zhangwei2)"


def test_pages_hold_the_person_chosen_not_a_list_of_the_group(staffed):
    """At company scale (issue 19): the picker finds people, so a page lists only whom it
    holds: My Agents' agent, the leave request's handover colleague and the task page's
    transfer list carry no one else, and each accepts exactly whom the picker offers."""
    client = staffed
    login(client, "staff")
    for page in ("/agents/", "/processes/leave_request/start"):
        html = client.get(page).get_data(as_text=True)
        assert "zengxm" not in html and "ouyang" not in html, page
    closed, offered = user("zhangwei2").id, user("zengxm").id
    dates = {"starts_on": "2031-05-05", "ends_on": "2031-05-09"}
    refused = client.post("/agents/add", data={"agent": str(closed), **dates})
    assert refused.status_code == 400 and "Choose the agent." in refused.get_data(as_text=True)
    assert client.post("/agents/add", data={"agent": str(offered), **dates}).status_code == 302
    # The page now shows the agent named, and lists no one it does not hold.
    listed = client.get("/agents/").get_data(as_text=True)
    assert "曾小明 (zengxm)" in listed and "ouyang" not in listed

    # The head's task page: transfer and add signer are pickers over empty selects, and
    # the command still refuses a person the picker would not offer.
    instance = start("staff", "leave_request")
    client.post("/logout/")
    login(client, "head")
    task = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    for control in ("oa-add-users", "oa-transfer-user"):
        select = task.split(f'id="{control}"')[1].split("</select>")[0]
        assert 'data-oa-people="username"' in select
        assert select.count("<option") == select.count('<option value=""')  # the blank at most
    assert "zengxm" not in task and "ouyang" not in task
    [head_task] = [t for t in live(instance) if t.assignee.username == "head"]
    with pytest.raises(ActionNotOfferedError, match="There is no active user 'zhangwei2'"):
        act("head", head_task, "transfer", opinion="她熟悉。", users=("zhangwei2",))


def test_a_long_answer_comes_in_pages(staffed):
    client = staffed
    sales = db.session.query(Department).filter_by(code="SALES").one()
    db.session.add_all(
        OAUser(
            username=f"wang{n:02}",
            first_name=f"{n}号",
            last_name="王",
            email=f"wang{n:02}@example.com",
            active=True,
            department=sales,
        )
        for n in range(PAGE + 2)
    )
    db.session.commit()
    login(client, "staff")
    first = picker(client, q="wang")
    second = picker(client, q="wang", page=2)
    assert len(first["people"]) == PAGE and first["more"]
    assert not second["more"]
    names = [p["username"] for p in first["people"] + second["people"]]
    # Every 王 once: the 32 new ones and 王艾薇 (admin), across the two pages.
    assert len(names) == len(set(names)) == PAGE + 3
    assert len(picker(client, unit=f"d{sales.id}", page=2)["people"]) > 0


def test_a_search_matching_too_many_asks_to_type_more(staffed, monkeypatch):
    """A letter typed over a big group: the first matches in pinyin order, and the answer
    says to narrow it (the search reads at most SEARCHED terms: an index range, not all)."""
    from oa_platform.org import people_picker

    monkeypatch.setattr(people_picker, "SEARCHED", 3)
    people_picker._matches.cache_clear()  # the statement was built with the real limit
    login(staffed, "staff")
    try:
        wide, exact = picker(staffed, q="z"), picker(staffed, q="zengxiaoming")
    finally:
        people_picker._matches.cache_clear()
    assert wide["narrow"] and 0 < len(wide["people"]) <= 3
    assert not exact["narrow"] and [p["username"] for p in exact["people"]] == ["zengxm"]


def test_a_renamed_person_is_found_by_the_new_name_only(staffed):
    zhang = user("zhangwei")
    zhang.last_name, zhang.first_name = "章", "维"  # HR corrects the characters
    db.session.commit()
    login(staffed, "staff")
    assert "zhangwei" in found(staffed, "章维")
    assert "zhangwei" not in found(staffed, "张伟")
    assert "zhangwei" in found(staffed, "zw")  # the pinyin is the same


def test_bad_parameters_are_named_and_strangers_are_sent_to_log_in(client):
    answer = client.get("/people/picker?q=zw")
    assert answer.status_code == 302 and "/login/" in answer.headers["Location"]
    login(client, "staff")
    for params, status, message in (
        ({"page": "0"}, 400, "page:"),
        ({"page": "x"}, 400, "page:"),
        ({"page": "²"}, 400, "page:"),  # a digit to str.isdigit, not to int()
        ({"q": "z" * 65}, 400, "q:"),
        ({"unit": "x1"}, 404, "unit:"),
        ({"unit": "d999999"}, 404, "unit:"),
        ({"unit": "c999999"}, 404, "unit:"),
    ):
        answer = client.get("/people/picker", query_string=params)
        assert answer.status_code == status, params
        assert answer.get_json()["error"].startswith(message), params
    # A search ending in a character with no next one (the last code point, or the one
    # before the surrogates) still has an upper bound, and wildcards are plain characters.
    for query in ("\U0010ffff", "z\U0010ffff", "\ud7ff", "%", "_", "z%"):
        answer = client.get("/people/picker", query_string={"q": query})
        assert answer.status_code == 200, query
        assert answer.get_json()["people"] == [], query


def test_the_search_is_an_index_range_not_a_scan(staffed, database_kind):
    """Precomputed terms: the query reads the term index from where the prefix starts."""
    if database_kind != "sqlite":
        pytest.skip("the plan is SQLite's wording; PostgreSQL uses the same primary key")
    plan = " ".join(
        str(row[-1])
        for row in db.session.execute(
            text(
                "EXPLAIN QUERY PLAN SELECT user_id FROM org_person_term "
                "WHERE term >= :low AND term < :high"
            ),
            {"low": "zw", "high": "zx"},
        )
    )
    assert "SEARCH org_person_term USING COVERING INDEX" in plan and "term>? AND term<?" in plan
