"""The databases a run measures and an application built on each, with the demo data.

SQLite is always measured (a file in a fresh temporary folder, WAL, as ``make run`` uses);
PostgreSQL only when ``OA_BENCH_POSTGRES_URL`` names a database the run may wipe: its
``public`` schema is dropped and built again.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, text

POSTGRES_ENV = "OA_BENCH_POSTGRES_URL"
# Which databases a run measures, comma-separated (default both; PostgreSQL when configured).
DATABASES_ENV = "OA_BENCH_DATABASES"
# One scratch folder per run for SQLite files, attachments and gunicorn's logs.
SCRATCH = Path(tempfile.mkdtemp(prefix="oa-bench-"))
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)  # a full run leaves GiBs here
os.environ.setdefault("OA_INSTANCE_DIR", str(SCRATCH / "instance"))

# Production-like settings, except cheap password hashing (log-ins are not measured) and
# Celery jobs in-process (no broker to run; the expense chain queues none).
BENCH_CONFIG = {
    "SECRET_KEY": "benchmark-only-secret",
    "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "CELERY_TASK_ALWAYS_EAGER": True,
    "AUTH_RATE_LIMITED": False,
}


@dataclass(frozen=True)
class Database:
    """A database to measure: ``kind`` is "sqlite" or "postgresql"."""

    kind: str
    url: str


def databases(name: str) -> list[Database]:
    """A fresh SQLite file named ``name``, and PostgreSQL when configured; only those
    ``OA_BENCH_DATABASES`` names, when set (e.g. ``postgresql`` for the HTTP matrix alone)."""
    found = [Database("sqlite", f"sqlite:///{SCRATCH / f'{name}.sqlite'}")]
    postgres = os.environ.get(POSTGRES_ENV)
    if postgres:
        found.append(Database("postgresql", postgres))
    wanted = os.environ.get(DATABASES_ENV)
    if wanted:
        names = {kind.strip() for kind in wanted.split(",")}
        found = [database for database in found if database.kind in names]
    return found


def reset(database: Database) -> None:
    """Make ``database`` empty: delete the SQLite file or drop PostgreSQL's public schema."""
    if database.kind == "sqlite":
        path = Path(database.url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(database.url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def build_app(database: Database, **overrides: object) -> Flask:
    """The platform on an emptied ``database``: schema, roles, demo users and the published
    example definitions (the expense claim among them); ``overrides`` are settings."""
    from oa_platform import create_app
    from oa_platform.demo import load_demo_data
    from oa_platform.extensions import db
    from oa_platform.models import metadata

    reset(database)
    app = create_app(
        {
            **BENCH_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database.url,
            "OA_ATTACHMENT_DIR": str(SCRATCH / "attachments"),
            **overrides,
        }
    )
    with app.app_context():
        metadata.create_all(db.engine)
        app.appbuilder.sm.sync_roles()
        load_demo_data()
    return app


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    """``with counting_statements() as count:`` ... ``count[0]`` statements were sent to the
    current app's database meanwhile."""
    from sqlalchemy import event

    from oa_platform.extensions import db

    count = [0]

    def seen(*_args: object) -> None:
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        yield count
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


@contextmanager
def running(database: Database) -> Iterator[Flask]:
    """``build_app`` inside an application context, disposed of afterwards, for driving the
    runtime's commands directly (no request, so no CSRF token to check)."""
    from oa_platform.extensions import db

    app = build_app(database, WTF_CSRF_ENABLED=False)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
