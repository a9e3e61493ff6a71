"""Databases built once per test run and copied for each test.

Building the schema and the roles costs about half a second per app, and the demo data as
much again; a copy costs milliseconds. SQLite copies a file; PostgreSQL makes the test
database anew with ``CREATE DATABASE ... TEMPLATE`` from a database built once. Each test
still gets a database of its own, exactly as if it had built it.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import create_engine, make_url, text

# What a template holds: the schema and roles alone, or the demo data too.
SCHEMA, DEMO = "schema", "demo"


def fill(app: Flask, content: str) -> None:
    """Build the schema and roles in ``app``'s empty database (and the demo data)."""
    from oa_platform.demo import load_demo_data
    from oa_platform.extensions import db
    from oa_platform.models import metadata

    with app.app_context():
        metadata.create_all(db.engine)
        app.appbuilder.sm.sync_roles()
        if content == DEMO:
            load_demo_data()
        db.session.remove()
        db.engine.dispose()


class Templates:
    """The run's template databases, each built the first time a test asks for it."""

    def __init__(self, folder: Path, build_app: Callable[..., Flask]):
        self.folder = folder
        self.build_app = build_app
        self.sqlite_files: dict[str, Path] = {}
        self.postgres_names: dict[str, str] = {}

    def sqlite(self, content: str, target: Path) -> str:
        """A copy of the ``content`` template at ``target``; returns its URL."""
        if content not in self.sqlite_files:
            path = self.folder / f"template-{content}.sqlite"
            fill(self.build_app(f"sqlite:///{path}", schema=False), content)
            with sqlite3.connect(path) as connection:  # one self-contained file to copy
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.execute("PRAGMA journal_mode=DELETE")
            self.sqlite_files[content] = path
        shutil.copyfile(self.sqlite_files[content], target)
        return f"sqlite:///{target}"

    def postgres(self, content: str, url: str) -> str:
        """The database of ``url`` made anew as a copy of the ``content`` template."""
        database = make_url(url).database
        if content not in self.postgres_names:
            name = f"{database}_template_{content}"
            _recreate(url, name, template=None)
            fill(
                self.build_app(
                    make_url(url).set(database=name).render_as_string(False), schema=False
                ),
                content,
            )
            self.postgres_names[content] = name
        _recreate(url, database, template=self.postgres_names[content])
        return url


def _recreate(url: str, name: str, template: str | None) -> None:
    """Drop database ``name`` (ending every session on it) and create it, from ``template``."""
    server = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        source = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{source}'))
    server.dispose()
