"""A step's changes to its instance, node and tasks are written at commit by Core UPDATEs
checked against the version each row was read at (``runtime/rows.py``): a row another
transaction changed in between makes the command run again on the new state, as the ORM's
version check did, and the objects the session holds are clean and show what was written."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm.exc import StaleDataError

from oa_platform.extensions import db
from oa_platform.runtime import rows
from oa_platform.runtime.models import Activation, Instance, Task
from oa_platform.runtime.states import TaskStatus
from oa_platform.unit_of_work import unit_of_work
from tests.runtime_helpers import act, live, refresh, start, task_of, verified

BOTH_DATABASES = True
_tasks = Task.__table__
STEP = (Instance, Activation, Task)


def changed_by_another_transaction(task_id: int) -> None:
    """What another transaction's committed change leaves: the row at its next version (the
    object this session holds still has the version it read)."""
    db.session.execute(
        update(_tasks).where(_tasks.c.id == task_id).values(version=_tasks.c.version + 1)
    )


def stored(task_id: int):
    return db.session.execute(select(_tasks).where(_tasks.c.id == task_id)).one()


def test_a_task_changed_since_it_was_read_runs_the_command_again(demo):
    claim = start("staff", "expense_claim")
    task_id = task_of(claim, "head").id
    version = stored(task_id).version
    attempts: list[int] = []

    def work() -> None:
        attempts.append(len(attempts) + 1)
        task = db.session.get(Task, task_id)
        if len(attempts) == 1:
            changed_by_another_transaction(task_id)
        task.opinion = f"attempt {len(attempts)}"

    unit_of_work(db.session).run(work)
    assert attempts == [1, 2]
    # The first attempt's write matched no row and was rolled back with everything it did.
    assert (stored(task_id).opinion, stored(task_id).version) == ("attempt 2", version + 1)


def test_a_conflict_not_retried_is_the_orms_own_and_changes_nothing(demo):
    claim = start("staff", "expense_claim")
    task_id = task_of(claim, "head").id

    def work() -> None:
        task = db.session.get(Task, task_id)
        changed_by_another_transaction(task_id)
        task.opinion = "lost"

    with pytest.raises(StaleDataError):
        unit_of_work(db.session).run(work, conflicts=())
    assert stored(task_id).opinion is None


def test_written_objects_are_clean_and_hold_what_their_rows_hold(demo):
    claim = start("staff", "expense_claim")
    task = task_of(claim, "head")
    version = task.version
    task.opinion = "noted"
    task.draft = None  # set to what it was: no change to write
    rows.write_updates(db.session, STEP)
    assert task not in db.session.dirty
    row = stored(task.id)
    assert (row.opinion, row.version) == ("noted", version + 1) == (task.opinion, task.version)
    sent: list[str] = []

    def seen(_connection, _cursor, statement, *_rest) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        db.session.flush()  # the ORM finds nothing left to write
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert sent == []
    db.session.rollback()


def test_a_whole_chain_written_this_way_ends_as_it_did(demo):
    """The expense chain, step by step: tasks done with their handlers' answers, the
    instance completed, its trail whole (the head rides in the instance's UPDATE)."""
    claim = start("staff", "expense_claim")
    while pending := live(refresh(claim)):
        act(pending[0].assignee.username, pending[0], "agree")
    claim = refresh(claim)
    assert str(claim.status) == "completed"
    done = db.session.scalars(select(Task).where(Task.instance_id == claim.id)).all()
    assert all(t.status in {TaskStatus.DONE, TaskStatus.CANCELLED} for t in done)
    assert all(t.version > 1 for t in done if t.status is TaskStatus.DONE)
    assert verified()
