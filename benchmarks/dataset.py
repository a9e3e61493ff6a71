"""Bulk generators for the inbox, timer and HTTP benchmarks: an organisation of ``users``
people and ``tasks`` tasks, with their instances, activations and timers.

Rows go in with the driver's bulk paths (``COPY`` on PostgreSQL, ``executemany`` on SQLite),
never through the ORM one row at a time. The shape follows the expense chain: four tasks per
instance (claimant, manager, director, Finance), the last one open (sometimes held) while
the instance runs; one instance in ten copies someone (a non-blocking task, unread). Tasks
arrived within the last four days and are due 24 hours later, so some are overdue. Seeded:
every run generates the same data.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, DateTime, Table, select, text

from form_builder.clock import utcnow

CHUNK = 50_000
NODES = ("start", "manager", "director", "finance")
# The form values an instance carries, so loading one costs what a real one does.
VALUES = json.dumps(
    {
        "purpose": "Customer visit",
        "items": [{"date": "2026-01-05", "category": "travel", "amount": "320.50"}],
        "total": "320.50",
        "payee_name": "Sam Wu",
        "payee_account": "6222020200112233",
    }
)
# The busiest user (the HTTP benchmark's) handles the last step of one instance in this
# many: about a thousand open tasks at full size, a full inbox.
BUSIEST_SHARE = 200
# Column orders of the generated rows.
# fmt: off
USER_COLUMNS = ("id", "first_name", "last_name", "username", "email", "password", "active",
                "department_id", "position_id", "must_change_password", "password_changed_at",
                "created_on", "changed_on")
INSTANCE_COLUMNS = ("id", "definition_id", "definition_version_id", "title", "initiator_id",
                    "status", "values", "created_at", "submitted_at", "updated_at", "revision")
ACTIVATION_COLUMNS = ("id", "instance_id", "node_id", "seq", "status", "entered_at", "arrivals")
TASK_COLUMNS = ("id", "instance_id", "activation_id", "node_id", "assignee_id", "status",
                "blocking", "created_at", "due_at", "completed_at", "completed_by_id", "action",
                "version", "role", "sequence")
TIMER_COLUMNS = ("id", "due_at", "kind", "name", "instance_id", "task_id", "data", "state",
                 "attempts", "created_at")
# fmt: on


@dataclass(frozen=True)
class Generated:
    """What the benchmarks look up in the generated data."""

    user_ids: list[int]  # the generated people, in id order
    busiest_username: str  # a generated user with many open tasks (the HTTP inbox's user)
    open_task_ids: list[int]  # the busiest user's open tasks
    due_timers: int


@dataclass(frozen=True, slots=True)
class Planned:
    """One generated instance; its activations and tasks have ids ``first + step``."""

    id: int
    first: int  # the id of its first activation and of its first task
    initiator: int
    running: bool
    created: datetime
    assignees: tuple[int, ...]  # one per node
    held: bool  # the open task is on hold
    copies: bool  # the director's step is a copy (CC) instead

    @property
    def open_task(self) -> int:
        return self.first + len(NODES) - 1


def insert(connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple]):
    """Insert ``rows`` (tuples in ``columns`` order) into ``table`` in bulk."""
    raw = connection.connection.driver_connection
    names = ", ".join(f'"{name}"' for name in columns)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    # Times are stored as SQLAlchemy stores them on SQLite, so ORM reads and comparisons agree.
    times = [n for n, name in enumerate(columns) if isinstance(table.c[name].type, DateTime)]

    def stored(row: tuple) -> tuple:
        values = list(row)
        for n in times:
            if values[n] is not None:
                values[n] = values[n].isoformat(" ", "microseconds")
        return tuple(values)

    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    cursor = raw.cursor()
    batch: list[tuple] = []
    for row in rows:
        batch.append(stored(row))
        if len(batch) == CHUNK:
            cursor.executemany(statement, batch)
            batch.clear()
    if batch:
        cursor.executemany(statement, batch)
    cursor.close()


def _next_id(connection: Connection, table: Table) -> int:
    return int(connection.scalar(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table.name}")))


def _fix_sequences(connection: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move each serial past the ids given explicitly, so the ORM's inserts work."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
            )
        )


def _people(connection: Connection, users: int, now: datetime) -> list[int]:
    """``users`` Staff members across the demo departments, with the demo password."""
    from oa_platform.accounts.models import OAUser
    from oa_platform.org.models import Department, Position

    metadata = OAUser.metadata
    departments = list(connection.scalars(select(Department.id)))
    clerk = connection.scalar(select(Position.id).where(Position.name == "Clerk"))
    staff = connection.scalar(text("SELECT id FROM ab_role WHERE name = 'Staff'"))
    password = connection.scalar(select(OAUser.password).where(OAUser.username == "staff"))
    first = _next_id(connection, metadata.tables["ab_user"])
    ids = list(range(first, first + users))
    rows = (
        (uid, "Gen", f"User{uid}", f"gen{uid}", f"gen{uid}@example.com", password, True,
         departments[uid % len(departments)], clerk, False, now, now, now)
        for uid in ids
    )  # fmt: skip
    insert(connection, metadata.tables["ab_user"], USER_COLUMNS, rows)
    link = metadata.tables["ab_user_role"]
    first_link = _next_id(connection, link)
    links = ((first_link + n, uid, staff) for n, uid in enumerate(ids))
    insert(connection, link, ("id", "user_id", "role_id"), links)
    return ids


def _plan(connection: Connection, rng: random.Random, people: list[int], instances: int, now):
    """The instances to generate, with their people and states."""
    from oa_platform.runtime.models import Activation, Instance, Task

    first_instance = _next_id(connection, Instance.__table__)
    # Activations and tasks get the same ids, one per step, so both tables start past both.
    first = max(_next_id(connection, Activation.__table__), _next_id(connection, Task.__table__))
    plan = []
    for n in range(instances):
        assignees = [rng.choice(people) for _ in NODES]
        if n % BUSIEST_SHARE == 0:
            assignees[-1] = people[0]
        plan.append(
            Planned(
                id=first_instance + n,
                first=first + n * len(NODES),
                initiator=rng.choice(people),
                running=rng.random() < 0.85,
                created=now - timedelta(hours=rng.uniform(0, 96)),
                assignees=tuple(assignees),
                held=rng.random() < 0.1,
                copies=n % 10 == 0,
            )
        )
    return plan


def _instance_rows(plan: list[Planned], definition_id: int, version_id: int) -> Iterator[tuple]:
    for p in plan:
        status = "running" if p.running else "completed"
        yield (p.id, definition_id, version_id, f"Expense claim {p.id}", p.initiator, status,
               VALUES, p.created, p.created, p.created, 1)  # fmt: skip


def _activation_rows(plan: list[Planned]) -> Iterator[tuple]:
    for p in plan:
        for step, node in enumerate(NODES):
            live = p.running and step == len(NODES) - 1
            at = p.created + timedelta(hours=step * 6)
            yield (p.first + step, p.id, node, step + 1, "active" if live else "completed", at, 0)


def _task_rows(plan: list[Planned]) -> Iterator[tuple]:
    for p in plan:
        for step, node in enumerate(NODES):
            live = p.running and step == len(NODES) - 1
            copy = p.copies and step == 2
            status = ("held" if p.held else "open") if live else "open" if copy else "done"
            at = p.created + timedelta(hours=step * 6)
            done = status == "done"
            handler = p.assignees[step]
            finished = (at + timedelta(hours=1), handler, "agree") if done else (None,) * 3
            yield (p.first + step, p.id, p.first + step, node, handler, status, not copy, at,
                   at + timedelta(hours=24), *finished, 1, "primary", 0)  # fmt: skip


def _timer_rows(plan, rng: random.Random, pending: int, due: int, now) -> Iterator[tuple]:
    """Reminders on open tasks: ``due`` of them due a minute ago, ``pending`` within 30 days."""
    running = [p for p in plan if p.running]
    for n in range(due + pending):
        p = running[n % len(running)]
        at = now - timedelta(minutes=1) if n < due else now + timedelta(hours=rng.uniform(1, 720))
        yield (n + 1, at, "reminder", "", p.id, p.open_task, "{}", "pending", 0, now)


def generate(connection: Connection, users: int, tasks: int, pending_timers: int, due_timers: int):
    """Fill the database behind ``connection`` (demo data already loaded); see the module."""
    from form_builder.models import DefinitionVersion, ProcessDefinition
    from oa_platform.runtime.models import Activation, Instance, Task, Timer

    rng = random.Random(8)
    now = utcnow()
    if connection.dialect.name == "postgresql":
        # The generated rows are consistent by construction: skip the foreign-key triggers
        # that would check every row of the COPY (the usual bulk-load setting, for this
        # transaction only).
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        # Room for the indexes' pages while a million rows go in; set back to SQLite's
        # default afterwards, so the benchmarks read through the cache an app has.
        connection.exec_driver_sql("PRAGMA cache_size = -262144")
    version_id, definition_id = connection.execute(
        select(DefinitionVersion.id, DefinitionVersion.definition_id)
        .join(ProcessDefinition, DefinitionVersion.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.key == "expense_claim")
    ).one()
    people = _people(connection, users, now)
    plan = _plan(connection, rng, people, max(1, tasks // len(NODES)), now)
    instance_rows = _instance_rows(plan, definition_id, version_id)
    insert(connection, Instance.__table__, INSTANCE_COLUMNS, instance_rows)
    insert(connection, Activation.__table__, ACTIVATION_COLUMNS, _activation_rows(plan))
    insert(connection, Task.__table__, TASK_COLUMNS, _task_rows(plan))
    timer_rows = _timer_rows(plan, rng, pending_timers, due_timers, now)
    insert(connection, Timer.__table__, TIMER_COLUMNS, timer_rows)
    metadata = Instance.metadata
    generated = [metadata.tables[name] for name in ("ab_user", "ab_user_role")]
    generated += [model.__table__ for model in (Instance, Activation, Task, Timer)]
    _fix_sequences(connection, generated)
    if connection.dialect.name == "postgresql":
        # Statistics, as autovacuum keeps them. SQLite gets none: the platform never runs
        # ANALYZE there, so its planner works from the schema, as in production.
        connection.execute(text("ANALYZE"))
    else:
        connection.exec_driver_sql("PRAGMA cache_size = -2000")
    busiest = [
        p.open_task for p in plan if p.running and not p.held and p.assignees[-1] == people[0]
    ]
    return Generated(people, f"gen{people[0]}", busiest, due_timers)
