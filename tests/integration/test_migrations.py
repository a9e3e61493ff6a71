"""The Alembic revisions build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from oa_platform import create_app
from oa_platform.models import metadata
from tests.conftest import TEST_CONFIG


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
def test_upgrade_on_an_empty_postgresql_database_gives_the_models_schema(postgres_url):
    assert_upgrade_matches_models(postgres_url)


@pytest.fixture
def postgres_url():
    url = os.environ.get("OA_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("OA_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")
    engine = create_engine(url)
    # A fresh, empty schema: migrations must build everything themselves.
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    yield url
