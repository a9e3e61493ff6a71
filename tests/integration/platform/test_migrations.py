"""The Alembic revisions build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from oa_platform import create_app
from oa_platform.models import metadata
from tests.conftest import TEST_CONFIG, fresh_postgres_url


def assert_upgrade_matches_models(url: str) -> None:
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from oa_platform.extensions import db

        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            drift = compare_metadata(context, metadata)
            tables = set(inspect(connection).get_table_names())
        downgrade(revision="base")
        with db.engine.connect() as connection:
            left = set(inspect(connection).get_table_names()) - {"alembic_version"}
        db.session.remove()
        db.engine.dispose()
    assert drift == [], f"migrations and models differ: {drift}"
    assert set(metadata.tables) <= tables
    assert left == set(), f"downgrade left tables behind: {left}"


def test_upgrade_on_an_empty_sqlite_database_gives_the_models_schema(tmp_path):
    assert_upgrade_matches_models(f"sqlite:///{tmp_path / 'fresh.sqlite'}")


@pytest.mark.postgres
def test_upgrade_on_an_empty_postgresql_database_gives_the_models_schema():
    assert_upgrade_matches_models(fresh_postgres_url())
