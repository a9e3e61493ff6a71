"""§6.1: the hash-chained trail keeps exactly the entries of what committed. Entries are
written when their transaction commits; what a rolled-back savepoint (a node hook that
raised) or transaction added is not, and the chain has no gap."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from oa_platform.extensions import db
from oa_platform.runtime import audit
from oa_platform.runtime.models import AuditEntry
from oa_platform.runtime.services import runtime
from tests.conftest import user

BOTH_DATABASES = True
NOTE = {
    "leave_type": "annual",
    "start_date": "2026-12-01",
    "end_date": "2026-12-02",
    "reason": "Family visit",
    "handover_to": "staff",
}


def trail(instance_id: int) -> list[tuple[int, str]]:
    db.session.expire_all()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.instance_id == instance_id).order_by(AuditEntry.seq)
    )
    return [(entry.seq, entry.event) for entry in entries]


def test_entries_of_a_rolled_back_savepoint_are_dropped_and_the_chain_stays_whole(demo):
    instance_id = runtime().submit(user("staff"), "leave_request", MultiDict(NOTE)).id
    last = trail(instance_id)[-1][0]
    audit.append(db.session, instance_id, "kept_before")
    savepoint = db.session.begin_nested()
    audit.append(db.session, instance_id, "undone")
    savepoint.rollback()
    audit.append(db.session, instance_id, "kept_after")
    db.session.commit()
    assert trail(instance_id)[-2:] == [(last + 1, "kept_before"), (last + 2, "kept_after")]
    assert audit.verify(db.session, instance_id) == []


def test_entries_of_a_rolled_back_transaction_are_never_written(demo):
    instance_id = runtime().submit(user("staff"), "leave_request", MultiDict(NOTE)).id
    last = trail(instance_id)[-1][0]
    audit.append(db.session, instance_id, "never")
    db.session.rollback()
    audit.append(db.session, instance_id, "written")
    db.session.commit()
    assert trail(instance_id)[-1] == (last + 1, "written")
    assert "never" not in {event for _, event in trail(instance_id)}
    assert audit.verify(db.session, instance_id) == []
