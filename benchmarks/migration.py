"""Running-instance migration at size (issue 23, item 4): 10,000 purchase requests of
version 1, at the head's approval or HR's check, move to version 2 (a renamed node, a new
required field with a default, a removed optional field). Figures: the dry run over all of
them, and the run, each instance in its own transaction, with the rate; on SQLite and
PostgreSQL. The instances are started through the runtime, a few, and copied row for row
(``tests/instance_copies.py``); the statements per migrated instance are counted too.
"""

from __future__ import annotations

from benchmarks import apps
from benchmarks.report import emit, rate, stopwatch
from benchmarks.sizes import Size

NAME = "migration"
TARGET = 10_000  # the size, not scaled with --size
SIZES = {"tiny": 200, "tenth": 1_000}
STARTED = 8  # started through the runtime; the rest are copies of these


def run(size: Size) -> None:
    instances = SIZES.get(size.name, TARGET)
    for database in apps.databases("migration"):
        with apps.running(database):
            measure(database, instances)


def measure(database: apps.Database, instances: int) -> None:
    from oa_platform.extensions import db
    from oa_platform.migration.commands import Migration
    from oa_platform.migration.mapping import propose
    from oa_platform.org.directory import OrgDirectory
    from plugins.registry import node_types
    from tests.conftest import user
    from tests.instance_copies import copy_instances
    from tests.migration_helpers import at_check, request, version_one, version_two
    from tests.runtime_helpers import publish

    one = publish(version_one())
    started = [request() if n % 2 else at_check(remark=f"Note {n}") for n in range(STARTED)]
    copy_instances(db.session, started, instances)
    two = publish(version_two())

    def migration() -> Migration:
        return Migration(
            db.session,
            OrgDirectory(db.session),
            node_types(),
            one,
            two,
            propose(one.document, two.document),
            user("admin").id,
        )

    with stopwatch() as took:
        preview = migration().preview()
    emit(
        NAME, "dry_run", database=database.kind, instances=len(preview.plans),
        seconds=round(took[0], 2), per_second=rate(len(preview.plans), took[0]),
    )  # fmt: skip
    with apps.counting_statements() as statements, stopwatch() as took:
        report = migration().run()
    migrated = len(report.migrated)
    emit(
        NAME, "migrate", database=database.kind, instances=migrated,
        refused=len(report.refused), seconds=round(took[0], 2),
        per_second=rate(migrated, took[0]),
        statements_per_instance=round(statements[0] / max(migrated, 1), 1),
    )  # fmt: skip
