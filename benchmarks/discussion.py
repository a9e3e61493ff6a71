"""The discussion area at size (issue 21): the unanswered-posts list of a department (§8.2:
oldest first, the first page) and the unanswered and overdue counts of every department, over
1,000,000 posts, on SQLite and PostgreSQL. Target: p95 at most 20 ms for the list.

The posts are spread over the demo's departments; one in twenty is still unanswered (a third
of those past their 24-hour deadline), the rest answered within a day. The list reads the
partial index ``ix_discussion_post_unanswered`` (unanswered published posts only).
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from benchmarks import apps
from benchmarks.dataset import _fix_sequences, insert
from benchmarks.report import emit, percentiles_ms, stopwatch
from benchmarks.sizes import Size

NAME = "discussion"
# The size for ``full`` (the target is stated at it), a tenth for the growth figures,
# tiny for the smoke test: (posts, samples).
SIZES = {"tiny": (1_000, 10), "tenth": (100_000, 100)}
TARGET = (1_000_000, 300)
POST_COLUMNS = (
    "id", "board_id", "author_id", "title", "body", "concerns", "department_id", "handler_id",
    "approver_id", "status", "created_at", "due_at", "answered_at",
)  # fmt: skip


def _rows(rng: random.Random, first: int, count: int, boards, departments, author, now):
    for n in range(count):
        department, handler = departments[n % len(departments)]
        created = now - timedelta(minutes=rng.randrange(1, 2 * 365 * 24 * 60))
        due = created + timedelta(hours=24)
        answered = None if rng.random() < 0.05 else created + timedelta(hours=rng.random() * 30)
        if answered is None and rng.random() < 0.67:
            created = now - timedelta(hours=rng.random() * 23)  # most waiting ones are recent
            due = created + timedelta(hours=24)
        yield (
            first + n, boards[n % len(boards)], author, f"帖子{n}", "内容", "department",
            department, handler, None, "published", created, due, answered,
        )  # fmt: skip


def _timed(query, samples: int) -> list[float]:
    from oa_platform.extensions import db

    took = []
    for _ in range(samples):
        db.session.expunge_all()
        start = time.perf_counter()
        query()
        took.append(time.perf_counter() - start)
    return took


def measure(database: apps.Database, posts: int, samples: int) -> None:
    """Emit the bulk load time and the unanswered list's and counts' p50/p95."""
    from sqlalchemy import select, text

    from form_builder.clock import utcnow
    from oa_platform.discussion import commands, queries
    from oa_platform.discussion.models import Board, Post
    from oa_platform.extensions import db
    from oa_platform.org.models import Department
    from tests.conftest import user

    commands.ensure_boards(db.session)
    boards = list(db.session.scalars(select(Board.id)))
    departments = [
        (d.id, d.head_id) for d in db.session.scalars(select(Department).order_by(Department.id))
    ]
    author = user("staff").id
    now = utcnow()
    rng = random.Random(21)
    with stopwatch() as took, db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        rows = _rows(rng, 1, posts, boards, departments, author, now)
        insert(connection, Post.__table__, POST_COLUMNS, rows)
        _fix_sequences(connection, [Post.__table__])
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    emit(NAME, "bulk_load", database=database.kind, posts=posts, seconds=round(took[0], 1))

    department = departments[0][0]
    waiting = queries.unanswered_counts(db.session, [department])[department][0]
    queries.unanswered(db.session, department)  # warm
    took = _timed(lambda: queries.unanswered(db.session, department), samples)
    emit(
        NAME, "unanswered_first_page", database=database.kind, posts=posts,
        department_unanswered=waiting, **percentiles_ms(took),
    )  # fmt: skip
    took = _timed(
        lambda: queries.unanswered(db.session, department, offset=10 * queries.PAGE),
        samples,
    )
    emit(NAME, "unanswered_page_11", database=database.kind, posts=posts, **percentiles_ms(took))
    ids = [d for d, _h in departments]
    queries.unanswered_counts(db.session, ids)  # warm
    took = _timed(lambda: queries.unanswered_counts(db.session, ids), max(samples // 3, 2))
    emit(
        NAME, "unanswered_counts_all_departments", database=database.kind, posts=posts,
        departments=len(ids), **percentiles_ms(took),
    )  # fmt: skip


def run(size: Size) -> None:
    posts, samples = SIZES.get(size.name, TARGET)
    for database in apps.databases("discussion"):
        with apps.running(database):
            measure(database, posts, samples)
