"""Drawing an inspection's sample at size (issue 22, §8.5): 250,000 instances and 1,000,000
tasks over two years (the usage view's data, ``benchmarks.usage.generate``, one instance in
five moved to a second process so the sample has two strata), on SQLite and PostgreSQL.

Timed: ``sampling.draw`` for the current quarter and for the last full year, the whole group
(a sample of 200) and one department's initiators (a 5 % rate), then opening an inspection as
IT does (the draw and writing its sample rows, one transaction). Seeded data; the draw's time
is the database's count by stratum and reading each stratum's ids.
"""

from __future__ import annotations

import time
from datetime import date

from benchmarks import apps
from benchmarks import usage as usage_data
from benchmarks.report import emit, percentiles_ms, stopwatch
from benchmarks.sizes import Size

NAME = "inspection"
# (instances, people, samples): the size whatever --size says; tiny for the smoke.
TARGET = (250_000, 10_000, 7)
SIZES = {"tiny": (2_000, 50, 2), "tenth": (25_000, 1_000, 5)}


def _second_process(connection) -> None:
    """One instance in five belongs to the leave request: two strata to share the sample."""
    from sqlalchemy import select, text

    from form_builder.models import DefinitionVersion, ProcessDefinition

    version_id, definition_id = connection.execute(
        select(DefinitionVersion.id, DefinitionVersion.definition_id)
        .join(ProcessDefinition, DefinitionVersion.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.key == "leave_request")
    ).first()
    connection.execute(
        text(
            "UPDATE process_instance SET definition_id = :d, definition_version_id = :v "
            "WHERE id % 5 = 0"
        ),
        {"d": definition_id, "v": version_id},
    )


def measure(database: apps.Database, app, instances: int, users: int, samples: int) -> None:
    from sqlalchemy import func, select

    from form_builder.clock import utcnow
    from oa_platform.extensions import db
    from oa_platform.inspection import commands, sampling
    from oa_platform.inspection.models import Inspection
    from oa_platform.org.models import Department
    from oa_platform.reports.periods import quarter_of
    from oa_platform.runtime.models import Instance, Task
    from tests.conftest import user

    now = utcnow()
    with stopwatch() as took, db.engine.begin() as connection:
        usage_data.generate(connection, instances, users, now)
        _second_process(connection)
    tasks = db.session.scalar(select(func.count(Task.id)))
    stored = db.session.scalar(select(func.count(Instance.id)))
    emit(NAME, "bulk_generate", database=database.kind, instances=stored, tasks=tasks,
         seconds=round(took[0], 1))  # fmt: skip
    zone = app.config.get("OA_TIMEZONE")
    sales = db.session.scalar(select(Department.id).where(Department.code == "SALES"))
    today = date.today()
    quarter = quarter_of(today)
    last_year = date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    with app.test_request_context("/inspection/"):
        for period, (first, last) in (
            ("quarter", (quarter.first, quarter.last)),
            ("year", last_year),
        ):
            for scope, size, rate, departments in (
                ("group", 200, None, []),
                ("department", None, 0.05, [sales]),
            ):
                inspection = Inspection(
                    title="bench", period_first=first, period_last=last,
                    scope={"departments": departments}, sample_size=size, sample_rate=rate,
                    seed="bench", created_by_id=1,
                )  # fmt: skip
                population, drawn = sampling.draw(db.session, inspection, zone)
                took = []
                for _ in range(samples):
                    db.session.expunge_all()
                    start = time.perf_counter()
                    again = sampling.draw(db.session, inspection, zone)[1]
                    took.append(time.perf_counter() - start)
                    assert again == drawn  # the same inspection, the same sample
                emit(
                    NAME, "draw_sample", database=database.kind, instances=stored, tasks=tasks,
                    period=period, scope=scope, population=population, drawn=len(drawn),
                    strata=len({d for _, d in drawn}), **percentiles_ms(took),
                )  # fmt: skip
        took = []
        for n in range(samples):
            start = time.perf_counter()
            commands.open_inspection(
                db.session,
                user("admin"),
                commands.InspectionRequest(
                    title=f"bench {n}", first=quarter.first, last=quarter.last, sample_size=200
                ),
            )
            db.session.commit()
            took.append(time.perf_counter() - start)
        emit(NAME, "open_inspection", database=database.kind, instances=stored, tasks=tasks,
             period="quarter", sample_size=200, **percentiles_ms(took))  # fmt: skip


def run(size: Size) -> None:
    instances, users, samples = SIZES.get(size.name, TARGET)
    for database in apps.databases("inspection"):
        with apps.running(database) as app:
            measure(database, app, instances, users, samples)
