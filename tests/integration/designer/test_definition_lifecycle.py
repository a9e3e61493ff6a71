"""Regulations §2.3, §3.1, §3.2: IT designs a process form, the Management Center reviews it
(approves, or rejects with an opinion), IT publishes it; published versions never change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from form_builder import services
from form_builder.exceptions import DefinitionInvalidError, LifecycleError
from form_builder.models import DefinitionEvent, VersionStatus
from tests.conftest import login, user

BOTH_DATABASES = True
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "definitions"


def leave_document(**changes) -> dict:
    document = json.loads((EXAMPLES / "leave_request.json").read_text())
    document["key"] = "leave_test"
    document.update(changes)
    return document


def publish(lifecycle, document) -> object:
    version = lifecycle.save_draft(user("designer"), document)
    lifecycle.submit(user("designer"), version)
    lifecycle.approve(user("mc"), version)
    lifecycle.publish(user("designer"), version)
    return version


def test_form_goes_from_draft_through_review_to_published(demo):
    lifecycle = services.lifecycle()
    version = lifecycle.save_draft(user("designer"), leave_document())
    assert (version.number, version.status) == (1, VersionStatus.DRAFT)
    lifecycle.submit(user("designer"), version)
    lifecycle.approve(user("mc"), version, "Agreed with HR.")
    lifecycle.publish(user("designer"), version)
    services.session().commit()

    assert lifecycle.version_for_new_instance("leave_test") is version
    events = services.session().query(DefinitionEvent).filter_by(version_id=version.id)
    steps = [(e.action, e.actor.username, e.opinion) for e in events.order_by(DefinitionEvent.id)]
    assert steps == [
        ("draft_created", "designer", None),
        ("submitted", "designer", None),
        ("approved", "mc", "Agreed with HR."),
        ("published", "designer", None),
    ]


def test_rejection_needs_an_opinion_and_the_fix_is_a_new_version(demo):
    lifecycle = services.lifecycle()
    version = lifecycle.save_draft(user("designer"), leave_document())
    lifecycle.submit(user("designer"), version)
    with pytest.raises(LifecycleError, match="an opinion is required when rejecting"):
        lifecycle.reject(user("mc"), version, "   ")
    assert version.status is VersionStatus.SUBMITTED
    lifecycle.reject(user("mc"), version, "Add the leader in charge for long leave.")
    revised = lifecycle.save_draft(user("designer"), leave_document(name="Leave request (revised)"))
    assert (revised.number, version.status) == (2, VersionStatus.REJECTED)


def test_published_version_is_immutable_and_running_instances_keep_theirs(demo):
    lifecycle = services.lifecycle()
    first = publish(lifecycle, leave_document())
    services.session().commit()
    first.document = leave_document(name="Changed in place")
    with pytest.raises(PermissionError, match="immutable"):
        services.session().flush()
    services.session().rollback()

    second = lifecycle.save_draft(user("designer"), leave_document(name="Leave v2"))
    assert lifecycle.version_for_new_instance("leave_test") is first  # v2 not published yet
    lifecycle.submit(user("designer"), second)
    lifecycle.approve(user("mc"), second)
    lifecycle.publish(user("designer"), second)
    assert lifecycle.version_for_new_instance("leave_test") is second
    assert first.status is VersionStatus.PUBLISHED and first.document["name"] != "Leave v2"


def test_withdrawn_definition_starts_no_new_instances_until_reinstated(demo):
    lifecycle = services.lifecycle()
    version = publish(lifecycle, leave_document())
    definition = version.definition
    with pytest.raises(LifecycleError, match="opinion is required"):
        lifecycle.withdraw(user("designer"), definition, "")
    lifecycle.withdraw(user("designer"), definition, "Replaced by the new HR system")
    with pytest.raises(LifecycleError, match="withdrawn and starts no new instances"):
        lifecycle.version_for_new_instance("leave_test")
    assert version.status is VersionStatus.PUBLISHED  # the version itself is untouched
    lifecycle.reinstate(user("designer"), definition)
    assert lifecycle.version_for_new_instance("leave_test") is version


def test_only_it_designs_and_only_the_management_center_reviews(demo):
    lifecycle = services.lifecycle()
    with pytest.raises(LifecycleError, match="only Admin or Process Designer may design"):
        lifecycle.save_draft(user("staff"), leave_document())
    version = lifecycle.save_draft(user("designer"), leave_document())
    lifecycle.submit(user("designer"), version)
    for reviewer in ("designer", "admin", "staff"):
        with pytest.raises(LifecycleError, match="only Management Center may review"):
            lifecycle.approve(user(reviewer), version)
    with pytest.raises(LifecycleError, match="only a approved version can become published"):
        lifecycle.publish(user("designer"), version)


def test_author_cannot_review_their_own_version(demo):
    mc = user("mc")
    mc.roles.append(demo.appbuilder.sm.find_role("Process Designer"))
    lifecycle = services.lifecycle()
    version = lifecycle.save_draft(mc, leave_document())
    lifecycle.submit(mc, version)
    with pytest.raises(LifecycleError, match="someone other than its author"):
        lifecycle.approve(mc, version)


def test_invalid_definition_cannot_be_submitted_and_stays_a_draft(demo):
    lifecycle = services.lifecycle()
    document = leave_document()
    document["edges"] = [e for e in document["edges"] if e["from"] != document["nodes"][0]["id"]]
    version = lifecycle.save_draft(user("designer"), document)
    with pytest.raises(DefinitionInvalidError) as raised:
        lifecycle.submit(user("designer"), version)
    assert any("cannot be reached from the start" in p.message for p in raised.value.problems)


def test_publishing_validates_again_against_todays_organisation(demo):
    lifecycle = services.lifecycle()
    document = leave_document()
    task = next(n for n in document["nodes"] if n["type"] == "approval")
    task["assignee"] = {"rule": "users", "users": ["finance"]}
    version = lifecycle.save_draft(user("designer"), document)
    lifecycle.submit(user("designer"), version)
    lifecycle.approve(user("mc"), version)
    user("finance").active = False
    with pytest.raises(
        DefinitionInvalidError, match="user 'finance' does not exist or is deactivated"
    ):
        lifecycle.publish(user("designer"), version)


def test_demo_data_publishes_every_example_definition(demo):
    lifecycle = services.lifecycle()
    for path in EXAMPLES.glob("*.json"):
        key = json.loads(path.read_text())["key"]
        assert lifecycle.version_for_new_instance(key).number == 1


def test_review_pages_show_the_diff_and_take_the_opinion(client):
    lifecycle = services.lifecycle()
    publish(lifecycle, leave_document())
    changed = leave_document()
    changed["fields"] = [f for f in changed["fields"] if f["key"] != "handover_to"]
    changed["fields"].append({"key": "remarks", "type": "textarea", "label": "Remarks"})
    second = lifecycle.save_draft(user("designer"), changed)
    lifecycle.submit(user("designer"), second)
    services.session().commit()

    login(client, "mc")
    page = client.get("/definitions/leave_test/v2/").get_data(as_text=True)
    assert "Changes since v1 (published)" in page
    assert 'data-oa-element="field:remarks" data-oa-kind="added"' in page
    assert 'data-oa-element="field:handover_to" data-oa-kind="removed"' in page

    response = client.post("/definitions/leave_test/v2/reject", data={"opinion": ""})
    assert response.status_code == 302
    services.session().expire_all()
    assert second.status is VersionStatus.SUBMITTED
    client.post("/definitions/leave_test/v2/reject", data={"opinion": "Keep the old field."})
    services.session().expire_all()
    assert (second.status, second.review_opinion) == (VersionStatus.REJECTED, "Keep the old field.")


def test_definition_pages_check_permissions(client):
    login(client, "staff")
    assert client.get("/definitions/").status_code == 403
    client.post("/logout/")
    login(client, "mc")
    assert client.get("/definitions/").status_code == 200
    assert client.get("/definitions/nope/").status_code == 404
    assert client.get("/definitions/import").status_code == 403  # reviewers do not design
    assert (
        client.post("/definitions/leave_request/withdraw", data={"reason": "x"}).status_code == 403
    )
