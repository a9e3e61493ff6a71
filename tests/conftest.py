"""Shared fixtures: a fresh application and database for every test (Flask's tutorial way).

The schema is built from the models, once per run, into template databases that each test
copies (tests/database_templates.py); tests/integration/platform/test_migrations.py proves
the Alembic revisions build exactly the same schema.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests import hypothesis_profiles
from tests.database_templates import DEMO, SCHEMA, Templates

hypothesis_profiles.load()

# config.py reads the environment at import: keep the tests' instance folder out of the repo.
os.environ.setdefault("OA_INSTANCE_DIR", tempfile.mkdtemp(prefix="oa-test-instance-"))
os.environ.pop("SECRET_KEY", None)
os.environ.pop("DATABASE_URL", None)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DEMO_LOADED = "oa_test_demo_loaded"  # app.extensions key: the app's database has the demo

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-only-secret-not-for-production-use",
    "AUTH_RATE_LIMITED": False,
    # Cheap hashing: scrypt's cost is the point in production, a burden in a test suite.
    "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SERVER_NAME": None,
    # Background jobs (webhooks, e-mail) run in the test's own process.
    "CELERY_TASK_ALWAYS_EAGER": True,
    # The suite reads English: its apps default to English, as a browser asking for English
    # would get. The shipped default is zh_CN (config.py); tests/integration/platform/test_i18n.py
    # builds apps with it and reads Chinese.
    "OA_DEFAULT_LOCALE": "en",
}


_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class IsolatedClient(FlaskClient):
    """A browser, as far as the server can tell.

        Each request runs in its own app context, as on a server, even while the test holds one
        open: otherwise ``g`` (FAB's ``g.user``) and the database session leak between requests
        and clients. CSRF protection is on, as in production: a form post carries the real token
        of this client's session, as the page's hidden field would; a JSON post without an
        ``Authorization`` header (a page's script) carries it in ``X-CSRFToken``, and nothing else
    does: a template that forgot its token still fails. Pass
        ``csrf=False`` to post as a forged cross-site request would, without it.
    """

    def open(self, *args, csrf: bool = True, **kwargs):
        if csrf and kwargs.get("method", "GET").upper() in _UNSAFE:
            self._add_token(kwargs)
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def _add_token(self, kwargs: dict) -> None:
        headers = dict(kwargs.get("headers") or {})
        if "Authorization" in headers:
            return  # a JWT client: no cookie, nothing to forge
        data = kwargs.get("data")
        if "json" in kwargs or isinstance(data, bytes | str):
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        elif data is None:
            kwargs["data"] = {"csrf_token": self.csrf_token()}
        elif isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        elif hasattr(data, "add") and "csrf_token" not in data:  # a MultiDict
            data = data.copy()
            data.add("csrf_token", self.csrf_token())
            kwargs["data"] = data

    def csrf_token(self) -> str:
        """A token for this client's session, made by Flask-WTF exactly as a page makes the
        one in its form (the raw secret is kept in the session cookie)."""
        from flask import session
        from flask_wtf.csrf import generate_csrf

        app = self.application
        with self.session_transaction() as saved, app.app_context(), app.test_request_context():
            session.update(saved)
            token = generate_csrf()
            saved.update(session)
        return token


def build_app(database_url: str, *, schema: bool = True, **overrides):
    """An app on ``database_url``; ``schema=False`` when the database already has it (a
    copy of a template)."""
    from oa_platform import create_app

    # Each app keeps its attachment files apart, as each has its own database.
    under = Path(os.environ["OA_INSTANCE_DIR"]) / "attachments"
    under.mkdir(parents=True, exist_ok=True)
    attachments = tempfile.mkdtemp(prefix="app-", dir=under)
    settings = {"OA_ATTACHMENT_DIR": attachments, "SQLALCHEMY_DATABASE_URI": database_url}
    app = create_app({**TEST_CONFIG, **settings, **overrides})
    app.test_client_class = IsolatedClient
    if schema:
        from oa_platform.extensions import db
        from oa_platform.models import metadata

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


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory) -> Templates:
    return Templates(tmp_path_factory.mktemp("database-templates"), build_app)


@pytest.fixture
def app_factory(request, tmp_path, database_kind, database_templates):
    """Build an app on a fresh database; keyword arguments override settings. Several apps
    in one test stand for several processes: on PostgreSQL they share the one database.

    The database is a copy of a template built once per run; the first app of a test that
    asks for the demo data gets it in the copy (the ``demo`` fixture then has nothing to do).
    """
    apps = []
    wants_demo = "demo" in request.fixturenames
    postgres_url = None
    if database_kind == "postgresql":
        postgres_url = os.environ.get("OA_TEST_POSTGRES_URL")
        if not postgres_url:
            pytest.skip("OA_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")

    def factory(**overrides):
        content = DEMO if wants_demo and not apps else SCHEMA
        if postgres_url is None:
            url = database_templates.sqlite(content, tmp_path / f"oa-{len(apps)}.sqlite")
        elif not apps:
            url = database_templates.postgres(content, postgres_url)
        else:
            url, content = postgres_url, None  # the same database as the first app
        app = build_app(url, schema=False, **overrides)
        app.extensions[DEMO_LOADED] = content == DEMO
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

    if not ctx.extensions.get(DEMO_LOADED):
        load_demo_data()
    return ctx


@pytest.fixture
def client(demo):
    return demo.test_client()


@pytest.fixture
def api(client):
    """The process API as a client with only a JWT calls it: ``api(method, user, path)``."""
    from tests.api_client import JwtClient

    return JwtClient(client)


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
