"""The people picker at size (issue 19, "The task page"): its search and its tree over
100,000 accounts with Chinese names, on SQLite and PostgreSQL; the target is a p95 of at most
50 ms (the picker asks once per pause in typing).

The accounts are written in bulk with their search terms as the platform computes them
(``person_terms.terms_of``: names, user name, pinyin in full and as initials): common family
names (张 王 李 刘 陈 ...) and given names of one or two characters, so "zw" and "zhangwei" find
hundreds of namesakes, as in a real group. Each sample is what the endpoint does for one
request: ``people_picker.search`` (a query typed) or ``people_picker.children`` (a
department opened), on an empty session.
"""

from __future__ import annotations

import random
import time
from datetime import datetime

from benchmarks import apps
from benchmarks.dataset import USER_COLUMNS, _fix_sequences, _next_id, insert
from benchmarks.report import emit, percentiles_ms, stopwatch
from benchmarks.sizes import Size

NAME = "people_picker"
# Not scaled with --size but for the smoke test and a shared machine: (accounts, samples).
SIZES = {"tiny": (300, 5), "tenth": (10_000, 100)}
TARGET = (100_000, 200)
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰鹏辉建国志文斌宇浩凯晨欣怡"
# (what is typed, what it stands for): initials, full pinyin, Chinese, a given name, a user
# name, one letter (the widest match), and a name nobody has.
QUERIES = (
    ("zw", "initials"),
    ("zhangwei", "full pinyin"),
    ("张伟", "Chinese"),
    ("wei", "given name"),
    ("u4242", "user name"),
    ("z", "one letter"),
    ("qqqq", "nobody"),
)


def _accounts(rng: random.Random, first: int, count: int, departments: list[int], now):
    for uid in range(first, first + count):
        family = rng.choice(FAMILY)
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        yield (uid, given, family, f"u{uid}", f"u{uid}@example.com", "!", True,
               rng.choice(departments), None, False, now, now, now)  # fmt: skip


def generate(count: int) -> int:
    """Write ``count`` accounts and their terms in bulk; return the terms written."""
    from sqlalchemy import select, text

    from oa_platform.accounts.models import OAUser
    from oa_platform.extensions import db
    from oa_platform.org.models import Department
    from oa_platform.org.person_terms import PersonTerm, terms_of

    rng = random.Random(19)
    now = datetime(2026, 12, 1)
    with db.engine.begin() as connection:
        departments = list(connection.scalars(select(Department.id)))
        table = OAUser.metadata.tables["ab_user"]
        first = _next_id(connection, table)
        rows = list(_accounts(rng, first, count, departments, now))
        insert(connection, table, USER_COLUMNS, rows)
        terms = [(term, row[0]) for row in rows for term in terms_of(row[3], row[1], row[2], None)]
        insert(connection, PersonTerm.__table__, ("term", "user_id"), terms)
        _fix_sequences(connection, [table])
        connection.execute(text("ANALYZE"))
    if db.engine.dialect.name == "postgresql":
        # As autovacuum leaves a table: a bulk load's visibility map is empty until then.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE org_person_term"))
    return len(terms)


def _timed(call, samples: int) -> tuple[list[float], int]:
    from oa_platform.extensions import db

    call()  # warm: statements built and cached once
    took, found = [], 0
    for _ in range(samples):
        db.session.expunge_all()
        start = time.perf_counter()
        listing = call()
        took.append(time.perf_counter() - start)
        found = len(listing.people)
    return took, found


def measure(database: apps.Database, count: int, samples: int) -> None:
    """Emit p50/p95 of each query's first page and of opening the largest department."""
    from sqlalchemy import func, select

    from oa_platform.accounts.models import OAUser
    from oa_platform.extensions import db
    from oa_platform.org import people_picker

    with stopwatch() as took:
        terms = generate(count)
    emit(NAME, "bulk_generate", database=database.kind, accounts=count, terms=terms,
         seconds=round(took[0], 1))  # fmt: skip
    session = db.session
    for query, kind in QUERIES:
        times, found = _timed(lambda q=query: people_picker.search(session, q, 1), samples)
        emit(
            NAME, "people_search", database=database.kind, accounts=count, query=query,
            kind=kind, first_page=found, target="p95 <= 50 ms", **percentiles_ms(times),
        )  # fmt: skip
    largest, members = session.execute(
        select(OAUser.department_id, func.count())
        .group_by(OAUser.department_id)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    for page in (1, 20):
        times, found = _timed(
            lambda p=page: people_picker.children(session, f"d{largest}", p), samples
        )
        emit(NAME, "department_page", database=database.kind, accounts=count,
             department_members=members, page=page, shown=found, target="p95 <= 50 ms",
             **percentiles_ms(times))  # fmt: skip


def measure_pages(app, database: apps.Database, count: int, samples: int) -> None:
    """Emit p50/p95 and size of the pages where a form chooses a person: a leave request's
    start form (its handover colleague) and the head's task page (transfer, add signer).
    The picker finds people; the page lists only whom it holds, so neither grows with the
    group (before: 2.2 s and 4.9 MB, 2.0 s and 9.8 MB at 100,000 accounts on SQLite)."""
    from oa_platform.demo import DEMO_PASSWORD
    from oa_platform.extensions import db
    from oa_platform.runtime.services import runtime
    from tests.conftest import user
    from tests.runtime_helpers import files, form

    instance = runtime().submit(
        user("staff"), "leave_request", form("leave_request"), files("leave_request")
    )
    db.session.commit()
    pages = {
        "start_form": ("staff", "/processes/leave_request/start"),
        "task_page": ("head", f"/instances/{instance.id}"),
    }
    for figure, (username, path) in pages.items():
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": DEMO_PASSWORD})
        took, size = [], 0
        for _ in range(samples + 1):  # the first warms the statements and templates
            start = time.perf_counter()
            answer = client.get(path)
            took.append(time.perf_counter() - start)
            assert answer.status_code == 200, (path, answer.status_code)
            size = len(answer.data)
        emit(NAME, figure, database=database.kind, accounts=count, bytes=size,
             target="does not grow with the accounts", **percentiles_ms(took[1:]))  # fmt: skip


def run(size: Size) -> None:
    count, samples = SIZES.get(size.name, TARGET)
    for database in apps.databases("people_picker"):
        with apps.running(database) as app:
            measure(database, count, samples)
            measure_pages(app, database, count, min(samples, 50))
