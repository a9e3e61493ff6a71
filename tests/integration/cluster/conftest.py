"""The platform's processes running for real (oa_platform/cluster.py): the production shape
(two gunicorn web servers, two Celery workers, beat, PostgreSQL, Redis) and the embedded
default (one web server, one worker, beat, SQLite), with the demo's people loaded, and the
test's own app on the same database to look at what the processes did.

The production shape needs ``OA_TEST_POSTGRES_URL`` and ``OA_TEST_REDIS_URL`` (CI sets them);
it runs on a database of its own beside that one (``<name>_cluster``) and its Redis database is
emptied before and after. ``production``, the cluster of the fault and load tests, has a Redis
of its own (``redis-server`` on a free port, nothing saved), so that stopping it disturbs no
other test run, and its attachments on a 1 MB tmpfs (mounting needs root, as in CI). The
PostgreSQL restart test runs a cluster of its own on a PostgreSQL server of its own
(``private_postgres``), never restarting the shared one.

``production`` serves the other modules here and is stopped when the run leaves this
directory (``pytest_runtest_teardown``): a "package" fixture in a directory without
``__init__.py`` lives until the session ends, and the cluster's workers, polling every
second, then fired the deadlines of the timer tests that ran later.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import make_url

from oa_platform.cluster import EMBEDDED, PRODUCTION, Cluster, Shape, environment
from oa_platform.processes import wait_for
from tests.conftest import build_app
from tests.database_templates import DEMO, Templates
from tests.network_client import NetworkJwtClient

# Beat polls the timers every second, so a deadline moved into the past fires at once.
SETTINGS = {
    "OA_TIMER_INTERVAL_SECONDS": "1",
    "OA_TIMER_LEASE_SECONDS": "10",
    # The tests' clients all come from 127.0.0.1: the log-in limit is for attackers.
    "AUTH_RATE_LIMIT": "1000 per minute",
    "OA_DEFAULT_LOCALE": "en",
    # Cheap hashing for the demo's people (production keeps scrypt).
    "FAB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
}


@dataclass
class Running:
    """A started cluster, the test's app on its database and a client spread over its
    web servers."""

    name: str
    cluster: Cluster
    app: Flask
    database_url: str

    def client(self) -> NetworkJwtClient:
        return NetworkJwtClient(self.cluster.urls)


def free_ports(count: int) -> tuple[int, ...]:
    """Loopback ports nothing listens on now (other test runs may share the machine)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for each in sockets:
            each.bind(("127.0.0.1", 0))
        return tuple(each.getsockname()[1] for each in sockets)
    finally:
        for each in sockets:
            each.close()


def production_urls() -> tuple[str, str]:
    """The cluster's own PostgreSQL database (beside the tests' one) and the tests' Redis."""
    database_url = os.environ.get("OA_TEST_POSTGRES_URL")
    redis_url = os.environ.get("OA_TEST_REDIS_URL")
    if not database_url or not redis_url:
        pytest.skip("OA_TEST_POSTGRES_URL and OA_TEST_REDIS_URL are needed for the cluster")
    url = make_url(database_url)
    return url.set(database=f"{url.database}_cluster").render_as_string(False), redis_url


HERE = Path(__file__).parent
# What the cluster tests started for the whole directory, stopped on leaving it.
_LEAVING = ExitStack()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Stop the directory's cluster once the next test is elsewhere (or there is none)."""
    if nextitem is None or not nextitem.path.is_relative_to(HERE):
        _LEAVING.close()


@pytest.fixture(scope="session")
def leaving_directory() -> Iterator[ExitStack]:
    """Where a fixture shared by this directory's modules registers its stopping."""
    with _LEAVING:
        yield _LEAVING


@contextmanager
def run_cluster(
    name: str,
    shape: Shape,
    directory: Path,
    templates: Templates,
    redis_url: str | None = None,
    *,
    postgres_url: str | None = None,
    **settings: str,
) -> Iterator[Running]:
    """Start ``shape`` on a fresh demo database (PostgreSQL when ``redis_url`` is given, with
    Redis as broker and rate-limit store; else SQLite); stop it afterwards and print the
    processes' logs (pytest shows them when a test failed). The PostgreSQL database is
    ``postgres_url`` if given, else the cluster's own beside the tests' one."""
    shape = Shape(free_ports(len(shape.ports)), shape.workers, shape.web_workers, 1)
    if redis_url:
        database_url = templates.postgres(DEMO, postgres_url or production_urls()[0])
        redis.Redis.from_url(redis_url).flushdb()
    else:
        (directory / "instance").mkdir(parents=True, exist_ok=True)
        database_url = templates.sqlite(DEMO, directory / "instance" / "oa.sqlite")
    env = environment(directory, database_url, redis_url, **{**SETTINGS, **settings})
    cluster = Cluster(shape, directory, env)
    app = build_app(database_url, schema=False)
    try:
        cluster.start()
        yield Running(name, cluster, app, database_url)
    finally:
        cluster.stop()
        print(cluster.report())
        from oa_platform.extensions import db

        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if redis_url:
            redis.Redis.from_url(redis_url).flushdb()


ATTACHMENT_DISK = "1m"


@dataclass
class PrivateRedis:
    """A redis-server of the test's own, stopped and started at will."""

    port: int
    directory: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        answering = wait_for(self.ping, 30, every=0.1)
        assert answering, "redis-server did not start"

    def ping(self) -> bool:
        try:
            return (
                subprocess.run(
                    ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
                ).stdout.strip()
                == "PONG"
            )
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # as an outage: no save, no goodbye to the clients
            self.process.wait()
            self.process = None


def postgres_programs() -> Path | None:
    """The folder of the newest PostgreSQL server programs installed (Debian's layout), or
    None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


@dataclass
class PrivatePostgres:
    """A PostgreSQL server of the test's own (``initdb`` in a folder of its own, a free
    loopback port), stopped and started at will: the machine's shared server is never
    restarted. Run as the ``postgres`` system user when the tests run as root (PostgreSQL
    refuses root), as CI does."""

    programs: Path
    directory: Path
    port: int

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *arguments: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*as_postgres, str(self.programs / program), *arguments],
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{program} {' '.join(arguments)}: {done.stdout}{done.stderr}"

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        # Trust on loopback, no fsync: a throwaway server (a fast stop still checkpoints, so
        # a restart keeps every committed row).
        self._run(
            "initdb",
            *("-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"),
            *("--locale=C", "--no-sync"),
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", *("-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast``: what a restart by an administrator or a service manager does: every
        session is ended at once (clients see their connection closed), open transactions
        roll back, new connections are refused until the server is started again."""
        self._run("pg_ctl", *("-D", str(self.data), "-m", mode, "-w", "stop"))


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started :class:`PrivatePostgres`, stopped and removed afterwards; skips where the
    server programs are not installed."""
    programs = postgres_programs()
    if programs is None:
        pytest.skip("no PostgreSQL server programs (initdb, pg_ctl) to start a server of our own")
    # Under /tmp, not pytest's folder: the postgres user must reach it (pytest's is 0700).
    server = PrivatePostgres(
        programs, Path(tempfile.mkdtemp(prefix="oa-postgres-")), free_ports(1)[0]
    )
    try:
        server.create()
        server.start()
        yield server
    finally:
        with suppress(AssertionError):
            server.stop("immediate")
        print(server.log.read_text(errors="replace")[-4000:] if server.log.exists() else "")
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory, leaving_directory) -> PrivateRedis:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(free_ports(1)[0], tmp_path_factory.mktemp("redis"))
    server.start()
    leaving_directory.callback(server.stop)
    return server


@pytest.fixture(scope="session")
def attachment_disk(tmp_path_factory, leaving_directory) -> Path | None:
    """A 1 MB tmpfs for the attachments, or None where mounting is not allowed."""
    folder = tmp_path_factory.mktemp("attachment-disk")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={ATTACHMENT_DISK},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        return None
    leaving_directory.callback(subprocess.run, ["umount", "-l", str(folder)], check=False)
    return folder


@pytest.fixture(scope="session")
def production(
    tmp_path_factory, database_templates, leaving_directory, private_redis, attachment_disk
) -> Running:
    """The production shape shared by this directory's modules, stopped on leaving it."""
    production_urls()  # skips without PostgreSQL and Redis
    settings = {"OA_ATTACHMENT_DIR": str(attachment_disk)} if attachment_disk else {}
    directory = tmp_path_factory.mktemp("cluster-production")
    return leaving_directory.enter_context(
        run_cluster(
            "production", PRODUCTION, directory, database_templates, private_redis.url, **settings
        )
    )


@pytest.fixture(scope="module", params=["production", "embedded"])
def running(request, tmp_path_factory, database_templates) -> Iterator[Running]:
    """Each shape in turn: ``production`` (shared with the fault and load tests), then the
    embedded default, started for the module."""
    if request.param == "production":
        yield request.getfixturevalue("production")
    else:
        directory = tmp_path_factory.mktemp("cluster-embedded")
        with run_cluster("embedded", EMBEDDED, directory, database_templates) as embedded:
            yield embedded
