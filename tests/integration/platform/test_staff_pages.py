"""Staff pages: the catalogue and start form, the inbox, the instance/task page (regulations
§3.3-§3.6, §6.1): who sees what, which buttons are offered, and refusals that change nothing."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from form_builder.clock import utcnow
from oa_platform.extensions import db
from oa_platform.runtime.models import AuditEntry, Instance, Question, Task
from oa_platform.runtime.states import InstanceStatus, TaskStatus
from tests.conftest import login, user
from tests.runtime_helpers import act_at, refresh

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def expense(amount: str = "320.50", **overrides) -> dict:
    """A valid expense claim start post (with one receipt)."""
    data = {
        "purpose": "Customer visit in Shanghai",
        "items-0-date": (date.today() - timedelta(days=3)).isoformat(),
        "items-0-category": "travel",
        "items-0-description": "Train",
        "items-0-amount": amount,
        "payee_name": "Sam Wu",
        "payee_account": "6222020200112233",
        "receipts-files": (io.BytesIO(PDF), "receipt.pdf"),
        "command": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def start_expense(client, amount: str = "320.50") -> Instance:
    """staff submits an expense claim through the start page; returns the instance."""
    login(client, "staff")
    response = client.post(
        "/processes/expense_claim/start", data=expense(amount), content_type="multipart/form-data"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    instance_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    client.post("/logout/")
    return db.session.get(Instance, instance_id)


def live_task(instance_id: int, username: str) -> Task:
    db.session.expire_all()
    return db.session.scalar(
        select(Task).where(
            Task.instance_id == instance_id,
            Task.assignee_id == user(username).id,
            Task.status.in_((TaskStatus.OPEN, TaskStatus.HELD)),
        )
    )


def act(client, instance_id: int, username: str, action: str, **fields):
    task = live_task(instance_id, username)
    assert task is not None, f"{username} has no task on #{instance_id}"
    data = {"oa-action": action, **{f"oa-{k}": v for k, v in fields.items()}}
    return client.post(f"/instances/{instance_id}/tasks/{task.id}", data=data)


def flashed(response) -> list[str]:
    """The page's alert texts (to say why a post was refused)."""
    html = response.get_data(as_text=True)
    return [
        " ".join(m.split()) for m in re.findall(r'(?s)<div class="alert[^>]*>(.*?)</div>', html)
    ]


def buttons(html: str) -> set[str]:
    return set(re.findall(r'data-oa-action="([a-z_]+)"', html))


# Catalogue and start form ---------------------------------------------------------------


def test_catalogue_groups_published_definitions_and_hides_withdrawn_ones(client):
    from form_builder import services

    definition = services.lifecycle().definition("leave_request")
    definition.withdrawn_at = utcnow()
    db.session.commit()
    login(client, "staff")
    html = client.get("/processes/").get_data(as_text=True)
    assert 'data-oa-process="expense_claim"' in html
    assert 'data-oa-process="leave_request"' not in html
    assert "Finance" in html  # the category heading
    assert client.get("/processes/leave_request/start").status_code == 404
    assert client.get("/processes/nothing_like_it/start").status_code == 404


def test_start_form_shows_the_start_nodes_fields_with_viewer_defaults(client):
    login(client, "staff")
    html = client.get("/processes/expense_claim/start").get_data(as_text=True)
    assert 'name="purpose"' in html and 'data-oa-table="items"' in html
    assert 'name="finance_remarks"' not in html  # hidden at the start node
    assert 'value="draft"' in html and 'value="submit"' in html


def test_invalid_submission_shows_messages_and_changes_nothing(client):
    login(client, "staff")
    response = client.post(
        "/processes/expense_claim/start",
        data=expense(payee_account="12"),
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "does not have the required format" in html
    assert 'id="form-errors"' in html
    assert 'value="Customer visit in Shanghai"' in html  # the post is shown again
    assert db.session.scalar(select(func.count(Instance.id))) == 0


def test_a_draft_is_saved_reopened_and_submitted_later(client):
    login(client, "staff")
    response = client.post(
        "/processes/expense_claim/start",
        # As a browser posts it: the table's first row is there, still empty.
        data={"purpose": "Half done", "items-0-amount": "", "command": "draft"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    draft_url = response.headers["Location"]
    draft = db.session.scalar(select(Instance))
    assert draft.status is InstanceStatus.DRAFT and draft.values["purpose"] == "Half done"
    assert draft_url in client.get("/processes/").get_data(as_text=True)  # "My drafts"
    assert 'value="Half done"' in client.get(draft_url).get_data(as_text=True)
    initiated = client.get("/inbox/?tab=initiated").get_data(as_text=True)
    assert f"/processes/drafts/{draft.id}" in initiated
    # The instance page of one's own draft is the draft form.
    assert client.get(f"/instances/{draft.id}").headers["Location"].endswith(draft_url)
    response = client.post(draft_url, data=expense(), content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Instance, draft.id).status is InstanceStatus.RUNNING
    # Nobody else may open someone's draft.
    client.post("/logout/")
    login(client, "head")
    assert client.get(draft_url).status_code == 404


# Visibility -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("staff", 200),  # the initiator
        ("head", 200),  # the current handler
        ("auditor", 200),  # reads every trail
        ("hr", 404),  # a stranger
        ("admin", 404),  # an administrator who is not a participant
    ],
)
def test_instance_page_is_404_for_anyone_who_may_not_see_it(client, username, status):
    instance = start_expense(client)
    login(client, username)
    assert client.get(f"/instances/{instance.id}").status_code == status
    assert client.get("/instances/99999").status_code == 404


def test_viewing_is_audited_and_opens_the_viewers_task(client):
    instance = start_expense(client)
    login(client, "head")
    assert live_task(instance.id, "head").opened_at is None
    client.get(f"/instances/{instance.id}")
    assert live_task(instance.id, "head").opened_at is not None
    events = db.session.scalars(
        select(AuditEntry.event).where(AuditEntry.instance_id == instance.id)
    ).all()
    assert "viewed" in events


def test_a_stranger_cannot_act_ask_or_revoke(client):
    instance = start_expense(client)
    task = live_task(instance.id, "head")
    login(client, "hr")
    base = f"/instances/{instance.id}"
    assert client.post(f"{base}/tasks/{task.id}", data={"oa-action": "agree"}).status_code == 404
    assert client.post(f"{base}/questions", data={"to": "staff", "text": "?"}).status_code == 404
    assert client.post(f"{base}/revoke", data={}).status_code == 404


# The task page --------------------------------------------------------------------------


def test_handler_sees_exactly_the_offered_actions_and_the_editable_fields(client):
    instance = start_expense(client)
    login(client, "head")
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    # Approval offers these; nobody has been added, so nobody can be removed.
    assert buttons(html) == {
        "agree",
        "read",
        "disagree",
        "rollback",
        "terminate",
        "add_signature",
        "modify_text",
        "hold",
        "draft",
        "transfer",
    }
    assert 'data-oa-action="disagree"' in html
    assert re.search(r'data-oa-action="disagree"[^>]*data-oa-needs-opinion="true"', html)
    assert re.search(r'data-oa-action="agree"[^>]*data-oa-needs-opinion="false"', html)
    assert 'name="finance_remarks"' not in html  # read-only at the manager node
    # Not the initiator: no revoke, urge or re-initiate.
    assert 'id="revoke"' not in html and 'id="urge"' not in html


def test_non_handlers_see_the_form_read_only_without_hidden_fields(client):
    instance = start_expense(client)
    login(client, "auditor")
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "Customer visit in Shanghai" in html
    assert 'name="purpose"' not in html  # read-only: no input
    assert "Finance remarks" not in html  # hidden at the start node
    assert "data-oa-action" not in html


def test_disagree_without_an_opinion_is_refused_with_the_message_and_changes_nothing(client):
    instance = start_expense(client)
    login(client, "head")
    response = act(client, instance.id, "head", "disagree")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "An opinion is required to disagree at &#39;Manager approval&#39;" in html
    db.session.expire_all()
    assert db.session.get(Instance, instance.id).status is InstanceStatus.RUNNING
    assert live_task(instance.id, "head") is not None


def test_disagree_with_an_opinion_returns_it_and_the_initiator_resubmits(client):
    instance = start_expense(client)
    login(client, "head")
    response = act(client, instance.id, "head", "disagree", opinion="Receipt unreadable")
    assert response.status_code == 302
    client.post("/logout/")
    db.session.expire_all()
    assert db.session.get(Instance, instance.id).status is InstanceStatus.RETURNED

    login(client, "staff")
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert 'id="returned-notice"' in html
    assert buttons(html) == {"submit", "draft"}
    assert ">Resubmit<" in html
    assert "Receipt unreadable" in html  # the opinion is listed
    assert 'name="purpose"' in html  # the start form is editable again
    task = live_task(instance.id, "staff")
    response = client.post(
        f"/instances/{instance.id}/tasks/{task.id}",
        data={**expense(purpose="Customer visit, new scan"), "oa-action": "submit"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    instance = db.session.get(Instance, instance.id)
    assert instance.status is InstanceStatus.RUNNING
    assert instance.values["purpose"] == "Customer visit, new scan"
    assert live_task(instance.id, "head") is not None


def test_rollback_offers_previous_earlier_nodes_and_the_initiator(client):
    instance = start_expense(client)
    login(client, "head")
    assert act(client, instance.id, "head", "agree").status_code == 302
    client.post("/logout/")
    login(client, "finance")
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert 'value="previous"' in html and 'value="manager"' in html
    assert 'value="initiator"' in html and 'name="oa-resubmit_to_me"' in html
    response = act(
        client,
        instance.id,
        "finance",
        "rollback",
        opinion="Wrong account",
        target="initiator",
        resubmit_to_me="y",
    )
    assert response.status_code == 302
    db.session.expire_all()
    instance = db.session.get(Instance, instance.id)
    assert instance.status is InstanceStatus.RETURNED and instance.resubmit_to == "finance"


def test_add_and_reduce_signature_and_transfer(client):
    instance = start_expense(client)
    login(client, "head")
    response = act(
        client,
        instance.id,
        "head",
        "add_signature",
        opinion="The leader should see this",
        users="leader",
        position="parallel",
    )
    assert response.status_code == 302, flashed(response)
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "reduce_signature" in buttons(html)  # now someone can be removed
    leader_task = live_task(instance.id, "leader")
    response = act(
        client,
        instance.id,
        "head",
        "reduce_signature",
        opinion="Not needed",
        task_ids=leader_task.id,
    )
    assert response.status_code == 302
    assert live_task(instance.id, "leader") is None
    response = act(client, instance.id, "head", "transfer", opinion="On leave", users="leader")
    assert response.status_code == 302, flashed(response)
    assert live_task(instance.id, "leader") is not None
    assert live_task(instance.id, "head") is None


def test_a_task_already_handled_says_by_whom(client):
    instance = start_expense(client)
    login(client, "head")
    task = live_task(instance.id, "head")
    assert act(client, instance.id, "head", "agree").status_code == 302
    response = client.post(f"/instances/{instance.id}/tasks/{task.id}", data={"oa-action": "agree"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already handled by Henry Ho" in page


def test_initiator_sees_revoke_urge_and_reinitiate(client):
    instance = start_expense(client)
    login(client, "staff")
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert 'id="revoke"' in html and 'id="urge"' in html and 'id="reinitiate"' in html
    response = client.post(f"/instances/{instance.id}/urge", data={"message": "Please"})
    assert response.status_code == 302
    assert "Reminder sent to head" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    # Once the manager has opened it, revoking is no longer offered.
    client.post("/logout/")
    login(client, "head")
    client.get(f"/instances/{instance.id}")
    client.post("/logout/")
    login(client, "staff")
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert 'id="revoke"' not in html
    response = client.post(f"/instances/{instance.id}/reinitiate", data={"reason": "Wrong trip"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Instance, instance.id).status is InstanceStatus.CANCELLED
    new = db.session.scalar(select(Instance).where(Instance.reinitiated_from_id == instance.id))
    assert new.status is InstanceStatus.DRAFT
    assert response.headers["Location"].endswith(f"/processes/drafts/{new.id}")


def test_revoke_returns_the_instance_to_a_draft(client):
    instance = start_expense(client)
    login(client, "staff")
    response = client.post(f"/instances/{instance.id}/revoke", data={"opinion": "Forgot one"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Instance, instance.id).status is InstanceStatus.DRAFT


def test_questions_are_asked_and_answered_on_the_page(client):
    instance = start_expense(client)
    login(client, "head")
    response = client.post(
        f"/instances/{instance.id}/questions", data={"to": "staff", "text": "Which customer?"}
    )
    assert response.status_code == 302
    client.post("/logout/")
    login(client, "staff")
    inbox = client.get("/inbox/?tab=questions").get_data(as_text=True)
    assert "Which customer?" in inbox and 'data-oa-badge="questions">1<' in inbox
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    question = db.session.scalar(select(Question))
    assert f"/questions/{question.id}/answer" in html
    response = client.post(
        f"/instances/{instance.id}/questions/{question.id}/answer", data={"text": "ACME Ltd"}
    )
    assert response.status_code == 302
    assert "ACME Ltd" in client.get(f"/instances/{instance.id}").get_data(as_text=True)


def test_trace_draws_every_node_and_highlights_the_current_one(client):
    instance = start_expense(client)
    login(client, "staff")
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" id="trace"' in html
    for node in ("start", "manager", "amount_branch", "director", "finance", "end"):
        assert f'data-oa-node="{node}"' in html
    assert 'data-oa-node="manager" data-oa-state="current"' in html
    assert 'data-oa-node="start" data-oa-state="done"' in html
    assert 'data-oa-node="end" data-oa-state="pending"' in html
    client.post("/logout/")
    login(client, "head")
    act(client, instance.id, "head", "agree")
    html = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    # 320.50 is not over 5,000.00: straight to Finance, the director's edges not taken.
    assert 'class="oa-edge oa-edge-taken" data-oa-edge="amount_branch-finance"' in html
    assert 'class="oa-edge" data-oa-edge="amount_branch-director"' in html
    assert 'class="oa-edge" data-oa-edge="director-finance"' in html
    assert 'data-oa-node="finance" data-oa-state="current"' in html


def test_participants_download_attachments_strangers_do_not(client):
    instance = start_expense(client)
    attachment_id = instance.values["receipts"][0]["id"]
    url = f"/form-builder/attachments/{attachment_id}"
    for username, status in (("head", 200), ("auditor", 200), ("hr", 404)):
        login(client, username)
        response = client.get(url)
        assert response.status_code == status, username
        response.close()
        client.post("/logout/")
    login(client, "head")
    assert url in client.get(f"/instances/{instance.id}").get_data(as_text=True)


# The inbox ------------------------------------------------------------------------------


def test_inbox_tabs_badges_and_overdue(client):
    first = start_expense(client)
    start_expense(client)
    task = live_task(first.id, "head")
    task.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    login(client, "head")
    html = client.get("/inbox/").get_data(as_text=True)
    assert 'data-oa-badge="todo">2<' in html
    assert 'id="badge-overdue"' in html and "1 overdue" in html
    assert html.index(f"/instances/{first.id}?task=") < html.index(
        "/instances/", html.index(f"/instances/{first.id}?task=") + 10
    )  # the overdue one (due first) leads
    overdue = client.get("/inbox/?tab=todo&status=overdue").get_data(as_text=True)
    assert overdue.count("data-oa-task=") == 1
    act(client, first.id, "head", "hold", opinion="Waiting for the customer")
    html = client.get("/inbox/").get_data(as_text=True)
    assert 'id="badge-held"' in html and "on hold" in html
    assert 'data-oa-badge="todo">2<' in html  # held tasks stay in the to-do list
    act(client, first.id, "head", "agree")
    done = client.get("/inbox/?tab=done").get_data(as_text=True)
    assert f"/instances/{first.id}" in done
    client.post("/logout/")
    login(client, "staff")
    initiated = client.get("/inbox/?tab=initiated").get_data(as_text=True)
    assert initiated.count("data-oa-instance=") == 2


def test_inbox_filters_and_paging(client):
    for _ in range(21):
        start_expense(client)
    login(client, "head")
    first = client.get("/inbox/").get_data(as_text=True)
    assert first.count("data-oa-task=") == 20 and "21 in all" in first
    assert 'id="page-next"' in first
    second = client.get("/inbox/?tab=todo&page=2").get_data(as_text=True)
    assert second.count("data-oa-task=") == 1
    none = client.get("/inbox/?tab=todo&definition=leave_request").get_data(as_text=True)
    assert none.count("data-oa-task=") == 0
    titled = client.get("/inbox/?tab=todo&q=Sam%20Wu").get_data(as_text=True)
    assert "21 in all" in titled
    assert "0 in all" in client.get("/inbox/?tab=todo&q=100%25").get_data(as_text=True)
    assert client.get("/inbox/?tab=nonsense").status_code == 404


def test_inbox_lists_cost_a_fixed_number_of_queries(client):
    from sqlalchemy import event

    for _ in range(5):
        start_expense(client)
    login(client, "head")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get("/inbox/")
        few = len(statements)
        for _ in range(5):
            start_expense(client)
        login(client, "head")
        statements.clear()
        client.get("/inbox/")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # No query per row, and the version's node names, read by the first page, are not read
    # again (form_builder.services.published_node_names).
    assert len(statements) == few - 1
    assert not any("definition_version.document" in statement for statement in statements)


def test_auditor_has_an_all_instances_tab_others_do_not(client):
    start_expense(client)
    login(client, "auditor")
    html = client.get("/inbox/?tab=all").get_data(as_text=True)
    assert html.count("data-oa-instance=") == 1
    client.post("/logout/")
    login(client, "staff")
    assert 'id="tab-all"' not in client.get("/inbox/").get_data(as_text=True)
    assert client.get("/inbox/?tab=all").status_code == 404


def test_cc_tab_lists_copies(client):
    from tests.conftest import user as find

    instance = start_expense(client)
    # A copy as a notify node would make it: a non-blocking task for hr.
    from oa_platform.runtime.models import Activation

    activation = db.session.scalar(select(Activation).where(Activation.instance_id == instance.id))
    db.session.add(
        Task(
            instance_id=instance.id,
            activation_id=activation.id,
            node_id="manager",
            assignee_id=find("hr").id,
            status=TaskStatus.OPEN,
            blocking=False,
        )
    )
    db.session.commit()
    login(client, "hr")
    html = client.get("/inbox/?tab=cc").get_data(as_text=True)
    assert f"/instances/{instance.id}" in html and 'data-oa-badge="cc">1<' in html
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert buttons(page) == {"read"}


def test_the_dashboard_shows_the_inbox_badges(client):
    from tests.runtime_helpers import start

    start("staff", "leave_request")
    login(client, "head")
    page = client.get("/").get_data(as_text=True)
    badges = re.findall(r'font-size:2em">(\d+)</div>([^<]+)</div>', page)
    assert ("1", "To do") in badges and ("0", "Overdue") in badges


def test_files_added_to_a_returned_form_stay_chosen_when_the_resubmission_is_refused(client):
    """Defect 2 on the task page: Sam's claim comes back for a missing taxi receipt; he adds
    it, but types the bank account with spaces. The page refuses, keeps the taxi receipt
    ticked beside the first one, and the corrected resubmission carries both."""
    instance = start_expense(client)
    act_at(instance, "head", "rollback", opinion="The taxi receipt is missing.", target="initiator")
    [first] = refresh(instance).values["receipts"]
    login(client, "staff")
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    action = re.search(r'id="task-form"[^>]*action="([^"]+)"', page).group(1)

    def resubmit(keep, **overrides):
        data = {**expense(**overrides), "receipts-keep": keep, "oa-action": "submit"}
        return client.post(action, data=data, content_type="multipart/form-data")

    taxi = (io.BytesIO(PDF.replace(b"%%EOF", b"% taxi\n%%EOF")), "taxi.pdf")
    refused = resubmit(first["id"], payee_account="6222 0202 0011 2233", **{"receipts-files": taxi})
    assert refused.status_code == 422
    held = re.findall(r'name="receipts-keep" value="([0-9a-f]{32})" checked', refused.text)
    assert first["id"] in held and "taxi.pdf" in refused.text and len(held) == 2

    submitted = resubmit(held, **{"receipts-files": None})
    assert submitted.status_code == 302, submitted.get_data(as_text=True)
    names = sorted(item["name"] for item in refresh(instance).values["receipts"])
    assert names == ["receipt.pdf", "taxi.pdf"]


def test_files_chosen_on_a_refused_form_stay_chosen_for_the_next_submit(client):
    """Issue 19, defect 2: a bank account typed with spaces is refused; the receipt chosen
    with it is kept, ticked on the form shown again, and the corrected submit carries it,
    without choosing the file again. Nobody else can claim it."""
    login(client, "staff")
    refused = client.post(
        "/processes/expense_claim/start",
        data=expense(payee_account="6222 0202 0011 2233"),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    kept = re.search(r'name="receipts-keep" value="([0-9a-f]{32})" checked', html)
    assert kept and "receipt.pdf" in html, html
    assert db.session.scalar(select(func.count(Instance.id))) == 0  # nothing started

    # Someone else posting that file's id keeps nothing: the receipt is still required.
    client.post("/logout/")
    login(client, "hr")
    stolen = client.post(
        "/processes/expense_claim/start",
        data=expense(**{"receipts-files": None, "receipts-keep": kept.group(1)}),
        content_type="multipart/form-data",
    )
    assert stolen.status_code == 422 and "receipt.pdf" not in stolen.get_data(as_text=True)

    client.post("/logout/")
    login(client, "staff")
    submitted = client.post(
        "/processes/expense_claim/start",
        data=expense(**{"receipts-files": None, "receipts-keep": kept.group(1)}),
        content_type="multipart/form-data",
    )
    assert submitted.status_code == 302, submitted.get_data(as_text=True)
    instance = db.session.scalar(select(Instance))
    assert [item["id"] for item in instance.values["receipts"]] == [kept.group(1)]
    changed = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.instance_id == instance.id, AuditEntry.event == "fields_changed"
        )
    )
    assert "receipts" in changed.detail["changes"]  # the trail says the file came with it
    download = client.get(f"/instances/{instance.id}")
    assert kept.group(1) in download.get_data(as_text=True)  # attached: its link is shown
