"""Shared fixtures: a fresh application and database for every test (Flask's tutorial way).

The schema is built from the models here for speed; tests/integration/test_migrations.py
proves the Alembic revisions build exactly the same schema.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient

# config.py reads the environment at import: keep the tests' instance folder out of the repo.
os.environ.setdefault("OA_INSTANCE_DIR", tempfile.mkdtemp(prefix="oa-test-instance-"))
os.environ.pop("SECRET_KEY", None)
os.environ.pop("DATABASE_URL", None)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-only-secret-not-for-production-use",
    "WTF_CSRF_ENABLED": False,
    "AUTH_RATE_LIMITED": False,
    # Cheap hashing: scrypt's cost is the point in production, a burden in a test suite.
    "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SERVER_NAME": None,
    # Background jobs (webhooks, e-mail) run in the test's own process.
    "CELERY_TASK_ALWAYS_EAGER": True,
}


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as a server does, even while the test holds
    one open: otherwise ``g`` (FAB's ``g.user``) and the database session leak between
    requests and clients."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def build_app(database_url: str, **overrides):
    from oa_platform import create_app
    from oa_platform.extensions import db
    from oa_platform.models import metadata

    # Each app keeps its attachment files apart, as each has its own database.
    under = Path(os.environ["OA_INSTANCE_DIR"]) / "attachments"
    under.mkdir(parents=True, exist_ok=True)
    attachments = tempfile.mkdtemp(prefix="app-", dir=under)
    settings = {"OA_ATTACHMENT_DIR": attachments, "SQLALCHEMY_DATABASE_URI": database_url}
    app = create_app({**TEST_CONFIG, **settings, **overrides})
    app.test_client_class = IsolatedClient
    with app.app_context():
        metadata.create_all(db.engine)
        app.appbuilder.sm.sync_roles()
    return app


def pytest_generate_tests(metafunc):
    """Modules that set ``BOTH_DATABASES = True`` run every test on SQLite and PostgreSQL;
    ``DATABASES = ["postgresql"]`` names the databases outright (a race SQLite, which
    serialises writers, cannot have)."""
    if "database_kind" in metafunc.fixturenames:
        both = getattr(metafunc.module, "BOTH_DATABASES", False)
        kinds = getattr(metafunc.module, "DATABASES", ["sqlite", "postgresql"] if both else None)
        metafunc.parametrize("database_kind", kinds or ["sqlite"])


def fresh_postgres_url() -> str:
    """The test PostgreSQL database with an empty public schema, or a skip when unset."""
    from sqlalchemy import create_engine, text

    url = os.environ.get("OA_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("OA_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def app_factory(tmp_path, database_kind):
    """Build an app on a fresh database; keyword arguments override settings. Several apps
    in one test stand for several processes: on PostgreSQL they share the one database."""
    apps = []
    postgres_url = fresh_postgres_url() if database_kind == "postgresql" else None

    def factory(**overrides):
        url = postgres_url or f"sqlite:///{tmp_path / f'oa-{len(apps)}.sqlite'}"
        app = build_app(url, **overrides)
        apps.append(app)
        return app

    yield factory
    from oa_platform.extensions import db

    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def demo(ctx):
    """The demo organisation and users (the same data `make run` loads)."""
    from oa_platform.demo import load_demo_data

    load_demo_data()
    return ctx


@pytest.fixture
def client(demo):
    return demo.test_client()


def login(client, username: str, password: str | None = None, follow: bool = False):
    from oa_platform.demo import DEMO_PASSWORD

    return client.post(
        "/login/",
        data={"username": username, "password": DEMO_PASSWORD if password is None else password},
        follow_redirects=follow,
    )


def user(username: str):
    from flask import current_app

    return current_app.appbuilder.sm.find_user(username=username)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
