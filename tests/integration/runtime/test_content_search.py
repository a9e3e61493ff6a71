"""The inbox finds a request by what its form and opinions say, Chinese included, not only
by its title (issue 19): three leave requests all titled "Leave request — Sam Wu" are told
apart by their reasons."""

from __future__ import annotations

import re

from oa_platform.runtime import inbox
from oa_platform.runtime.inbox import Filters
from oa_platform.runtime.search import query_terms, terms
from tests.conftest import login, user
from tests.runtime_helpers import act_at, chain, db, form, node, publish, rt, start

BOTH_DATABASES = True


def found(username: str, tab: str, text: str) -> list[int]:
    page = getattr(inbox, tab)(db.session, user(username).id, Filters(text=text), 1)
    return sorted(row.instance_id if hasattr(row, "instance_id") else row.id for row in page.items)


def test_terms_find_chinese_words_without_spaces_and_latin_words():
    assert {"上海", "出差", "visit"} <= terms("<p>Customer visit: 上海出差</p>")
    assert query_terms("上海出差") == ["上海", "出差", "海出"]
    assert query_terms("Visit") == ["visit"] and query_terms("—") == []


def test_the_inbox_finds_requests_by_a_word_of_their_form_or_opinions(demo):
    trip = start("staff", "leave_request", reason="去上海出差后休假")
    wedding = start("staff", "leave_request", reason="Sister's wedding in Hangzhou")
    family = start("staff", "leave_request", reason="Family trip abroad")
    assert found("head", "todo", "出差") == [trip.id]
    assert found("head", "todo", "上海") == [trip.id]
    assert found("head", "todo", "wedding") == [wedding.id]
    assert found("head", "todo", "Leave request") == sorted([trip.id, wedding.id, family.id])
    assert found("head", "todo", "北京") == []

    act_at(family, "head", "agree", opinion="同意，注意交接客户")
    assert found("head", "done", "交接") == [family.id]
    assert found("staff", "initiated", "交接客户") == [family.id]
    assert found("leader", "todo", "交接") == [family.id]  # the leader's to-do now


def test_the_inbox_page_searches_form_contents(client):
    trip = start("staff", "leave_request", reason="去上海出差后休假")
    start("staff", "leave_request", reason="Sister's wedding in Hangzhou")
    login(client, "head")
    page = client.get("/inbox/", query_string={"q": "出差"}).get_data(as_text=True)
    assert re.findall(r'data-oa-task="\d+"', page) and f"/instances/{trip.id}" in page
    assert page.count('class="oa-bulk-choice"') == 1


def test_existing_instances_are_indexed_by_the_reindex_command(demo):
    from sqlalchemy import delete

    from oa_platform.cli import oa_cli
    from oa_platform.runtime.search import SearchTerm

    trip = start("staff", "leave_request", reason="去上海出差后休假")
    db.session.execute(delete(SearchTerm))  # as before the index existed
    db.session.commit()
    assert found("head", "todo", "出差") == []
    answer = demo.test_cli_runner().invoke(oa_cli, ["search", "reindex"])
    assert answer.exit_code == 0 and answer.output.startswith("Indexed ")
    assert found("head", "todo", "出差") == [trip.id]


def test_the_inbox_filters_by_initiator_and_the_days_submitted(client):
    import time_machine

    from form_builder.clock import utcnow

    with time_machine.travel(utcnow().replace(year=2027, month=3, day=1, hour=1), tick=False):
        march = start("staff", "leave_request")  # 1 March, 09:00 in Shanghai
    april = start("staff", "leave_request")
    other = start("newhire", "leave_request")
    page = inbox.todo(db.session, user("head").id, Filters(initiator="staff"), 1)
    assert {row.instance_id for row in page.items} == {march.id, april.id}
    page = inbox.todo(db.session, user("head").id, Filters(initiator="newhire"), 1)
    assert [row.instance_id for row in page.items] == [other.id]
    since, until, problems = inbox.period("2027-03-01", "2027-03-01")
    assert problems == []
    page = inbox.todo(db.session, user("head").id, Filters(since=since, until=until), 1)
    assert [row.instance_id for row in page.items] == [march.id]
    assert inbox.period("1 March", "")[2] == ["From: enter a date as YYYY-MM-DD, e.g. 2027-03-01."]
    login(client, "head")
    answer = client.get("/inbox/", query_string={"from": "2027-03-01", "to": "2027-03-01"})
    assert f"/instances/{march.id}" in answer.get_data(as_text=True)
    assert f"/instances/{april.id}" not in answer.get_data(as_text=True)
    assert client.get("/inbox/", query_string={"initiator": "nobody"}).status_code == 200


def private_request():
    """A request whose expected salary and private reason the department head's step hides
    (regulations §6.2: read only "according to the prescribed permissions")."""
    fields = [
        {"key": "purpose", "type": "text", "label": "Purpose", "max_length": 200},
        {"key": "salary", "type": "text", "label": "Expected salary", "max_length": 200},
        {"key": "private_reason", "type": "text", "label": "Private reason", "max_length": 200},
    ]
    hidden = {"salary": "hidden", "private_reason": "hidden"}
    publish(
        chain(
            "private_request",
            node("boss", "approval", ["head"], field_access=hidden),
            fields=fields,
        )
    )


def test_nobody_finds_a_request_by_a_word_of_a_field_a_step_hides(demo):
    """Staff ask to move to the Hangzhou office, with an expected salary of 9000 and a private
    reason the head may not read: the head finds the request by "Hangzhou", never by "9000"
    or "离婚", so typing guesses in the search cannot tell them what the hidden fields say.
    One index serves every reader, so the initiator who typed them finds it by its other
    words too, and the Auditor's list of every instance reads the same index."""
    private_request()
    values = {"purpose": "Move to the Hangzhou office", "salary": "9000"}
    request = rt().submit(
        user("staff"),
        "private_request",
        form("private_request", **values, private_reason="离婚后搬家"),
        None,
    )
    db.session.commit()
    assert found("head", "todo", "Hangzhou") == [request.id]
    assert found("head", "todo", "9000") == []
    assert found("head", "todo", "离婚") == []
    assert found("staff", "initiated", "Hangzhou") == [request.id]
    assert found("staff", "initiated", "9000") == []
    every = inbox.all_visible(db.session, user("auditor"), Filters(text="9000"), 1)
    assert every.total == 0

    # Handed back and sent again with a new salary: the index written at commit keeps it out.
    act_at(request, "head", "rollback", opinion="Say which team", target="initiator")
    values = {"purpose": "Move to the Hangzhou sales team", "salary": "12000"}
    act_at(request, "staff", "submit", formdata=form("private_request", **values))
    assert found("head", "todo", "sales") == [request.id]
    assert found("head", "todo", "12000") == []
    assert found("head", "todo", "which team") == [request.id]  # opinions: everyone reads them


def test_the_reindex_command_cleans_an_index_that_holds_hidden_words(demo, monkeypatch):
    """An index written before hidden fields were left out held their words: reindexing
    writes each instance's terms again by the rule, and they are gone."""
    from oa_platform.cli import oa_cli
    from oa_platform.runtime import search

    private_request()
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr(search, "hidden_fields", lambda instance: frozenset())
        request = rt().submit(
            user("staff"),
            "private_request",
            form("private_request", purpose="Move", salary="9000"),
            None,
        )
        db.session.commit()
    assert found("head", "todo", "9000") == [request.id]  # as the older index held it
    answer = demo.test_cli_runner().invoke(oa_cli, ["search", "reindex"])
    assert answer.exit_code == 0 and answer.output.startswith("Indexed ")
    assert found("head", "todo", "9000") == []
    assert found("head", "todo", "Move") == [request.id]
