"""Run the benchmarks: ``python -m benchmarks [--size full|tenth|tiny] [--only NAME ...]``.

Prints one JSON line per figure. PostgreSQL figures need ``OA_BENCH_POSTGRES_URL`` (a
database the run may wipe); without it they are skipped with a note on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys

from benchmarks import apps, backup, documents, engine, forms, http_load, inbox, timers
from benchmarks import bulk_approval as bulk_approvals
from benchmarks import discussion as discussion_area
from benchmarks import inspection as inspection_sample
from benchmarks import library as file_library
from benchmarks import migration as instance_migration
from benchmarks import notices as notice_list
from benchmarks import orgchange as org_changes
from benchmarks import people_picker as people_pickers
from benchmarks import search as content_search
from benchmarks import usage as usage_view
from benchmarks.dataset import generate
from benchmarks.report import emit, stopwatch
from benchmarks.sizes import SIZES, Size

BENCHMARKS = ("engine", "inbox", "timers", "http", "forms", "backup", "documents")
BENCHMARKS += ("usage",)  # issue 22, IT's usage view
BENCHMARKS += ("inspection",)  # issue 22, the inspection's sample
BENCHMARKS += ("library",)  # issue 21, the file library's search over 100,000 files
BENCHMARKS += ("migration",)  # issue 23, running instances to a new version
BENCHMARKS += ("orgchange",)  # issue 23, impact analysis over 1,000,000 tasks
BENCHMARKS += ("notices",)  # issue 21, the dashboard's notice list over 100,000 notices
BENCHMARKS += ("discussion",)  # issue 21, the unanswered posts over 1,000,000 posts
BENCHMARKS += ("search", "bulk_approval")  # issue 19, the inbox's content search, bulk agree
BENCHMARKS += ("people_picker",)  # issue 19, the picker over 100,000 accounts


def run_data(size: Size, only: set[str], http_client: str) -> None:
    """Per database: generate the organisation once, then measure the inbox, the timers and
    the HTTP pages on it (the timers fire after the inbox is measured, HTTP comes last)."""
    from oa_platform.extensions import db

    for database in apps.databases("org"):
        with apps.running(database):
            with stopwatch() as took, db.engine.begin() as connection:
                generated = generate(
                    connection, size.users, size.tasks, size.pending_timers, size.due_timers
                )
            emit(
                "dataset",
                "bulk_generate",
                database=database.kind,
                users=size.users,
                tasks=size.tasks,
                timers=size.pending_timers + size.due_timers,
                seconds=round(took[0], 1),
            )
            if "inbox" in only:
                inbox.measure(size, database.kind, generated)
            if "timers" in only:
                timers.measure(size, database.kind, generated)
            if "backup" in only:  # issue 24: oa backup and oa restore on the generated data
                backup.measure(size, database)
        if "http" in only:
            http_load.measure(size, database, generated, http_client)


def run_contents(size: Size, only: set[str]) -> None:
    """Per database: the inbox data of ``run_data`` with its forms' word index, on a database
    of its own (the other benchmarks' data stays as it was); then the content search over it
    and a bulk agree among it (issue 19)."""
    from oa_platform.extensions import db

    for database in apps.databases("contents"):
        with apps.running(database):
            with db.engine.begin() as connection:
                generated = generate(connection, size.users, size.tasks, size.pending_timers, 0)
            # SQLite: a write (or a read through a WAL of gigabytes) waits for the
            # checkpoint of the bulk load's WAL, and the next write past the busy timeout.
            org_changes._settle(database, timeout=900)
            content_search.index(database)
            org_changes._settle(database, timeout=900)
            if "search" in only:
                content_search.measure(size, database, generated)
            if "bulk_approval" in only:
                bulk_approvals.measure(size, database)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument(
        "--http-client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="the HTTP load generator (auto: wrk when installed)",
    )
    args = parser.parse_args(argv)
    size, only = SIZES[args.size], set(args.only)
    if not os.environ.get(apps.POSTGRES_ENV):
        print(f"{apps.POSTGRES_ENV} is not set: PostgreSQL figures skipped", file=sys.stderr)
    if "engine" in only:
        engine.run(size)
    if only & {"inbox", "timers", "http", "backup"}:
        run_data(size, only, args.http_client)
    if "forms" in only:
        forms.run(size)
    if "documents" in only:  # issue 20: fixed sizes (10,000 recipients, 100,000 documents)
        documents.run(size)
    if "usage" in only:  # issue 22: the usage view over 1,000,000 tasks, 250,000 instances
        usage_view.run(size)
    if "inspection" in only:  # issue 22: the sample over 1,000,000 tasks, 250,000 instances
        inspection_sample.run(size)
    if "library" in only:  # issue 21: the file library's search over 100,000 files
        file_library.run(size)
    if "migration" in only:  # issue 23: 10,000 running instances to a new version
        instance_migration.run(size)
    if "orgchange" in only:  # issue 23: impact analysis, 10,000 users, 1,000,000 tasks
        org_changes.run(size)
    if "discussion" in only:  # issue 21: the unanswered posts over 1,000,000 posts
        discussion_area.run(size)
    if "notices" in only:  # issue 21: the dashboard's notice list over 100,000 notices
        notice_list.run(size)
    if only & {"search", "bulk_approval"}:  # issue 19: over 1,000,000 tasks
        run_contents(size, only)
    if "people_picker" in only:  # issue 19: search and tree over 100,000 accounts
        people_pickers.run(size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
