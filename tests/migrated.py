"""A database Alembic built (not the models), with the demo data, for tests of what a
revision does to the data of an existing installation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask


@contextmanager
def migrated_demo(tmp_path: Path, database_kind: str) -> Iterator[Flask]:
    """An app context of an app on a migrated database with the demo data loaded."""
    from flask_migrate import upgrade

    from oa_platform import create_app
    from oa_platform.demo import load_demo_data
    from oa_platform.extensions import db
    from tests.conftest import TEST_CONFIG, fresh_postgres_url

    if database_kind == "postgresql":
        url = fresh_postgres_url()
    else:
        url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    settings = {"SQLALCHEMY_DATABASE_URI": url, "OA_ATTACHMENT_DIR": str(tmp_path)}
    app = create_app({**TEST_CONFIG, **settings})
    with app.app_context():
        upgrade()
        app.appbuilder.sm.sync_roles()
        load_demo_data()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def replay(revision: str) -> None:
    """Run ``revision`` again on the data as it is now: down to just before it, then up."""
    from flask_migrate import downgrade, upgrade

    from oa_platform.extensions import db

    db.session.remove()  # no transaction may hold the tables the revisions alter
    downgrade(revision=f"{revision}-1")
    upgrade()
