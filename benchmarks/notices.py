"""Notices at size (issue 21): the dashboard's notice list (a reader's live notices, pinned
first, then newest, with their unread marks) over 100,000 released notices, on SQLite and
PostgreSQL; the target is a p95 of at most 20 ms.

The notices are written in bulk as the release job would leave them: a fifth for everyone, the
rest for a company, a department or a position; a third past their last day, one in a hundred
withdrawn, a few pinned; the readers have opened about half of what reached them. Each sample
loads the reader as a request does (their department, company and position give the audience
keys) and runs ``queries.for_reader``.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta

from benchmarks import apps
from benchmarks.dataset import _fix_sequences, insert
from benchmarks.report import emit, percentiles_ms
from benchmarks.sizes import Size

NAME = "notices"
# The size (not scaled with --size, the target is stated at it); tiny for the smoke
# test, a tenth for a shared machine: (notices, samples).
SIZES = {"tiny": (500, 5), "tenth": (10_000, 100)}
TARGET = (100_000, 300)
READERS = ("staff", "finance", "admin", "auditor")
NOTICE_COLUMNS = (
    "id", "instance_id", "kind", "title", "body", "attachments", "department_id", "unit_name",
    "author_id", "major", "pinned", "expires_on", "audience", "status", "published_at",
    "read_count",
)  # fmt: skip
AUDIENCE = [
    ("company", "GRP"), ("company", "HLD"), ("company", "SLS"),
    ("department", "GRP/OFFICE"), ("department", "GRP/IT"), ("department", "GRP/HR"),
    ("department", "GRP/MC"), ("department", "GRP/FIN"), ("department", "HLD/GM"),
    ("department", "SLS/SALES"), ("position", "Manager"), ("position", "Clerk"),
    ("position", "Director"), ("position", "Engineer"),
]  # fmt: skip


def _notice_rows(rng: random.Random, first: int, authors: list[tuple[int, int]], today: date,
                 count: int):  # fmt: skip
    now = datetime.combine(today, datetime.min.time())
    for n in range(count):
        author, department = rng.choice(authors)
        published = now - timedelta(minutes=n * 15)  # newest first: about three years
        roll = rng.random()
        expires = today - timedelta(days=1) if roll < 0.33 else (
            today + timedelta(days=30) if roll < 0.6 else None
        )  # fmt: skip
        entries = [("everyone", "")] if rng.random() < 0.2 else rng.sample(AUDIENCE, 2)
        audience = ",".join(f'"{kind}:{key}"' if key else '"everyone"' for kind, key in entries)
        yield (
            (first + n, None, rng.choice(("announcement", "notice", "briefing")),
             f"关于第{n}期工作安排的通知", "<p>各位同事：请按要求执行。</p>", "[]", department,
             "Unit", author, False, n % 5_000 == 17, expires, f"[{audience}]",
             "withdrawn" if n % 100 == 42 else "published", published, 0),
            entries,
        )  # fmt: skip


def _timed(reader_id: int, today: date, samples: int) -> list[float]:
    from oa_platform.accounts.models import OAUser
    from oa_platform.extensions import db
    from oa_platform.notices import queries

    took = []
    for _ in range(samples):
        db.session.expunge_all()
        start = time.perf_counter()
        reader = db.session.get(OAUser, reader_id)
        rows = queries.for_reader(db.session, reader, today)
        took.append(time.perf_counter() - start)
        assert rows, "a reader with an empty dashboard measures nothing"
    return took


def measure(database: apps.Database, count: int, samples: int) -> None:
    """Emit the dashboard list's p50/p95 per reader."""
    from sqlalchemy import select, text

    from oa_platform.accounts.models import OAUser
    from oa_platform.extensions import db
    from oa_platform.notices.models import Notice, NoticeAudience, NoticeRead
    from tests.conftest import user

    authors = [
        (author.id, author.department_id)
        for author in db.session.scalars(select(OAUser).where(OAUser.department_id.is_not(None)))
    ]
    readers = {who: user(who).id for who in READERS}
    rng = random.Random(21)
    today = date.today()
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        made = list(_notice_rows(rng, 1, authors, today, count))
        insert(connection, Notice.__table__, NOTICE_COLUMNS, (row for row, _ in made))
        audience = ((kind, key, row[0]) for row, entries in made for kind, key in entries)
        insert(connection, NoticeAudience.__table__, ("kind", "key", "notice_id"), audience)
        # Each reader opened about half of the newest tenth (what they would have seen).
        reads = (
            (row[0], reader, row[14])
            for row, _ in made[: max(count // 10, 1)]
            for reader in readers.values()
            if rng.random() < 0.5
        )
        insert(connection, NoticeRead.__table__, ("notice_id", "user_id", "read_at"), reads)
        _fix_sequences(connection, [Notice.__table__])
        connection.execute(text("ANALYZE"))
    for who, reader_id in readers.items():
        _timed(reader_id, today, 2)  # warm
        took = _timed(reader_id, today, samples)
        emit(
            NAME, "dashboard_notice_list", database=database.kind, notices=count, reader=who,
            **percentiles_ms(took),
        )  # fmt: skip


def run(size: Size) -> None:
    count, samples = SIZES.get(size.name, TARGET)
    for database in apps.databases("notices"):
        with apps.running(database):
            measure(database, count, samples)
