"""What the clients of a cluster test were told was done, and the checks that end every
cluster test: nothing lost, nothing doubled.

- every accepted action (an answer 200 to ``POST /tasks/<id>/actions``) has its task
  change (the task no longer open, with that action) and exactly one audit entry, and
  every started instance (201) its one "created" entry;
- no task is open twice (one person, one node, one instance: one open task at most);
- every audit chain verifies, as ``flask oa audit verify`` says, run in its own process
  with the cluster's settings.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from oa_platform.extensions import db
from oa_platform.processes import ROOT
from oa_platform.runtime.models import AuditEntry, Task
from oa_platform.runtime.states import TaskStatus

FLASK = [str(Path(sys.executable).parent / "flask"), "--app", "oa_platform:create_app"]


@dataclass
class Ledger:
    """The actions the clients were told were taken: task id -> action."""

    accepted: dict[int, str] = field(default_factory=dict)
    started: list[int] = field(default_factory=list)  # instances answered 201

    def record(self, task_id: int, action: str, status_code: int) -> None:
        if status_code == 200:
            assert task_id not in self.accepted, f"task {task_id} accepted twice"
            self.accepted[task_id] = action


def assert_nothing_lost_nothing_doubled(running, ledger: Ledger) -> None:
    """The three checks above, on ``running``'s database."""
    with running.app.app_context():
        session = db.session
        tasks = {
            task.id: task
            for task in session.scalars(select(Task).where(Task.id.in_(ledger.accepted)))
        }
        entries = Counter(
            session.execute(
                select(AuditEntry.task_id, AuditEntry.detail["action"].as_string()).where(
                    AuditEntry.event == "action", AuditEntry.task_id.in_(ledger.accepted)
                )
            ).all()
        )
        created = Counter(
            session.scalars(
                select(AuditEntry.instance_id).where(
                    AuditEntry.event == "created", AuditEntry.instance_id.in_(ledger.started)
                )
            )
        )
        assert created == dict.fromkeys(ledger.started, 1), "a started instance is missing"
        for task_id, action in ledger.accepted.items():
            task = tasks[task_id]
            assert task.status not in {TaskStatus.OPEN, TaskStatus.WAITING}, (task_id, action)
            assert str(task.action) == action, (task_id, task.action, action)
            assert entries[(task_id, action)] == 1, (task_id, action, entries)
        doubled = session.execute(
            select(Task.instance_id, Task.node_id, Task.assignee_id, func.count())
            .where(Task.status.in_([TaskStatus.OPEN, TaskStatus.HELD]))
            .group_by(Task.instance_id, Task.node_id, Task.assignee_id)
            .having(func.count() > 1)
        ).all()
        assert doubled == [], f"tasks open twice: {doubled}"
        session.remove()
    verify = subprocess.run(
        [*FLASK, "oa", "audit", "verify"],
        cwd=ROOT,
        env=running.cluster.group.env,
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Every audit chain verifies." in verify.stdout
