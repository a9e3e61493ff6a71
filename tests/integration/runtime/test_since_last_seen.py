"""The task page puts first what the handler needs (issue 19): why a returned form came back
(who, when, the opinion: §3.5 回退) and what changed since the handler last saw it, a diff
from the audit trail (§6.1) limited to the fields their node may read (§2.1.2, §3.2); and
only agree, disagree and roll back beside the form, the node's other actions under "More".
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from oa_platform.extensions import db
from oa_platform.runtime import since_last_seen
from oa_platform.runtime.states import InstanceStatus
from tests.conftest import login, user
from tests.runtime_helpers import (
    act_at,
    agree_through,
    chain,
    form,
    live,
    node,
    publish,
    refresh,
    rt,
    start,
    task_of,
    verified,
)

BOTH_DATABASES = True
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
ENGLISH = {"Accept-Language": "en"}
RETURN_OPINION = "Say who takes over your customers while you are away."


@pytest.fixture(autouse=True)
def sound_trail(demo):
    """After every scenario the audit chain of every instance verifies (§6.1)."""
    yield
    verified()


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def page(client, username: str, instance, headers=ENGLISH) -> str:
    """The instance page as ``username`` opens it."""
    client.post("/logout/")
    login(client, username)
    response = client.get(f"/instances/{instance.id}", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def block(html: str, element_id: str) -> str:
    """The HTML of the element with ``element_id`` up to the next element of the page's top
    level ("" when it is not there)."""
    found = re.search(rf'<[^<>]*id="{element_id}".*?(?=<div class="row">|\Z)', html, re.S)
    return found.group(0) if found else ""


def returned_leave():
    """staff asks for 7 days of leave; the head sends it back to staff with a reason."""
    instance = start("staff", "leave_request")
    return act_at(instance, "head", "rollback", opinion=RETURN_OPINION, target="initiator")


def test_the_initiator_sees_who_returned_the_form_when_and_why(client):
    instance = returned_leave()
    assert instance.status is InstanceStatus.RETURNED

    html = page(client, "staff", instance)
    reason = block(html, "since-last-seen")
    assert 'id="return-reason"' in reason
    assert 'data-oa-returned-by="head"' in reason
    assert user("head").signature() in reason
    assert RETURN_OPINION in reason
    assert "Roll back" in reason or "roll back" in reason.lower()
    # Shown first: before the form and its buttons.
    assert html.index('id="return-reason"') < html.index('id="task-form"')
    # Nothing changed since staff submitted it: no diff.
    assert 'id="changes-since"' not in html


def test_after_the_initiator_edits_and_resubmits_the_head_sees_what_changed(client):
    instance = returned_leave()
    changed = form("leave_request", end_date=_day(32), reason="Family trip, shortened")
    instance = act_at(instance, "staff", "submit", formdata=changed)
    assert instance.status is InstanceStatus.RUNNING

    html = page(client, "head", instance)
    diff = block(html, "changes-since")
    rows = dict(re.findall(r'data-oa-changed="([a-z_]+)"(.*?)</tr>', diff, re.S))
    assert set(rows) == {"end_date", "days", "reason"}
    assert "Family trip abroad" in rows["reason"] and "Family trip, shortened" in rows["reason"]
    assert rows["reason"].index("Family trip abroad") < rows["reason"].index("shortened")
    assert "Last day of leave" in rows["end_date"]  # the field's label, not its key
    assert re.search(r"<del>\s*7", rows["days"]) and re.search(r"<ins>\s*3", rows["days"])
    # The head's own return is no news to the head: the form did not come back to them.
    assert 'id="return-reason"' not in html

    # Reloading keeps the list until the head acts: a view during the task moves no mark.
    assert 'data-oa-changed="reason"' in page(client, "head", instance)


def test_the_changes_read_in_chinese_as_well(client):
    instance = returned_leave()
    html = page(client, "staff", instance, CHINESE)
    assert "这份表单退回给您了。" in html
    instance = act_at(
        instance, "staff", "submit", formdata=form("leave_request", reason="家庭旅行，缩短")
    )
    html = page(client, "head", instance, CHINESE)
    diff = block(html, "changes-since")
    assert "事由" in diff and "家庭旅行，缩短" in diff
    assert "上次查看后的变更" in diff


def test_a_field_hidden_from_the_heads_node_never_appears_in_the_diff(client):
    fields = [
        {"key": "note", "type": "text", "label": "Note", "max_length": 200},
        {"key": "salary", "type": "text", "label": "Expected salary", "max_length": 200},
    ]
    publish(
        chain(
            "private_request",
            node("boss", "approval", ["head"], field_access={"salary": "hidden"}),
            fields=fields,
        )
    )
    instance = rt().submit(
        user("staff"),
        "private_request",
        form("private_request", note="First note", salary="Secret 9000"),
        None,
    )
    instance = act_at(instance, "head", "rollback", opinion="More detail", target="initiator")
    instance = act_at(
        instance,
        "staff",
        "submit",
        formdata=form("private_request", note="Second note", salary="Secret 12000"),
    )

    html = page(client, "head", instance)
    assert 'data-oa-changed="note"' in html
    assert "First note" in block(html, "changes-since")
    assert 'data-oa-changed="salary"' not in html
    assert "Secret" not in html and "Expected salary" not in html

    # The query itself (what the API or any other page would render) leaves it out too.
    db.session.expire_all()
    instance = refresh(instance)
    task = task_of(instance, "head")
    found = since_last_seen.for_task(
        db.session,
        instance,
        user("head"),
        task,
        fields=fields,
        display=lambda spec, value: str(value),
    )
    assert [c.key for c in found.changes] == ["note"]


def test_a_handler_rolled_back_to_sees_the_reason_and_the_edits_since_they_agreed(client):
    """The leader sends a 7-day leave back to the head: the head's task came back to them."""
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "agree")
    instance = act_at(
        instance, "leader", "rollback", opinion="Check the handover first.", target="previous"
    )
    html = page(client, "head", instance)
    reason = block(html, "since-last-seen")
    assert 'data-oa-returned-by="leader"' in reason and "Check the handover first." in reason
    agree_through(refresh(instance))


def test_several_edits_fold_into_one_change_and_a_field_edited_back_drops_out(client):
    """The leader in charge sends a 7-day leave back to Sam; he shortens it and rewrites the
    reason; the head sends it back again; Sam restores the dates and rewrites the reason once
    more. The leader sees one change of the reason, first to last, and no dates at all."""
    instance = act_at(start("staff", "leave_request"), "head", "agree")
    instance = act_at(instance, "leader", "rollback", opinion="Too long.", target="initiator")
    shorter = form("leave_request", end_date=_day(32), reason="Family trip, shortened")
    instance = act_at(instance, "staff", "submit", formdata=shorter)
    instance = act_at(instance, "head", "rollback", opinion="Ask HR first.", target="initiator")
    again = form("leave_request", reason="Family trip, HR agreed")  # the dates as they were
    instance = act_at(instance, "staff", "submit", formdata=again)
    instance = act_at(instance, "head", "agree")

    diff = block(page(client, "leader", instance), "changes-since")
    rows = dict(re.findall(r'data-oa-changed="([a-z_]+)"(.*?)</tr>', diff, re.S))
    assert set(rows) == {"reason"}
    assert "Family trip abroad" in rows["reason"] and "HR agreed" in rows["reason"]
    assert "shortened" not in rows["reason"]  # the edit in between folded away


def test_only_agree_disagree_and_roll_back_are_beside_the_form_the_rest_under_more(client):
    instance = start("staff", "leave_request")
    instance = act_at(instance, "head", "agree")
    instance = act_at(instance, "leader", "agree")
    (hr_task,) = live(instance)
    html = page(client, hr_task.assignee.username, instance)
    actions = html[html.index('id="task-actions"') :]
    actions = actions[: actions.index('id="action-dialog"')]
    more = actions[actions.index('id="more-actions"') :] if 'id="more-actions"' in actions else ""
    shown = actions[: len(actions) - len(more)]
    beside = set(re.findall(r'data-oa-action="([a-z_]+)"', shown))
    hidden = set(re.findall(r'data-oa-action="([a-z_]+)"', more))
    # HR's form review offers agree, read, rollback, failed_review, hold, draft, transfer.
    assert beside == {"agree", "read", "rollback"}
    assert hidden == {"failed_review", "hold", "draft", "transfer"}
    assert "More" in more


def test_every_word_of_the_return_and_the_changes_goes_through_gettext(monkeypatch, client):
    """The pseudo-locale check of tests/integration/platform/test_pseudo_locale.py on the
    two new parts of the page: every word is marked or is data."""
    from flask_babel import Domain

    from tests.integration.platform.test_pseudo_locale import (
        OPEN,
        PseudoTranslations,
        data_corpus,
        leftovers,
    )

    instance = returned_leave()
    changed = form("leave_request", end_date=_day(32), reason="Family trip, shortened")
    instance = act_at(instance, "staff", "submit", formdata=changed)
    translations = PseudoTranslations()
    monkeypatch.setattr(Domain, "get_translations", lambda self: translations)
    corpus = data_corpus(client.application)

    html = page(client, "head", instance)
    assert OPEN in html and 'id="changes-since"' in html
    assert leftovers(block(html, "since-last-seen"), corpus) == []

    instance = act_at(refresh(instance), "head", "disagree", opinion="Not during the fair")
    html = page(client, "staff", instance)
    assert 'id="return-reason"' in html
    corpus = data_corpus(client.application)  # the opinion is data now
    assert leftovers(block(html, "since-last-seen"), corpus) == []
