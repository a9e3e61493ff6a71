"""Bulk agree from the inbox (批量审批; issue 19): each chosen to-do is agreed through the
same command as its own page, in its own transaction, with a result each; a step that asks an
opinion on agreeing (§3.5) is agreed only with the one opinion given for all."""

from __future__ import annotations

import html
import re

from werkzeug.datastructures import MultiDict

from oa_platform.runtime.bulk_approval import MAX_ITEMS, agree_to_all
from oa_platform.runtime.commands import ActionRequest
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import InstanceStatus, TaskStatus
from tests.conftest import login, user
from tests.runtime_helpers import chain, db, live, node, publish, refresh, start, tasks

BOTH_DATABASES = True


def strict_note(initiator: str = "staff"):
    """An instance waiting for head at a step that asks an opinion on agreeing."""
    publish(
        chain("strict_note", node("sign", "approval", ["head"], config={"opinion_on_agree": True}))
    )
    return runtime().submit(user(initiator), "strict_note", MultiDict({"note": "Printer"}))


def head_task(instance) -> int:
    [task] = [t for t in live(refresh(instance)) if t.assignee.username == "head"]
    return task.id


def test_each_to_do_is_agreed_on_its_own_and_the_one_asking_an_opinion_is_refused(demo):
    leaves = [start("staff", "leave_request") for _ in range(3)]
    strict = strict_note()
    others = start("staff", "leave_request")
    runtime().act(user("head"), head_task(others), ActionRequest("agree"))  # now the leader's
    chosen = [head_task(leaves[0]), head_task(strict), head_task(leaves[1]), head_task(leaves[2])]
    stranger = live(refresh(others))[0].id

    results = agree_to_all(db.session, user("head"), [*chosen, stranger, chosen[0]])
    assert [(r.task_id, r.agreed) for r in results] == [
        (chosen[0], True),
        (chosen[1], False),
        (chosen[2], True),
        (chosen[3], True),
        (stranger, False),
    ]
    assert results[1].reason == ("An opinion is required to agree at 'Sign' (regulations §3.5).")
    assert results[4].reason == "There is no such to-do." and results[4].title == ""
    for leave in leaves:
        assert [t.node_id for t in live(refresh(leave))] == ["leader_in_charge"]
        assert [t.opinion for t in tasks(leave) if t.node_id == "department_head"] == [None]
    assert live(refresh(strict))[0].status is TaskStatus.OPEN  # untouched
    assert live(refresh(others))[0].status is TaskStatus.OPEN

    [again] = agree_to_all(db.session, user("head"), [chosen[1]], "Printer approved.")
    assert again.agreed
    assert refresh(strict).status is InstanceStatus.COMPLETED
    assert [t.opinion for t in tasks(strict) if t.node_id == "sign"] == ["Printer approved."]


def test_a_batch_must_choose_something_and_not_too_much(demo):
    from oa_platform.runtime.bulk_approval import BulkApprovalRefusedError

    for ids, message in (
        ([], "Choose the to-dos to agree to."),
        (list(range(1, MAX_ITEMS + 2)), f"Agree to at most {MAX_ITEMS} to-dos at once."),
    ):
        try:
            agree_to_all(db.session, user("head"), ids)
        except BulkApprovalRefusedError as error:
            assert error.message == message
        else:
            raise AssertionError("refused batch went ahead")


def test_the_inbox_agrees_to_the_chosen_to_dos_and_shows_each_result(client):
    leaves = [start("staff", "leave_request") for _ in range(2)]
    strict = strict_note()
    login(client, "head")
    inbox = client.get("/inbox/").get_data(as_text=True)
    assert 'id="bulk-approve"' in inbox
    assert inbox.count('name="task"') == 3
    chosen = [head_task(leaves[0]), head_task(strict), head_task(leaves[1])]
    answer = client.post("/instances/approve", data={"task": chosen, "opinion": ""})
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    assert "Agreed to 2 of 3 to-dos" in page
    row = re.search(rf'data-oa-task="{chosen[1]}".*?</tr>', page, re.S).group(0)
    assert "An opinion is required to agree at 'Sign' (regulations §3.5)." in row
    forged = client.post("/instances/approve", data={"task": chosen}, csrf=False)
    assert forged.status_code == 400
