"""IT's usage view at size (issue 22, §2.1.1): 250,000 instances and 1,000,000 tasks over two
years, 10,000 people, on SQLite and PostgreSQL; the view's figures for a quarter, a month
and a year, for the whole group and for one department, then the whole page as an Auditor
opens it (log-in once, then GET /usage/).

The shape is the expense chain's (start, manager, director, Finance: four tasks per
instance); handling times are drawn from a long-tailed distribution (most within hours, a
few over days, so some tasks are late); one task in twenty closes with an action other than
agree; a few hundred delegations are in force; people signed in at random times. Seeded:
every run generates the same data.

The figures are measured twice: first from the tasks alone (``source=tasks``, as before the
daily rollup existed, or before its first run), then the closed days are rolled up
(``usage_rollup``: ``flask oa usage rollup``'s work, every day of the two years) and the
figures and the page measured again as they are read in use (``source=rollup``: the closed
days from the rollup, today from the tasks; ``oa_platform/usage/rollup.py``).
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta

from benchmarks import apps
from benchmarks.dataset import VALUES, _fix_sequences, _people, insert
from benchmarks.report import emit, percentiles_ms, stopwatch
from benchmarks.sizes import Size

NAME = "usage"
NODES = ("start", "manager", "director", "finance")
# (instances, people, samples); the size whatever --size says, tiny for the smoke.
TARGET = (250_000, 10_000, 7)
SIZES = {"tiny": (2_000, 50, 2), "tenth": (25_000, 1_000, 5)}
SPAN_DAYS = 730  # two years of use, ending today
OTHER_ACTIONS = ("disagree", "rollback", "transfer", "read")
# fmt: off
INSTANCE_COLUMNS = ("id", "definition_id", "definition_version_id", "title", "initiator_id",
                    "status", "values", "created_at", "submitted_at", "finished_at",
                    "updated_at", "revision")
ACTIVATION_COLUMNS = ("id", "instance_id", "node_id", "seq", "status", "entered_at", "arrivals")
TASK_COLUMNS = ("id", "instance_id", "activation_id", "node_id", "assignee_id", "status",
                "blocking", "created_at", "due_at", "completed_at", "completed_by_id", "action",
                "version", "role", "sequence", "principal_id")
DELEGATION_COLUMNS = ("id", "principal_id", "agent_id", "starts_on", "ends_on", "categories",
                      "include_open", "created_at")
# fmt: on


def _minutes(rng: random.Random) -> int:
    """A handling time: log-normal, median about 2 hours, a tail of days."""
    return max(1, int(rng.lognormvariate(4.8, 1.3)))


def _rows(rng: random.Random, instances: int, people: list[int], first_instance: int,
          first_step: int, definition_id: int, version_id: int, now: datetime):  # fmt: skip
    """(instance rows, activation rows, task rows) as generators sharing one plan."""
    # Rows are written as work arrives (ids grow with time), so a period's rows lie
    # together on disk, as in production: the instances are generated in time order.
    moments = sorted(now - timedelta(minutes=rng.uniform(0, SPAN_DAYS * 24 * 60))
                     for _ in range(instances))  # fmt: skip
    plan = []
    for n, submitted in enumerate(moments):
        times = [0] + [_minutes(rng) for _ in NODES[1:]]
        plan.append(
            (
                first_instance + n,
                first_step + n * len(NODES),
                rng.choice(people),
                submitted,
                times,
                [rng.choice(people) for _ in NODES],
                rng.random() < 0.05,  # one step closes with another action
                rng.random() < 0.02,  # an agent handles the manager's step
            )
        )

    def instance_rows():
        for iid, _first, initiator, submitted, times, _who, _other, _agent in plan:
            finished = submitted + timedelta(minutes=sum(times))
            done = finished < now
            yield (iid, definition_id, version_id, f"Expense claim {iid}", initiator,
                   "completed" if done else "running", VALUES, submitted, submitted,
                   finished if done else None, submitted, 1)  # fmt: skip

    def activation_rows():
        for iid, first, _i, submitted, times, _who, _other, _agent in plan:
            at = submitted
            for step, node in enumerate(NODES):
                at += timedelta(minutes=times[step])
                yield (first + step, iid, node, step + 1, "completed", at, 0)

    def task_rows():
        for iid, first, initiator, submitted, times, who, other, agent in plan:
            arrived = submitted
            for step, node in enumerate(NODES):
                handler = initiator if step == 0 else who[step]
                completed = arrived + timedelta(minutes=times[step])
                if completed >= now:
                    status, completed_at, by, action = "open", None, None, None
                else:
                    action = "submit" if step == 0 else "agree"
                    if other and step == 2:
                        action = OTHER_ACTIONS[iid % len(OTHER_ACTIONS)]
                    status, completed_at, by = "done", completed, handler
                principal = who[0] if agent and step == 1 else None
                yield (first + step, iid, first + step, node, handler, status, True, arrived,
                       arrived + timedelta(hours=24), completed_at, by, action, 1, "primary",
                       0, principal)  # fmt: skip
                if completed_at is None:
                    break
                arrived = completed

    return instance_rows(), activation_rows(), task_rows()


def generate(connection, instances: int, users: int, now: datetime) -> None:
    from sqlalchemy import select, text, update

    from form_builder.models import DefinitionVersion, ProcessDefinition
    from oa_platform.accounts.models import OAUser
    from oa_platform.agents.models import AgentDelegation
    from oa_platform.runtime.models import Activation, Instance, Task

    rng = random.Random(22)
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL session_replication_role = replica"))
    else:
        connection.exec_driver_sql("PRAGMA cache_size = -262144")
    version_id, definition_id = connection.execute(
        select(DefinitionVersion.id, DefinitionVersion.definition_id)
        .join(ProcessDefinition, DefinitionVersion.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.key == "expense_claim")
    ).one()
    people = _people(connection, users, now)
    # Sign-ins: most people within the last month, one in ten long ago, one in fifty never.
    for chunk in range(0, len(people), 5_000):
        for uid in people[chunk : chunk + 5_000]:
            roll = rng.random()
            if roll < 0.02:
                continue
            back = rng.uniform(0, 30) if roll < 0.9 else rng.uniform(31, 400)
            connection.execute(
                update(OAUser).where(OAUser.id == uid).values(last_login=now - timedelta(days=back))
            )
    first_instance = int(
        connection.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM process_instance"))
    )
    first_step = 1 + int(
        connection.scalar(
            text(
                "SELECT max(m) FROM (SELECT coalesce(max(id), 0) AS m FROM process_task "
                "UNION ALL SELECT coalesce(max(id), 0) FROM process_activation) AS ids"
            )
        )
    )
    instance_rows, activation_rows, task_rows = _rows(
        rng, instances, people, first_instance, first_step, definition_id, version_id, now
    )
    insert(connection, Instance.__table__, INSTANCE_COLUMNS, instance_rows)
    insert(connection, Activation.__table__, ACTIVATION_COLUMNS, activation_rows)
    insert(connection, Task.__table__, TASK_COLUMNS, task_rows)
    today = now.date()
    delegations = (
        (n + 1, rng.choice(people), rng.choice(people),
         today - timedelta(days=d), today - timedelta(days=d) + timedelta(days=7), "[]", False,
         now)
        for n, d in enumerate(rng.randrange(0, SPAN_DAYS) for _ in range(max(10, users // 20)))
    )  # fmt: skip
    insert(connection, AgentDelegation.__table__, DELEGATION_COLUMNS, delegations)
    _fix_sequences(
        connection,
        [model.__table__ for model in (Instance, Activation, Task, AgentDelegation)],
    )
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE"))
    else:
        connection.exec_driver_sql("PRAGMA cache_size = -2000")


def _timed(call, samples: int) -> list[float]:
    from oa_platform.extensions import db

    call()  # warm: compiled statements, the definitions' documents
    took = []
    for _ in range(samples):
        db.session.expunge_all()
        start = time.perf_counter()
        call()
        took.append(time.perf_counter() - start)
    return took


def measure(database: apps.Database, app, instances: int, users: int, samples: int) -> None:
    from sqlalchemy import func, select

    from form_builder.clock import utcnow
    from oa_platform.extensions import db
    from oa_platform.i18n import company_zone, local_time
    from oa_platform.runtime.models import Instance, Task
    from oa_platform.usage import periods
    from oa_platform.usage.policy import units_for
    from oa_platform.usage.report import build
    from oa_platform.usage.rollup import first_activity_day, roll_up
    from tests.conftest import user

    now = utcnow()
    with stopwatch() as took, db.engine.begin() as connection:
        generate(connection, instances, users, now)
    if database.kind == "postgresql":
        # What autovacuum does after a bulk load: the visibility map lets the active users'
        # index-only look-ups skip the table (VACUUM cannot run in a transaction).
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    tasks = db.session.scalar(select(func.count(Task.id)))
    stored = db.session.scalar(select(func.count(Instance.id)))
    emit(NAME, "bulk_generate", database=database.kind, instances=stored, tasks=tasks,
         seconds=round(took[0], 1))  # fmt: skip

    zone = company_zone()
    today = local_time(now).date()
    with app.test_request_context("/usage/"):
        units = {unit.key: unit for unit in units_for(db.session, user("auditor"))}
        # Before the rollup: every figure from the tasks (fewer samples: seconds each).
        for kind, period in (
            ("quarter", periods.quarter(today, zone)),
            ("year", periods.year_of(today - timedelta(days=365), zone)),
        ):
            unit = units[""]
            report = build(db.session, period, unit, now, 30)
            took = _timed(lambda p=period, u=unit: build(db.session, p, u, now, 30), 2)
            emit(
                NAME, "usage_figures", database=database.kind, instances=stored,
                tasks=tasks, period=kind, unit="group", source="tasks",
                handled_in_period=report.summary.handled,
                started_in_period=report.summary.started, **percentiles_ms(took),
            )  # fmt: skip

    first = first_activity_day(db.session, zone)
    with stopwatch() as took:
        done = roll_up(db.session, first, today - timedelta(days=1), today, zone)
    emit(NAME, "usage_rollup", database=database.kind, days=len(done),
         rows=sum(day.rows for day in done), seconds=round(took[0], 1))  # fmt: skip

    with app.test_request_context("/usage/"):
        units = {unit.key: unit for unit in units_for(db.session, user("auditor"))}
        for unit_key in ("", "department:SLS/SALES"):
            for kind, period in (
                ("quarter", periods.quarter(today, zone)),
                ("month", periods.month_of(today, zone)),
                ("year", periods.year_of(today - timedelta(days=365), zone)),
            ):
                unit = units[unit_key]
                with apps.counting_statements() as statements:
                    report = build(db.session, period, unit, now, 30)
                took = _timed(lambda p=period, u=unit: build(db.session, p, u, now, 30), samples)
                emit(
                    NAME, "usage_figures", database=database.kind, instances=stored,
                    tasks=tasks, period=kind, unit=unit_key or "group", source="rollup",
                    handled_in_period=report.summary.handled,
                    started_in_period=report.summary.started, statements=statements[0],
                    **percentiles_ms(took),
                )  # fmt: skip

    client = app.test_client()
    from tests.conftest import login

    login(client, "auditor")
    for kind, key in (("quarter", ""), ("year", str(date.today().year - 1))):
        page = lambda k=key: client.get("/usage/", query_string={"period": k} if k else {})  # noqa: E731
        answer = page()
        assert answer.status_code == 200, answer.status_code
        took = []
        for _ in range(samples):
            start = time.perf_counter()
            page()
            took.append(time.perf_counter() - start)
        emit(NAME, "usage_page", database=database.kind, instances=stored, tasks=tasks,
             period=kind, reader="auditor", **percentiles_ms(took))  # fmt: skip


def run(size: Size) -> None:
    instances, users, samples = SIZES.get(size.name, TARGET)
    for database in apps.databases("usage"):
        with apps.running(database) as app:
            measure(database, app, instances, users, samples)
