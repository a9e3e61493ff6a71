"""The database, dumped and loaded per dialect, each from one consistent snapshot.

SQLite: the library's online backup API copies the whole database in one step, inside one
read transaction, so writers (WAL mode) go on and the copy is the database as of one moment;
``PRAGMA integrity_check`` then checks the copy. PostgreSQL: a REPEATABLE READ transaction
exports its snapshot, the row counts are read in it and ``pg_dump --snapshot`` dumps exactly
it (custom format), so the manifest's counts and the dump agree whatever commits meanwhile.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, inspect, make_url, text
from sqlalchemy.engine import URL, Connection

from oa_platform.operations.exceptions import (
    DatabaseNotEmptyError,
    DumpToolError,
    OperationsError,
)

SQLITE_FILE = "database/oa.sqlite"
POSTGRES_FILE = "database/oa.pgdump"


@dataclass
class Dump:
    """A database dumped into ``path`` with what the manifest says of it."""

    path: Path
    member: str  # its name in the archive
    dialect: str
    server_version: str
    tool: str
    row_counts: dict[str, int]
    schema_revision: str | None


def dump(engine: Engine, folder: Path) -> Dump:
    """Dump ``engine``'s database into ``folder`` (SQLite or PostgreSQL)."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        return _dump_sqlite(engine, folder)
    if dialect == "postgresql":
        return _dump_postgres(engine, folder)
    raise OperationsError(f"Backups support SQLite and PostgreSQL, not {dialect}.")


def count_rows(connection: Connection | sqlite3.Connection, tables: Iterable[str]) -> dict:
    """Rows per table, read through ``connection`` (inside its current transaction)."""
    counts = {}
    for table in sorted(tables):
        statement = f'SELECT COUNT(*) FROM "{table}"'
        if isinstance(connection, sqlite3.Connection):
            counts[table] = connection.execute(statement).fetchone()[0]
        else:
            counts[table] = connection.execute(text(statement)).scalar_one()
    return counts


def table_names(engine: Engine) -> list[str]:
    """The database's own tables (not SQLite's internal ones)."""
    return [name for name in inspect(engine).get_table_names() if not name.startswith("sqlite_")]


def _revision(tables: Iterable[str], read) -> str | None:
    """Alembic's revision; None for a schema built from the models (tests). Checked by name
    first: on PostgreSQL a failed query would end the transaction that holds the snapshot."""
    return read("SELECT version_num FROM alembic_version") if "alembic_version" in tables else None


# --- SQLite -------------------------------------------------------------------------------


def sqlite_path(url: str | URL) -> Path:
    """The file of a SQLite URL (a database in memory cannot be backed up or restored)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise OperationsError("A SQLite database in memory has no file to back up or restore.")
    return Path(database)


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [name for (name,) in rows]


def _check_integrity(connection: sqlite3.Connection, what: str) -> None:
    result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise OperationsError(f"{what} fails SQLite's integrity check: {'; '.join(result[:5])}")


def _dump_sqlite(engine: Engine, folder: Path) -> Dump:
    target = folder / SQLITE_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(sqlite_path(engine.url), timeout=60)
    copy = sqlite3.connect(target)
    try:
        # pages=-1 (the default): the whole database in one step, one read transaction, so
        # the copy is one moment's database; in steps, a concurrent write would restart it.
        source.backup(copy)
        _check_integrity(copy, "The backup copy")
        tables = _sqlite_tables(copy)
        counts = count_rows(copy, tables)
        revision = _revision(tables, lambda sql: copy.execute(sql).fetchone()[0])
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        copy.close()
        source.close()
    return Dump(
        target,
        SQLITE_FILE,
        "sqlite",
        sqlite3.sqlite_version,
        "sqlite3 online backup API",
        counts,
        revision,
    )


def load_sqlite(dump_file: Path, url: str | URL, *, replace: bool) -> None:
    """Copy a dumped SQLite database into the database file of ``url``."""
    path = sqlite_path(url)
    if path.exists() and path.stat().st_size:
        with sqlite3.connect(path) as existing:
            tables = _sqlite_tables(existing)
        if tables and not replace:
            raise DatabaseNotEmptyError(
                f"The database {path} is not empty ({len(tables)} tables): restore into an"
                " empty database, or pass --replace to overwrite it."
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump_file)
    target = sqlite3.connect(path)
    try:
        source.backup(target)
        _check_integrity(target, "The restored database")
    finally:
        target.close()
        source.close()


# --- PostgreSQL ---------------------------------------------------------------------------


def _major(version_line: str) -> int:
    found = re.search(r"(\d+)(?:\.\d+)?", version_line)
    if not found:
        raise DumpToolError(f"Cannot read a version from {version_line!r}.")
    return int(found.group(1))


def _tool(name: str) -> tuple[str, str]:
    """The PostgreSQL client tool ``name`` and its version line."""
    path = shutil.which(name)
    if path is None:
        raise DumpToolError(
            f"{name} is not installed: install the PostgreSQL client of the server's version"
            " (e.g. apt-get install postgresql-client)."
        )
    line = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    return path, line.strip()


def _environment(url: URL) -> dict[str, str]:
    """libpq's variables for ``url``: the password never appears on a command line."""
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _run(command: list[str], url: URL, what: str) -> None:
    done = subprocess.run(command, env=_environment(url), capture_output=True, text=True)
    if done.returncode:
        raise DumpToolError(f"{what} failed: {done.stderr.strip()[-2000:]}")


def _postgres_tables(connection: Connection) -> list[str]:
    rows = connection.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    )
    return list(rows.scalars())


def _dump_postgres(engine: Engine, folder: Path) -> Dump:
    tool, tool_line = _tool("pg_dump")
    target = folder / POSTGRES_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        # The snapshot first: the counts below and pg_dump then read this same moment.
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        server = connection.execute(text("SHOW server_version")).scalar_one()
        if _major(tool_line) < _major(server):
            raise DumpToolError(
                f"{tool_line} is older than the server (PostgreSQL {server}): install the"
                " client of the server's major version."
            )
        tables = _postgres_tables(connection)
        counts = count_rows(connection, tables)
        revision = _revision(tables, lambda sql: connection.execute(text(sql)).scalar())
        _run(
            [tool, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            engine.url,
            "pg_dump",
        )
        connection.rollback()
    return Dump(target, POSTGRES_FILE, "postgresql", server, tool_line, counts, revision)


def load_postgres(dump_file: Path, url: str | URL, *, dump_tool: str, replace: bool) -> None:
    """``pg_restore`` a custom-format dump into the (empty) database of ``url``."""
    url = make_url(url)
    tool, tool_line = _tool("pg_restore")
    if _major(tool_line) < _major(dump_tool):
        raise DumpToolError(
            f"{tool_line} cannot read a dump made by {dump_tool}: install a newer client."
        )
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            tables = _postgres_tables(connection)
            if tables and not replace:
                raise DatabaseNotEmptyError(
                    f"The database {url.database} is not empty ({len(tables)} tables): restore"
                    " into an empty database, or pass --replace to overwrite it."
                )
            if tables:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    _run(
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={url.database}",
            str(dump_file),
        ],
        url,
        "pg_restore",
    )
