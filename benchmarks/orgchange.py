"""Impact analysis at size (issue 23): 10,000 users, 500 published definitions and 1,000,000
tasks, on SQLite and PostgreSQL. Target: at most 1 s per analysis.

Three changes are analysed as IT previews them (``impact.analyse`` with the change, which is
made in a savepoint and undone): the Sales department's head changes; the busiest generated
user (about a thousand open tasks) leaves; Finance's only Manager leaves, so the expense
claim's last node finds nobody and the running claims are read. Each generated definition
names some of the generated people, positions and departments in its assignee rules, a
condition and a field default, so the definitions' scan has names to find. The first analysis
reads every definition's document (``cold``); later ones use the facts kept per published version
(``warm``, p50/p95).
"""

from __future__ import annotations

import json
import random
import time

from benchmarks import apps
from benchmarks.dataset import _fix_sequences, _next_id, generate, insert
from benchmarks.report import emit, percentiles_ms
from benchmarks.sizes import Size

NAME = "orgchange"
# (users, tasks, definitions, samples): the sizes, not scaled with --size; tiny for
# the smoke test.
SIZES = {"tiny": (50, 2_000, 20, 3)}
TARGET = (10_000, 1_000_000, 500, 20)


def _document(n: int, rng: random.Random, usernames: list[str]) -> dict:
    """A definition of five approval nodes naming generated people, a position in a
    department, a role and the initiator's heads, with a condition and a user default."""
    named = rng.sample(usernames, 3)
    nodes = [
        {"id": "start", "type": "start", "name": "Applicant"},
        {"id": "head", "type": "approval", "name": "Head", "assignee": {"rule": "department_head"}},
        {"id": "check", "type": "approval", "name": "Check",
         "assignee": {"rule": "users", "users": named[:2]}},
        {"id": "clerks", "type": "approval", "name": "Clerks",
         "assignee": {"rule": "position", "position": "Clerk",
                      "department": rng.choice(["SLS/SALES", "GRP/FIN", "GRP/HR", "GRP/IT"])}},
        {"id": "big", "type": "condition", "name": "Big?"},
        {"id": "leader", "type": "approval", "name": "Leader",
         "assignee": {"rule": "leader_in_charge"}},
        {"id": "hr", "type": "approval", "name": "HR", "assignee": {"rule": "role", "role": "HR"}},
        {"id": "end", "type": "end", "name": "End"},
    ]  # fmt: skip
    edges = [
        {"from": "start", "to": "head"},
        {"from": "head", "to": "check"},
        {"from": "check", "to": "clerks"},
        {"from": "clerks", "to": "big"},
        {"from": "big", "to": "leader", "condition": f"amount > {1000 + n}"},
        {"from": "big", "to": "hr", "default": True},
        {"from": "leader", "to": "hr"},
        {"from": "hr", "to": "end"},
    ]
    fields = [
        {"key": "amount", "type": "money", "label": "Amount"},
        {"key": "reviewer", "type": "user", "label": "Reviewer",
         "default": {"kind": "literal", "value": named[2]}},
    ]  # fmt: skip
    return {
        "format": 1,
        "key": f"generated_{n}",
        "name": f"Generated process {n}",
        "category": "Administration",
        "department": "IT",
        "fields": fields,
        "nodes": nodes,
        "edges": edges,
    }


def _definitions(connection, count: int, usernames: list[str]) -> None:
    from sqlalchemy import select

    from form_builder.clock import utcnow
    from form_builder.models import DefinitionVersion, ProcessDefinition
    from oa_platform.org.models import Department

    rng = random.Random(23)
    now = utcnow()
    department = connection.scalar(select(Department.id).where(Department.code == "IT"))
    first = _next_id(connection, ProcessDefinition.__table__)
    first_version = _next_id(connection, DefinitionVersion.__table__)
    insert(
        connection,
        ProcessDefinition.__table__,
        ("id", "key", "name", "category", "department_id", "created_at"),
        (
            (
                first + n,
                f"generated_{n}",
                f"Generated process {n}",
                "Administration",
                department,
                now,
            )
            for n in range(count)
        ),
    )
    insert(
        connection,
        DefinitionVersion.__table__,
        ("id", "definition_id", "number", "status", "document", "created_at", "published_at"),
        (
            (first_version + n, first + n, 1, "published",
             json.dumps(_document(n, rng, usernames)), now, now)
            for n in range(count)
        ),
    )  # fmt: skip
    _fix_sequences(connection, [ProcessDefinition.__table__, DefinitionVersion.__table__])


def measure(database: apps.Database, users: int, tasks: int, definitions: int, samples: int):
    from sqlalchemy import select, text

    from oa_platform.accounts.models import OAUser
    from oa_platform.extensions import db
    from oa_platform.orgchange import impact
    from oa_platform.orgchange.changes import read_change

    with db.engine.begin() as connection:
        generated = generate(connection, users, tasks, 0, 0)
        usernames = list(
            connection.scalars(select(OAUser.username).where(OAUser.id.in_(generated.user_ids)))
        )
        _definitions(connection, definitions, usernames)
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    _settle(database)
    new_head = usernames[len(usernames) // 2]
    changes = {
        "head_change": {
            "change_kind": "head_change",
            "department": "SLS/SALES",
            "person": new_head,
        },
        "person_leave": {"change_kind": "person_leave", "person": generated.busiest_username},
        # Finance's only Manager: every running expense claim's last node finds nobody, so
        # the running instances are read (they stand at that node: none is stranded).
        "finance_leaves": {"change_kind": "person_leave", "person": "finance"},
    }
    for label, values in changes.items():
        change = read_change({**values, "details": "Benchmark."})
        db.session.expunge_all()
        impact._FACTS.clear()  # cold: every definition's document read
        start = time.perf_counter()
        subject = impact.subject_of(db.session, change)
        found = impact.analyse(db.session, subject, change)
        cold = time.perf_counter() - start
        took = []
        for _ in range(samples):
            db.session.expunge_all()
            start = time.perf_counter()
            subject = impact.subject_of(db.session, change)
            found = impact.analyse(db.session, subject, change)
            took.append(time.perf_counter() - start)
        emit(
            NAME, "impact_analysis", database=database.kind, change=label, users=users,
            tasks=tasks, definitions=definitions, cold_ms=round(cold * 1000, 1),
            found_definitions=len(found.definitions), found_tasks=len(found.tasks),
            found_stranded=len(found.stranded), **percentiles_ms(took),
        )  # fmt: skip


def _settle(database: apps.Database, timeout: float = 120) -> None:
    """SQLite: wait until the platform's checkpointer has cut the bulk load's WAL back, so
    the first write of a preview does not wait behind that checkpoint (oa_platform/sqlite_wal)."""
    if database.kind != "sqlite":
        return
    from pathlib import Path

    wal = Path(database.url.removeprefix("sqlite:///") + "-wal")
    deadline = time.monotonic() + timeout
    while wal.exists() and wal.stat().st_size > 4 * 1024 * 1024 and time.monotonic() < deadline:
        time.sleep(0.5)


def run(size: Size) -> None:
    users, tasks, definitions, samples = SIZES.get(size.name, TARGET)
    for database in apps.databases("orgchange"):
        with apps.running(database):
            measure(database, users, tasks, definitions, samples)
