"""Official documents at size (issue 20): distributing one document to 10,000 people (units
expanded at issue, one bulk insert), that document's receipt board, and the library's search
over 100,000 issued documents (a Chinese word of two characters), on SQLite and PostgreSQL.

The distribution figure times the leader's sign-off as the page makes it: the action, then the
numbering job and the distribution job the engine runs after it (in-process here), so it is an
upper bound of the distribution alone.
"""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta

from benchmarks import apps
from benchmarks.dataset import _fix_sequences, _people, insert
from benchmarks.report import emit, percentiles_ms, stopwatch
from benchmarks.sizes import Size

NAME = "documents"
# The sizes (not scaled with --size, the targets are stated at them); tiny for the
# smoke test: (recipients, library documents, samples).
SIZES = {"tiny": (20, 200, 4)}
TARGET = (10_000, 100_000, 200)
# The library's text: office words, 报销 in about 1 document in 100, 审计 in 1 in 10,000.
WORDS = (
    "通知",
    "会议",
    "安全",
    "生产",
    "财务",
    "人事",
    "培训",
    "检查",
    "制度",
    "年度",
    "计划",
    "总结",
)
DOCUMENT_COLUMNS = (
    "id", "direction", "kind", "issuing_unit", "issuing_unit_name", "number", "title", "urgency",
    "security_level", "issue_date", "body", "search_text", "attachments", "main_recipients",
    "copy_recipients", "content_sha256", "status", "drafter_id", "issued_at", "recipient_count",
    "remind_after_hours",
)  # fmt: skip


def _library_rows(rng: random.Random, first: int, drafter: int, today: date, count: int):
    for n in range(count):
        words = rng.choices(WORDS, k=12)
        if rng.random() < 0.01:
            words.insert(rng.randrange(len(words)), "报销")
        if n % 10_000 == 5_000:
            words.insert(0, "审计")
        title = "关于" + "".join(words[:3]) + "的通知"
        body = "，".join(words) + "。"
        number = f"库〔{2020 + n % 6}〕{n + 1}号"
        issued = today - timedelta(days=n % 2000)
        yield (
            first + n, "outgoing", "document", "GRP/OFFICE", "Group Office (GRP)", number, title,
            "routine", "ordinary", issued, f"<p>{body}</p>",
            f"{number} {title} {body}".lower(), "[]",
            '["company:GRP"]', "[]", "0" * 64, "issued", drafter,
            datetime.combine(issued, datetime.min.time()), 0, 24.0,
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


def measure(database: apps.Database, recipients: int, library: int, samples: int) -> None:
    """Emit the distribution time, the board's and the library search's p50/p95."""
    from sqlalchemy import select, text, update

    from form_builder.clock import utcnow
    from oa_platform.documents import queries, receipts, search
    from oa_platform.documents.models import Document, DocumentTerm, Recipient
    from oa_platform.extensions import db
    from tests.conftest import user
    from tests.document_helpers import draft, issued
    from tests.runtime_helpers import act_at

    with db.engine.begin() as connection:
        _people(connection, recipients, utcnow())
        _fix_sequences(
            connection, [Document.metadata.tables[t] for t in ("ab_user", "ab_user_role")]
        )
    instance = draft(main_recipients="company:GRP\ncompany:HLD\ncompany:SLS", copy_recipients=None)
    act_at(instance, "leader", "agree", "department_review")
    act_at(instance, "secretary", "agree", "office_check")
    with apps.counting_statements() as statements, stopwatch() as took:
        act_at(instance, "leader", "agree", "sign_off")
    document = issued(instance)
    document_id = document.id
    emit(
        NAME, "sign_off_number_and_distribute", database=database.kind,
        recipients=document.recipient_count, seconds=round(took[0], 3), statements=statements[0],
    )  # fmt: skip

    # A third have opened it, a tenth acknowledged: the board's order has work to do.
    ids = list(db.session.scalars(select(Recipient.id).where(Recipient.document_id == document.id)))
    rng = random.Random(20)
    opened = rng.sample(ids, len(ids) // 3)
    now = utcnow()
    db.session.execute(
        update(Recipient)
        .where(Recipient.id.in_(opened))
        .values(first_opened_at=now, last_opened_at=now)
    )
    db.session.execute(
        update(Recipient)
        .where(Recipient.id.in_(opened[: len(ids) // 10]))
        .values(acknowledged_at=now)
    )
    db.session.commit()
    # Right after the writes (PostgreSQL has no statistics of the new rows yet, as in the
    # minutes after a large document's issue), then, on PostgreSQL, as autovacuum leaves the
    # table (statistics, visibility map). SQLite never gets statistics: the platform does not
    # run ANALYZE there.
    states = ["none"] + (["autovacuum"] if database.kind == "postgresql" else [])
    for statistics in states:
        if statistics == "autovacuum":
            db.session.remove()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE document_recipient, ab_user"))
        receipts.board(db.session, db.session.get(Document, document_id))  # warm
        took = _timed(
            lambda: receipts.board(db.session, db.session.get(Document, document_id)), samples
        )
        emit(
            NAME,
            "receipt_board_first_page",
            database=database.kind,
            recipients=len(ids),
            statistics=statistics,
            **percentiles_ms(took),
        )

    drafter = user("clerk").id
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        first = int(connection.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM document")))
        rows = list(_library_rows(rng, first, drafter, date.today(), library))
        insert(connection, Document.__table__, DOCUMENT_COLUMNS, rows)
        index = ((term, row[0]) for row in rows for term in sorted(search.terms(row[11])))
        insert(connection, DocumentTerm.__table__, ("term", "document_id"), index)
        _fix_sequences(connection, [Document.__table__])
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    if db.engine.dialect.name == "postgresql":
        # A bulk load leaves the visibility map empty until (auto)vacuum runs: the word index
        # is then read through the heap, one page per matching row (936 pages for 报销's 981
        # documents, EXPLAIN in docs/performance.md). Measure the library as autovacuum keeps
        # it, as the file library's benchmark does. VACUUM cannot run inside a transaction.
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE document_term, document"))
    today = date.today()
    for who in ("auditor", "staff"):
        reader = user(who)
        for word, share in (("报销", "1%"), ("审计", "0.01%")):
            query = queries.LibraryQuery(text=word)
            queries.library(db.session, reader, query, today)  # warm
            took = _timed(
                lambda q=query, r=reader: queries.library(db.session, r, q, today),
                max(samples // 2, 2),
            )
            emit(
                NAME, "library_search", database=database.kind, documents=library + 1,
                reader=who, word=word, share=share, **percentiles_ms(took),
            )  # fmt: skip


def run(size: Size) -> None:
    recipients, library, samples = SIZES.get(size.name, TARGET)
    for database in apps.databases("documents"):
        with apps.running(database):
            measure(database, recipients, library, samples)
