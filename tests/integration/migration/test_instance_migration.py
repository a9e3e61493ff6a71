"""Running instances move to a new version of their definition (issue 23, item 4;
regulations §2.1.2: IT adjusts the processes; §6.1: the trail records it).

A thousand purchase requests stand at the head's approval or HR's check of version 1;
version 2 renames the check's id, requires a priority (default "normal") and drops the
optional remark. IT previews the migration (a dry run), runs it, and every migrated request
goes on to the end on version 2; the one request standing at the legal check, which version
2 no longer has, is refused with the reason and left as it was; the audit chains hold.
"""

from __future__ import annotations

import io

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict

from form_builder.models import DefinitionEvent
from oa_platform.extensions import db
from oa_platform.migration.commands import (
    Migration,
    MigrationRefusedError,
    candidate_ids,
    migrate_back,
)
from oa_platform.migration.mapping import checked, propose
from oa_platform.org.directory import OrgDirectory
from oa_platform.runtime.models import Instance, InstanceAttachment, Task, Timer, TimerState
from oa_platform.runtime.services import runtime
from oa_platform.runtime.states import InstanceStatus, TaskStatus
from plugins.registry import node_types
from tests.conftest import user
from tests.instance_copies import copy_instances
from tests.migration_helpers import at_check, request, version_one, version_two
from tests.runtime_helpers import (
    PDF,
    act,
    act_at,
    chain,
    events,
    live,
    node,
    publish,
    refresh,
    verified,
)

BOTH_DATABASES = True
INSTANCES = 1_000


def migration(old, new, mapping=None) -> Migration:
    mapping = mapping or propose(old.document, new.document)
    return Migration(
        db.session, OrgDirectory(db.session), node_types(), old, new, mapping, user("admin").id
    )


def test_the_proposal_maps_nodes_by_id_then_name_and_fields_by_key(demo):
    mapping = propose(version_one(), version_two())
    assert mapping.nodes == {
        "start": "start",
        "head_ok": "head_ok",
        "legal": None,  # gone, nothing of that name
        "check": "verify",  # same name, new id
        "end": "end",
    }
    assert mapping.fields == {"item": "item", "remark": None}
    assert mapping.found_by["node:check"] == "name"


def test_a_thousand_running_instances_migrate_and_go_on_to_the_end(demo):
    one = publish(version_one())
    started = [request(), request(remark=None), at_check(remark="Urgent"), at_check()]
    copy_instances(db.session, started, INSTANCES - 1)
    legal = at_check(item="contract", remark="Frame contract")  # waits at the legal check
    assert [t.node_id for t in live(legal)] == ["legal"]
    two = publish(version_two())
    legal_before = (legal.audit_count, legal.audit_head, dict(legal.values), legal.revision)

    preview = migration(one, two).preview()
    counts = preview.counts()
    assert counts == {
        "instances": INSTANCES,
        "migratable": INSTANCES - 1,
        "refused": 1,
        "losing_data": len([n for n in range(INSTANCES - 1) if n % 4 in (0, 2)]),
        "taking_defaults": INSTANCES - 1,
    }
    [refused] = preview.refused
    assert refused.instance_id == legal.id
    assert refused.refused == [
        "It stands at node 'legal' (Legal check), which the new version does not have and "
        "no node is mapped to."
    ]
    at_checks = [p for p in preview.migrated if p.now == ["Check"]]
    assert {tuple(p.after) for p in at_checks} == {("Check",)}
    assert all(p.defaults == {"priority": "normal"} for p in preview.migrated)
    assert {tuple(p.lost_data().items()) for p in preview.migrated} == {
        (),
        (("remark", "For the Sales office"),),
        (("remark", "Urgent"),),
    }
    # The dry run changed nothing.
    assert (
        db.session.scalar(select(func.count()).where(Instance.definition_version_id == two.id)) == 0
    )

    report = migration(one, two).run(batch=150)
    assert [p.summary() for p in report.plans] == [p.summary() for p in preview.plans]
    assert candidate_ids(db.session, one) == [legal.id]

    # The refused instance is as it was.
    legal = refresh(legal)
    assert (legal.audit_count, legal.audit_head, legal.values, legal.revision) == legal_before
    assert legal.definition_version_id == one.id

    # Every migrated instance records the move in its trail, and the chains verify.
    sample = db.session.get(Instance, report.migrated[2].instance_id)
    [moved] = [e for e in events(sample) if e.event == "migrated"]
    assert moved.actor.username == "admin"
    assert (moved.detail["from_version"], moved.detail["to_version"]) == (1, 2)
    assert moved.detail["mapping"]["nodes"]["check"] == "verify"
    assert moved.detail["lost"] == {"remark": "Urgent"}
    assert moved.detail["defaults"] == {"priority": "normal"}
    assert sample.values == {"item": "Toner", "priority": "normal"}
    assert [t.node_id for t in live(sample)] == ["verify"]
    assert verified()
    history = db.session.scalars(
        select(DefinitionEvent).where(DefinitionEvent.action == "instances_migrated")
    ).all()
    assert [(h.detail["migrated"], h.detail["refused"]) for h in history] == [(INSTANCES - 1, 1)]

    # Open tasks kept their deadline timers (they name the task, whose id did not change).
    open_tasks = db.session.scalars(
        select(Task.id).where(Task.node_id == "verify", Task.status == TaskStatus.OPEN)
    ).all()
    timed = set(
        db.session.scalars(
            select(Timer.task_id).where(
                Timer.task_id.in_(open_tasks),
                Timer.kind == "deadline",
                Timer.state == TimerState.PENDING,
            )
        )
    )
    assert timed == set(open_tasks)

    # Every migrated instance goes on to the end on version 2.
    for plan in report.migrated:
        instance = db.session.get(Instance, plan.instance_id)
        for _ in range(3):
            tasks = live(instance)
            if not tasks:
                break
            instance = act(tasks[0].assignee.username, tasks[0], "agree")
        assert refresh(instance).status is InstanceStatus.COMPLETED, plan.instance_id
    assert verified()


def test_an_instance_migrates_back_while_nothing_has_happened_on_it(demo):
    one = publish(version_one())
    untouched, acted_on = at_check(remark="Keep me"), request()
    two = publish(version_two())
    migration(one, two).run()

    untouched = refresh(untouched)
    assert untouched.definition_version_id == two.id
    migrate_back(db.session, user("admin").id, untouched.id)
    untouched = refresh(untouched)
    assert untouched.definition_version_id == one.id
    assert untouched.values == {"item": "Toner", "remark": "Keep me"}
    assert [t.node_id for t in live(untouched)] == ["check"]
    assert [e.event for e in events(untouched)][-2:] == ["migrated", "migrated_back"]
    back = events(untouched)[-1]
    assert (back.detail["from_version"], back.detail["to_version"]) == (2, 1)

    [task] = live(acted_on)
    act("head", task, "agree")  # something happened since the migration
    try:
        migrate_back(db.session, user("admin").id, acted_on.id)
    except MigrationRefusedError as error:
        assert "something has happened on it since it was migrated" in error.message
    else:
        raise AssertionError("migrated back after an action")
    assert refresh(acted_on).definition_version_id == two.id
    # And it goes on on version 1 again: HR's check as it was.
    untouched = act("hr", live(untouched)[0], "agree")
    assert refresh(untouched).status is InstanceStatus.COMPLETED
    assert verified()


def test_a_required_field_without_a_value_or_default_refuses_and_a_relabelled_key_carries(demo):
    one = publish(version_one())
    waiting = request(remark="Blue paper")
    three = version_two()
    # The remark is now kept under a new key (same label and type); a budget is required
    # and has no default: nothing can be migrated until IT gives it one.
    three["fields"] = [
        version_one()["fields"][0],
        {"key": "note", "type": "text", "label": "Remark", "max_length": 200},
        {"key": "budget", "type": "text", "label": "Budget", "required": True, "max_length": 20},
    ]
    two = publish(three)
    mapping = propose(one.document, two.document)
    assert mapping.fields == {"item": "item", "remark": "note"}

    [plan] = migration(one, two).preview().plans
    assert plan.refused == [
        "The new version requires field 'budget' (Budget), which has no value and no default."
    ]
    report = migration(one, two).run()
    assert [p.ok for p in report.plans] == [False]
    waiting = refresh(waiting)
    assert waiting.definition_version_id == one.id
    assert waiting.values == {"item": "Printer paper", "remark": "Blue paper"}
    assert "migrated" not in [e.event for e in events(waiting)]


def test_a_file_field_under_a_new_key_keeps_its_files_and_a_type_change_refuses(demo):
    def papers(key: str, remark_type: str) -> dict:
        return chain(
            "paper_request",
            node("head_ok", "approval", ["head"], name="Head approval"),
            fields=[
                {"key": key, "type": "attachments", "label": "Papers"},
                {"key": "remark", "type": remark_type, "label": "Remark"},
            ],
        )

    one = publish(papers("papers", "text"))
    upload = FileStorage(io.BytesIO(PDF), filename="offer.pdf", name="papers-files")
    instance = runtime().submit(
        user("staff"),
        "paper_request",
        MultiDict({"remark": "Offer attached"}),
        MultiDict([("papers-files", upload)]),
    )
    [file_id] = [item["id"] for item in refresh(instance).values["papers"]]
    # Version 2: the papers under a new key (same label and type); the remark a date.
    two = publish(papers("documents", "date"))
    [plan] = migration(one, two).preview().plans
    assert plan.refused == [
        "Field 'remark' holds a text value, and 'remark' takes date values: map it to "
        "nothing (its value is lost) or to a field of its type."
    ]
    mapping = propose(one.document, two.document)
    assert mapping.fields == {"papers": "documents", "remark": "remark"}
    lose_remark = checked(one.document, two.document, mapping.nodes, {"papers": "documents"})
    [plan] = migration(one, two, lose_remark).run().plans
    assert plan.ok and plan.lost_data() == {"remark": "Offer attached"}
    links = db.session.scalars(
        select(InstanceAttachment.field_key).where(InstanceAttachment.instance_id == instance.id)
    ).all()
    assert sorted(links) == ["documents", "papers"]  # the file downloads from its new field
    assert refresh(instance).values["documents"][0]["id"] == file_id
    assert verified()


def test_a_request_sent_back_to_its_initiator_returns_to_the_renamed_check(demo):
    one = publish(version_one())
    instance = at_check(remark="Two boxes")
    instance = act_at(
        instance,
        "hr",
        "rollback",
        opinion="Say which paper, then back to me",
        target="initiator",
        resubmit_to_me=True,
    )
    assert (instance.status, instance.resubmit_to) == (InstanceStatus.RETURNED, "check")
    two = publish(version_two())
    [plan] = migration(one, two).run().plans
    assert plan.ok and plan.now == ["Applicant"] and plan.after == ["Applicant"]
    instance = refresh(instance)
    assert (instance.definition_version_id, instance.resubmit_to) == (two.id, "verify")

    changed = MultiDict({"item": "A4 paper, 80 g", "priority": "high"})
    instance = act_at(instance, "staff", "submit", formdata=changed)
    assert [(t.node_id, t.assignee.username) for t in live(instance)] == [("verify", "hr")]
    instance = act_at(instance, "hr", "agree")
    assert refresh(instance).status is InstanceStatus.COMPLETED
    assert refresh(instance).values == {"item": "A4 paper, 80 g", "priority": "high"}
    assert verified()
