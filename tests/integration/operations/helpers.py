"""What the operations tests share: a realistic database to back up (the demo plus
instances with attachments of their own), a fresh empty database to restore into, and the
comparisons a restore must pass (every table's rows, every file)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from sqlalchemy import MetaData, create_engine, make_url, select
from werkzeug.datastructures import FileStorage, MultiDict

from oa_platform.operations.restore import postgres_beside
from oa_platform.runtime.services import runtime
from tests.conftest import build_app, user
from tests.runtime_helpers import PDF, agree_through, form


def receipt_bytes(number: int) -> bytes:
    """The bytes of receipt ``number``: a PDF of its own (the store keeps one per content)."""
    return PDF.replace(b"%%EOF", f"% receipt {number}\n%%EOF".encode())


def receipt(number: int) -> MultiDict:
    """A receipt upload of its own for an expense claim."""
    content = receipt_bytes(number)
    upload = FileStorage(
        io.BytesIO(content), filename=f"receipt-{number}.pdf", name="receipts-files"
    )
    return MultiDict([("receipts-files", upload)])


def claim(number: int, *, finish: bool):
    """An expense claim with its own receipt, finished (approved through) or left running."""
    instance = runtime().submit(
        user("staff"),
        "expense_claim",
        form("expense_claim", purpose=f"Visit {number}"),
        receipt(number),
    )
    return agree_through(instance) if finish else instance


def empty_database(database_kind: str, tmp_path: Path, name: str = "restored") -> str:
    """The URL of an empty database of ``database_kind`` (SQLite file, or a PostgreSQL
    database beside the test one, made anew)."""
    if database_kind == "sqlite":
        return f"sqlite:///{tmp_path / f'{name}.sqlite'}"
    url = make_url(os.environ["OA_TEST_POSTGRES_URL"])
    return postgres_beside(url, f"{url.database}_{name}", create=True)


def app_on(url: str, tmp_path: Path, name: str, **settings):
    """An app on the existing (possibly empty) database ``url`` with its own attachment
    folder: a new machine."""
    return build_app(
        url, schema=False, OA_ATTACHMENT_DIR=str(tmp_path / f"{name}-files"), **settings
    )


def table_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    engine = create_engine(url)
    found = MetaData()
    found.reflect(engine)
    rows = {}
    with engine.connect() as connection:
        for table in sorted(found.tables.values(), key=lambda t: t.name):
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [
                tuple(r) for r in connection.execute(select(table).order_by(*order))
            ]
    engine.dispose()
    return rows


def folder_files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes, by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def run_cli(app, *args: str):
    """``flask oa <args>`` on ``app`` (its own app context, as its own process would have)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["oa", *args])
