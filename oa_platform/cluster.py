"""The production shape on one machine (``make cluster``, issue 25): two gunicorn web servers
on two loopback ports, two Celery workers and one beat, on PostgreSQL with Redis as the broker
and the log-in rate limit's store; or the embedded default (one web server, one worker, beat,
SQLite) that ``make run`` serves.

The workers and beat are started with the Procfile's command lines, the web servers with the
gunicorn command line of docs/deployment.md, each process in a group of its own
(:mod:`oa_platform.processes`), so the fault tests (tests/integration/cluster/) can kill one
the way a machine dies. ``python -m oa_platform.cluster`` prepares the database (migrations,
roles, the demo's people), starts everything, waits until each process is ready, prints the
addresses and stops cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from oa_platform.processes import ROOT, Process, ProcessGroup, wait_for

BIN = Path(sys.executable).parent
READY_PATH = "/login/"  # served without a session or a database write: up means ready
START_TIMEOUT = 120.0  # generous: the machine may be busy


@dataclass(frozen=True)
class Shape:
    """How many of each process: web servers (one per port, each with ``web_workers``
    gunicorn workers), Celery workers (by name, each with ``concurrency`` pool processes)."""

    ports: tuple[int, ...]
    workers: tuple[str, ...]
    web_workers: int = 2
    concurrency: int = 2


PRODUCTION = Shape(ports=(8001, 8002), workers=("a", "b"))
EMBEDDED = Shape(ports=(8001,), workers=("a",))


def web_command(port: int, workers: int) -> list[str]:
    """gunicorn serving the platform on loopback ``port`` (docs/deployment.md's unit runs
    the same with the address of its own)."""
    return [
        str(BIN / "gunicorn"),
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        "--graceful-timeout=10",
        "oa_platform:create_app()",
    ]


def environment(
    directory: Path, database_url: str | None, redis_url: str | None, **settings: str
) -> dict[str, str]:
    """The settings every process of the cluster shares: one database, one broker, one
    instance folder (secret key, attachments, logs). Without ``database_url`` and
    ``redis_url``: the embedded default (SQLite and the SQLite broker in the folder)."""
    env = {
        "OA_INSTANCE_DIR": str(directory / "instance"),
        "CELERY_BEAT_SCHEDULE_FILE": str(directory / "celerybeat-schedule"),
        **settings,
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["CELERY_BROKER_URL"] = redis_url
        # Log-in attempts are counted across every web process (config.py).
        env["RATELIMIT_STORAGE_URI"] = redis_url
    return env


@dataclass
class Cluster:
    """The started processes of one shape; ``urls`` are the web servers' addresses."""

    shape: Shape
    directory: Path
    env: Mapping[str, str]
    group: ProcessGroup = field(init=False)
    webs: list[Process] = field(default_factory=list)
    workers: list[Process] = field(default_factory=list)
    beat: Process | None = None

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.group = ProcessGroup(self.directory, self.env)

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.shape.ports]

    def prepare_database(self) -> None:
        """Migrate the database, create the roles and load the demo's people, as ``make
        setup`` does (each step does nothing the second time)."""
        flask = [str(BIN / "flask"), "--app", "oa_platform:create_app"]
        for step in (["db", "upgrade"], ["oa", "init"], ["oa", "demo"]):
            subprocess.run([*flask, *step], cwd=ROOT, env=self.group.env, check=True)

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start every process and wait until each serves or consumes."""
        for port in self.shape.ports:
            self.webs.append(
                self.group.spawn(f"web-{port}", web_command(port, self.shape.web_workers))
            )
        for name in self.shape.workers:
            self.workers.append(self.start_worker(name))
        self.start_beat()
        for web, url in zip(self.webs, self.urls, strict=True):
            self.wait_serving(web, url, timeout)
        for worker in self.workers:
            self.group.wait_ready(worker, timeout)

    def start_worker(self, name: str) -> Process:
        return self.group.start(
            name, "worker", f"--concurrency={self.shape.concurrency}", f"--hostname={name}@%h"
        )

    def start_beat(self) -> Process:
        self.beat = self.group.start("beat", "beat")
        return self.beat

    def wait_serving(self, web: Process, url: str, timeout: float = START_TIMEOUT) -> None:
        """Wait until the web server at ``url`` answers its log-in page."""

        def serving() -> bool:
            if not web.running():
                raise RuntimeError(f"{web.name} exited while starting; see {web.log}")
            try:
                with urllib.request.urlopen(url + READY_PATH, timeout=5) as answer:
                    return answer.status == 200
            except (urllib.error.URLError, OSError):
                return False

        if not wait_for(serving, timeout):
            raise RuntimeError(f"{web.name} not serving within {timeout:.0f} s; see {web.log}")

    def stop(self) -> None:
        self.group.stop_all()

    def report(self) -> str:
        return self.group.report()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m oa_platform.cluster",
        description="Start the platform's production shape on this machine (Ctrl-C stops it).",
    )
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="the embedded default instead: one web server, one worker, beat, SQLite",
    )
    parser.add_argument("--ports", type=int, nargs="+", help="the web servers' ports")
    parser.add_argument(
        "--directory", type=Path, help="instance folder and logs (default: a new temporary one)"
    )
    # Given by the caller (`make cluster` passes DATABASE_URL or OA_TEST_POSTGRES_URL, and
    # CELERY_BROKER_URL or OA_TEST_REDIS_URL): config.py alone reads the environment.
    parser.add_argument("--database-url", help="the PostgreSQL database (production shape)")
    parser.add_argument("--broker-url", default="redis://127.0.0.1:6379/0", help="the Redis broker")
    return parser.parse_args(argv)


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt  # a service manager's stop: the same clean stop as Ctrl-C


def main(argv: list[str] | None = None) -> int:
    """Prepare, start, print the addresses, wait for Ctrl-C (or SIGTERM), stop."""
    arguments = _arguments(argv)
    directory = arguments.directory or Path(tempfile.mkdtemp(prefix="oa-cluster-"))
    shape = EMBEDDED if arguments.embedded else PRODUCTION
    if arguments.ports:
        shape = Shape(tuple(arguments.ports), shape.workers, shape.web_workers, shape.concurrency)
    database_url = redis_url = None
    if not arguments.embedded:
        database_url, redis_url = arguments.database_url, arguments.broker_url
        if not database_url or not database_url.startswith("postgresql"):
            print("Give --database-url a PostgreSQL database (make cluster: DATABASE_URL).")
            return 2
    cluster = Cluster(shape, directory, environment(directory, database_url, redis_url))
    cluster.prepare_database()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in background
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        cluster.start()
        print(f"Serving {' and '.join(cluster.urls)}", end=" ")
        print(f"with workers {', '.join(shape.workers)} and beat; logs in {directory}.")
        print("Ctrl-C stops all.", flush=True)
        while all(process.running() for process in cluster.group.started):
            time.sleep(1)
        print("A process exited; stopping the others.", file=sys.stderr)
        print(cluster.report(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
