"""What people write into an instance is bounded the same way on the pages and the REST API,
by the commands (the trail is hash-chained: an oversized text would stay in it for good); and
questions are asked by the people who take part (§3.3, §3.6), not by an auditor, whose
access is read-only (issue 17, defects 8 and 9)."""

from __future__ import annotations

from oa_platform.runtime import texts
from tests.conftest import login
from tests.runtime_helpers import events, start, verified

BOTH_DATABASES = True


def test_the_api_refuses_an_opinion_longer_than_the_page_allows_and_keeps_nothing(api):
    instance = start("staff", "leave_request")
    trail = len(events(instance))
    answer = api.act("head", instance.id, "disagree", opinion="x" * (texts.OPINION + 1))
    assert answer.status_code == 422, answer.get_json()
    assert "opinion" in str(answer.get_json()) and "4,000" in str(answer.get_json())
    assert len(events(instance)) == trail
    assert api.task_of("head", instance.id)["status"] == "open"
    assert api.act("head", instance.id, "disagree", opinion="Not in the busy week.").status_code
    assert verified()


def test_the_api_refuses_a_five_megabyte_question_and_a_long_urge(api):
    instance = start("staff", "leave_request")
    trail = len(events(instance))
    path = f"/instances/{instance.id}/questions"
    answer = api("POST", "head", path, json={"to": "staff", "text": "?" * 5_000_000})
    assert answer.status_code in (413, 422)  # past the request limit, or the text's
    assert answer.status_code == 413 or "question" in str(answer.get_json())
    urge = {"opinion": "!" * (texts.URGE_MESSAGE + 1)}  # the API's body of urge: OpinionBody
    answer = api("POST", "staff", f"/instances/{instance.id}/urge", json=urge)
    assert answer.status_code == 422, answer.get_json()
    assert "message" in str(answer.get_json())
    assert len(events(instance)) == trail


def test_an_auditor_reads_an_instance_but_asks_no_questions(api, client):
    instance = start("staff", "leave_request")
    assert api("GET", "auditor", f"/instances/{instance.id}").status_code == 200
    answer = api(
        "POST", "auditor", f"/instances/{instance.id}/questions", json={"to": "staff", "text": "?"}
    )
    assert answer.status_code in (403, 409), answer.get_json()
    assert "initiator and the people who handle" in str(answer.get_json())
    assert not [e for e in events(instance) if e.event == "question"]

    login(client, "auditor")
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert 'name="text"' not in page  # no question form on the page either

    # A handler of the instance still asks the initiator.
    answer = api(
        "POST", "head", f"/instances/{instance.id}/questions", json={"to": "staff", "text": "Why?"}
    )
    assert answer.status_code == 201, answer.get_json()
