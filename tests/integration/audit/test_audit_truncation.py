"""§6.1: the trail is append-only, so losing its last entries must show too.

Each instance records its chain's head (entries, last hash), written with the entries: a
trail that ends before its head was cut short, and `oa audit verify` names what is gone.
Signed checkpoints guard the heads in turn: rewriting a trail's tail and its instance's head
together, without the secret key, still shows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from werkzeug.datastructures import MultiDict

from oa_platform.extensions import db
from oa_platform.runtime import audit
from oa_platform.runtime.models import AuditCheckpoint, AuditEntry, Instance
from oa_platform.runtime.states import InstanceStatus
from plugins.contract import NodeKind, NodeType
from plugins.registry import Installed, node_types
from tests.conftest import user
from tests.migrated import migrated_demo, replay
from tests.runtime_helpers import (
    act_at,
    chain,
    event_names,
    events,
    node,
    publish,
    refresh,
    rt,
    start,
    verified,
)

BOTH_DATABASES = True


def head_of(instance: Instance) -> tuple[int, str]:
    instance = refresh(instance)
    return instance.audit_count, instance.audit_head


def end_of_trail(instance: Instance) -> tuple[int, str]:
    last = events(instance)[-1]
    return last.seq, last.hash


def cut_trail(instance: Instance, keep: int) -> None:
    """What someone with write access to the database does: delete the last entries."""
    db.session.execute(
        delete(AuditEntry).where(AuditEntry.instance_id == instance.id, AuditEntry.seq > keep)
    )
    db.session.commit()


def set_head(instance: Instance, count: int, head: str) -> None:
    """... and, knowing the design, make the instance's head agree."""
    db.session.execute(
        update(Instance)
        .where(Instance.id == instance.id)
        .values(audit_count=count, audit_head=head)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def oa(app, *args: str):
    return app.test_cli_runner().invoke(args=["oa", "audit", *args])


# The head ---------------------------------------------------------------------------------


def test_every_commit_leaves_the_head_on_the_last_entry_of_the_trail(demo):
    instance = start("staff", "leave_request")
    assert head_of(instance) == end_of_trail(instance)
    act_at(refresh(instance), "head", "agree")
    assert head_of(instance) == end_of_trail(instance)
    rt().view(user("staff"), instance.id)  # a view appends without touching the instance
    assert event_names(instance)[-1] == "viewed"
    assert head_of(instance) == end_of_trail(instance)
    result = oa(demo, "verify")
    assert result.exit_code == 0, result.output
    assert "Every audit chain verifies." in result.output


def test_deleting_the_last_trail_entries_is_detected_and_named(demo):
    instance = start("staff", "leave_request")
    other = start("staff", "leave_request")
    count = len(events(instance))
    cut_trail(instance, keep=count - 2)
    result = oa(demo, "verify")
    assert result.exit_code != 0
    assert (
        f"BROKEN: instance {instance.id}: trail ends at entry {count - 2} but its head"
        f" records {count} entries (entries {count - 1}-{count} deleted)"
    ) in result.output
    assert f"instance {other.id}" not in result.output
    [problem] = audit.verify(db.session, instance.id)
    assert (problem.instance_id, problem.seq) == (instance.id, count - 1)


def test_deleting_only_the_last_entry_is_named_too(demo):
    instance = start("staff", "leave_request")
    count = len(events(instance))
    cut_trail(instance, keep=count - 1)
    result = oa(demo, "verify", "--instance", str(instance.id))
    assert result.exit_code != 0
    assert f"instance {instance.id}: trail ends at entry {count - 1} but its head" in (
        result.output
    )
    assert f"(entry {count} deleted)" in result.output


def test_after_a_truncation_the_next_entry_leaves_the_gap_showing(demo):
    instance = start("staff", "leave_request")
    count = len(events(instance))
    cut_trail(instance, keep=count - 2)
    rt().view(user("staff"), instance.id)
    # The view's entry follows the head, not the trail's last row: the deleted numbers are
    # not quietly taken over.
    assert events(instance)[-1].seq == count + 1
    [problem] = audit.verify(db.session, instance.id)
    assert problem.reason == f"entry {count - 1} is missing"


# Savepoints -------------------------------------------------------------------------------


class Exploding(NodeType):
    """A node type whose hook writes to the trail, then raises."""

    name = "exploding_audit"
    label = "Exploding"
    kind = NodeKind.SERVICE

    def on_enter(self, ctx):
        ctx.audit("about_to_explode")
        raise RuntimeError("boom")


@pytest.fixture
def exploding():
    registry = node_types()
    registry.installed[Exploding.name] = Installed(Exploding(), "tests: Exploding", "0")
    yield
    del registry.installed[Exploding.name]


def test_a_hook_rolled_back_to_a_savepoint_leaves_head_and_trail_consistent(demo, exploding):
    publish(chain("fragile_audit", node("boom", Exploding.name)))
    instance = refresh(rt().submit(user("staff"), "fragile_audit", MultiDict({"note": "x"})))
    assert instance.status is InstanceStatus.ERROR
    names = event_names(instance)
    assert "about_to_explode" not in names and names[-1] == "node_error"
    assert head_of(instance) == end_of_trail(instance)
    assert verified()
    refresh(rt().skip_node(user("admin"), instance.id))
    assert head_of(instance) == end_of_trail(instance)
    assert verified()


def test_entries_dropped_with_a_savepoint_leave_the_head_on_the_last_kept_one(demo):
    instance = start("staff", "leave_request")
    audit.append(db.session, instance.id, "kept")
    savepoint = db.session.begin_nested()
    audit.append(db.session, instance.id, "undone")
    savepoint.rollback()
    db.session.commit()
    assert event_names(instance)[-1] == "kept"
    assert head_of(instance) == end_of_trail(instance)
    assert verified()


# Signed checkpoints -----------------------------------------------------------------------


def test_a_signed_checkpoint_catches_a_rewrite_of_both_the_trail_tail_and_the_head(demo):
    instance = start("staff", "leave_request")
    result = oa(demo, "checkpoint")
    assert result.exit_code == 0, result.output
    assert "Checkpoint run 1 signed 1 chain head(s)." in result.output
    entries = events(instance)
    count = len(entries)
    cut_trail(instance, keep=count - 2)
    set_head(instance, count - 2, entries[count - 3].hash)
    result = oa(demo, "verify")
    assert result.exit_code != 0
    [checkpoint] = db.session.scalars(
        select(AuditCheckpoint).where(AuditCheckpoint.instance_id == instance.id)
    )
    assert (
        f"BROKEN: instance {instance.id}: trail ends at entry {count - 2} but signed"
        f" checkpoint {checkpoint.id} (run 1, "
    ) in result.output
    assert f"records {count} entries (entries {count - 1}-{count} deleted)" in result.output
    # Nothing but the checkpoint could tell: the chain and the head agree with each other.
    assert len(audit.verify(db.session)) == 1
    # Nor will a later run sign the shortened chain: it names it instead.
    result = oa(demo, "checkpoint")
    assert result.exit_code != 0
    assert (
        f"NOT SIGNED: instance {instance.id}: its head records {count - 2} entries but signed"
        f" checkpoint {checkpoint.id}"
    ) in result.output


def test_a_signed_checkpoint_catches_a_rewritten_last_entry_with_its_head(demo):
    instance = start("staff", "leave_request")
    assert oa(demo, "checkpoint").exit_code == 0
    last = events(instance)[-1]
    forged = {key: getattr(last, key) for key in audit._COLUMNS}
    forged["detail"] = {"forged": True}
    forged_hash = audit.content_hash(forged)
    db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.id == last.id)
        .values(detail={"forged": True}, hash=forged_hash)
    )
    db.session.commit()
    set_head(instance, last.seq, forged_hash)
    [problem] = audit.verify(db.session)
    assert (problem.instance_id, problem.seq, problem.entry_id) == (instance.id, last.seq, last.id)
    assert "the trail was rewritten" in problem.reason


def test_a_checkpoint_cannot_be_forged_or_removed_without_showing(demo):
    instance = start("staff", "leave_request")
    other = start("staff", "leave_request")
    assert oa(demo, "checkpoint").exit_code == 0
    count = len(events(instance))
    cut_trail(instance, keep=count - 1)
    set_head(instance, count - 1, events(instance)[-1].hash)
    # Make the instance's checkpoint agree, without the key ...
    db.session.execute(
        update(AuditCheckpoint)
        .where(AuditCheckpoint.instance_id == instance.id)
        .values(entries=count - 1, head=events(instance)[-1].hash)
    )
    # ... and drop the other's.
    db.session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.instance_id == other.id))
    db.session.commit()
    problems = [str(problem) for problem in audit.verify(db.session)]
    assert any(
        p.startswith(f"instance {instance.id}: checkpoint ") and "valid signature" in p
        for p in problems
    ), problems
    assert (
        "the digest of checkpoint run 1 does not match its instance checkpoints:"
        " it covers 2, 1 remain (removed or added since)"
    ) in problems


def test_each_run_signs_only_the_chains_that_grew_and_the_runs_chain_up(demo):
    first = start("staff", "leave_request")
    start("staff", "leave_request")
    assert "run 1 signed 2 chain head(s)" in oa(demo, "checkpoint").output
    act_at(refresh(first), "head", "agree")
    assert "run 2 signed 1 chain head(s)" in oa(demo, "checkpoint").output
    assert "run 3 signed 0 chain head(s)" in oa(demo, "checkpoint").output
    result = oa(demo, "verify")
    assert result.exit_code == 0, result.output
    assert "Newest signed checkpoint: run 3" in result.output
    db.session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.run == 2))
    db.session.commit()
    problems = [str(problem) for problem in audit.verify(db.session)]
    assert "checkpoint run 2 is missing (removed)" in problems


def test_a_run_refuses_to_sign_a_chain_that_does_not_follow_on_from_its_checkpoint(demo):
    instance = start("staff", "leave_request")
    assert oa(demo, "checkpoint").exit_code == 0
    last = events(instance)[-1]
    db.session.execute(
        update(AuditEntry).where(AuditEntry.id == last.id).values(detail={"forged": True})
    )
    db.session.commit()
    act_at(refresh(instance), "head", "agree")  # the chain grows after the tampering
    result = oa(demo, "checkpoint")
    assert result.exit_code != 0
    assert f"NOT SIGNED: instance {instance.id}, entry {last.seq} (id {last.id})" in (result.output)
    assert "Checkpoint run 2 signed 0 chain head(s)." in result.output


def test_beat_writes_checkpoint_runs(demo):
    from oa_platform.extensions import celery
    from oa_platform.runtime.tasks import checkpoint_audit_trails

    scheduled = celery.conf.beat_schedule["checkpoint-audit-trails"]
    assert scheduled["task"] == checkpoint_audit_trails.name
    assert scheduled["schedule"] == 60.0 * demo.config["OA_AUDIT_CHECKPOINT_MINUTES"]
    start("staff", "leave_request")
    assert checkpoint_audit_trails() == 1
    digests = select(AuditCheckpoint.run).where(AuditCheckpoint.instance_id.is_(None))
    assert db.session.scalars(digests).all() == [1]


# Existing instances -----------------------------------------------------------------------

HEADS_REVISION = "75a53087564d"  # migrations/versions: audit chain heads and checkpoints


def test_the_migration_gives_existing_instances_the_heads_their_trails_end_at(
    tmp_path, database_kind
):
    with migrated_demo(tmp_path, database_kind):
        instances = [start("staff", "leave_request"), start("staff", "leave_request")]
        act_at(refresh(instances[0]), "head", "agree")
        ends = [end_of_trail(instance) for instance in instances]
        ids = [instance.id for instance in instances]
        replay(HEADS_REVISION)  # from trails with no heads, as before it
        heads = [(i.audit_count, i.audit_head) for i in (db.session.get(Instance, n) for n in ids)]
        assert heads == ends
        assert verified()
