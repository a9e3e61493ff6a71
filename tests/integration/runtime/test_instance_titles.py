"""Each request is named by what it asks, in the reader's language (issue 19, "titles built from
the definition's title template"; issue 18): three leave requests of one person are no longer
three identical "Leave request — Sam Wu", and a title follows the form when a handler edits it.
"""

from __future__ import annotations

from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from form_builder import titles
from form_builder.validator import validate
from oa_platform.notifications.models import Notification
from oa_platform.runtime import inbox
from oa_platform.runtime.inbox import Filters
from plugins.registry import node_types
from tests.conftest import login, user
from tests.runtime_helpers import act_at, chain, db, node, publish, refresh, start

BOTH_DATABASES = True

TITLE = {
    "zh_CN": "{initiator}的合同：{party}（{amount}）",
    "en": "Contract with {party} ({amount})",
}
FIELDS = [
    {"key": "party", "type": "text", "label": "Party", "max_length": 100, "required": True},
    {"key": "amount", "type": "money", "label": "Amount"},
    {"key": "terms", "type": "textarea", "label": "Terms"},
]


def contract(**members) -> dict:
    """A contract review whose legal node may correct the party's name."""
    document = chain(
        "contract_review",
        node("legal", "form_review", ["head"], field_access={"party": "edit"}),
        fields=FIELDS,
    )
    return {**document, "format": 2, "title": TITLE, **members}


def problems_of(document: dict) -> list[str]:
    return [problem.message for problem in validate(document, node_types())]


def titles_of(username: str) -> list[str]:
    page = inbox.todo(db.session, user(username).id, Filters(), 1)
    return sorted(row.instance_title for row in page.items)


def test_three_leave_requests_of_one_person_read_as_three_different_requests(demo):
    start("staff", "leave_request", leave_type="annual")
    start("staff", "leave_request", leave_type="marriage")
    trip = start("staff", "leave_request", leave_type="personal", reason="去上海出差后休假")
    shown = titles_of("head")
    assert len(set(shown)) == 3, shown
    assert all(title.startswith("Sam Wu: ") for title in shown)
    assert any("Annual leave, 7 days from" in title for title in shown)
    # Each language reads its own, from the same values.
    assert trip.title_texts["zh_CN"].startswith("吴森的事假（")
    with force_locale("zh_CN"):
        assert refresh(trip).shown_title == trip.title_texts["zh_CN"]
    # Searching still finds them by the process's name and by a word of the title.
    found = inbox.todo(db.session, user("head").id, Filters(text="Leave request"), 1)
    assert len(found.items) == 3
    found = inbox.todo(db.session, user("head").id, Filters(text="Personal"), 1)
    assert [row.instance_id for row in found.items] == [trip.id]


def test_a_title_follows_the_form_when_a_handler_corrects_it(demo):
    publish(contract())
    instance = start("staff", "contract_review", party="Acme Ltd", amount="12000")
    assert instance.title == "Contract with Acme Ltd (CN¥12,000.00)"
    act_at(instance, "head", "agree", formdata=MultiDict({"party": "ACME Trading Ltd"}))
    instance = refresh(instance)
    assert instance.title == "Contract with ACME Trading Ltd (CN¥12,000.00)"
    assert instance.title_texts["zh_CN"].endswith("的合同：ACME Trading Ltd（¥12,000.00）")
    # The notices name it by the same title, in their reader's words.
    notices = db.session.query(Notification).filter_by(user_id=user("staff").id).all()
    assert any("ACME Trading Ltd" in notice.subject for notice in notices)


def test_without_a_template_a_request_is_named_by_its_process_and_person(demo):
    publish(_without_title())
    instance = start("staff", "contract_review", party="Acme Ltd")
    assert instance.title == "Contract Review — Sam Wu"
    assert instance.title_texts["zh_CN"] == "Contract Review — 吴森"  # his name in Chinese


def _without_title() -> dict:
    document = contract()
    del document["title"]
    return document


def test_a_template_naming_a_hidden_or_unknown_field_is_refused_at_publishing():
    hidden = contract(title="Contract with {party}: {terms} {budget} {items")
    hidden["nodes"][1]["field_access"]["terms"] = "hidden"
    found = problems_of(hidden)
    assert (
        "the title template names field 'terms', which a node hides: every handler reads"
        " the title" in found
    )
    assert any("names 'budget', which is neither a field of this form" in m for m in found)
    assert any("a brace without its pair" in m for m in found)
    assert problems_of(contract()) == []


def test_a_filled_title_is_one_line_and_fits_its_column():
    fields = {"a": {"type": "text"}, "b": {"type": "text"}}

    def fill(template: str, values: dict, **built_ins: str) -> str:
        return titles.fill(template, values, fields, lambda spec, value: value, built_ins)

    long = fill("{a}\n{b}", {"a": "x" * 300, "b": "y"})
    assert "\n" not in long and len(long) == titles.TITLE_LENGTH and long.endswith("…")
    assert fill("{who}: {a}", {"a": ""}, who="Sam") == "Sam:"


def test_the_inbox_page_shows_the_title_in_the_reader_language(client):
    start("staff", "leave_request", leave_type="annual")
    login(client, "head")
    page = client.get("/inbox/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sam Wu: Annual leave, 7 days from" in page
