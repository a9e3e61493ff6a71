"""HTTP under concurrent load: the inbox (the page, and the REST API's list of tasks, of a
user with a full inbox) and the task action (agree on an open task, each request a
different task of its signed-in handler: a whole step with its trail, timers and notices;
through the REST API with a JWT and through the instance page's form post with the session
cookie and CSRF token), against ``/bench/minimal`` on the same gunicorn server in the same
run as the ceiling.

On PostgreSQL each of those four is loaded at 1, 4 and 16 connections on 2 and then 4 sync
gunicorn workers, so scaling with workers shows; and, in the same run, against the code of
a baseline commit (``OA_BENCH_HTTP_BASELINE``, default :data:`BASELINE`: the code before
this work, issue 16; ``none`` skips it) served beside ours on the same database with 4
workers, each of its loads right after ours, with the ratios printed
(``baseline_comparison``). SQLite gets one load of each
with 2 workers (one file, one writer at a time).

Two more endpoints of :mod:`benchmarks.server` show what the stack costs under any page, as
shares of the same ceiling: a signed-in request that does nothing (session, user, roles) and
an empty page in Flask-AppBuilder's layout. No page of the platform can cost less than the
second, so its share bounds the inbox's.

The load generator is ``wrk`` (a C program: on 2 cores a Python client would take the CPU
the server needs) when it is installed; otherwise, and in the smoke test, a small threaded
Python client, whose figures are only a check that the pages answer under load.

Requests per second depend on whatever else the machine runs (wrk itself, and other work on
the same cores), so each load also reports the CPU time gunicorn's workers spent per request
(``server_cpu_ms``, from ``/proc``; the database server's own CPU is not in it): it moves
much less with the machine's load, and the share of the ceiling is given in those terms too
(``cpu_percent``). ``OA_BENCH_HTTP_SECONDS`` shortens each load (default: the size's).
"""

from __future__ import annotations

import dataclasses
import http.client
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks import apps
from benchmarks.dataset import Generated
from benchmarks.report import emit, percentiles_ms
from benchmarks.sizes import Size

NAME = "http"
HOST = "127.0.0.1"
WORKERS = 2  # one per core
ROOT = Path(__file__).resolve().parent.parent
# PostgreSQL's matrix: gunicorn workers, then concurrent connections.
MATRIX_WORKERS = (2, 4)
MATRIX_CONNECTIONS = (1, 4, 16)
# The code the task action and inbox are compared with in the same run: main as it stood
# when issue 16's HTTP work began (its "today").
BASELINE = "c3fe354"
BASELINE_ENV = "OA_BENCH_HTTP_BASELINE"
SECONDS_ENV = "OA_BENCH_HTTP_SECONDS"
# More task actions per second than this stack can serve on 2 cores: the first load of
# actions lasts no longer than its share of the open tasks lasts at this rate (each task
# once), the later ones as long as theirs last at twice the fastest rate seen.
ACTION_RATE_CEILING = 350
OPINION = "Checked the receipts."
WARM_UP = 3  # requests per worker before a load, not counted
MINIMAL = "/bench/minimal"  # the bare endpoints benchmarks.server adds
SIGNED_IN = "/bench/signed-in"
LAYOUT = "/bench/layout"
STARTUP_SECONDS = 60
WRK_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('\\n{"requests": %d, "seconds": %.3f, "p50_us": %d, "p95_us": %d, '
    .. '"bad_status": %d, "socket_errors": %d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


@dataclass(frozen=True)
class Target:
    """One endpoint to load: ``method`` on a random one of ``paths`` with ``headers`` and
    ``body``; or, when ``items`` are given, each of them once, in order: (path, headers,
    body) of requests that may not be repeated (an action on a task)."""

    figure: str
    method: str
    paths: tuple[str, ...]
    headers: dict[str, str]
    body: str = ""
    items: tuple[tuple[str, dict[str, str], str], ...] = ()


@dataclass(frozen=True)
class Account:
    """A signed-in user as a browser (session cookie, a CSRF token of that session) and as
    an API client (a bearer token)."""

    cookie: str
    csrf: str
    token: str


@dataclass
class Work:
    """The open tasks the action loads use, each once: (task id, instance id, handler)."""

    tasks: list[tuple[int, int, str]]
    loads: int  # action loads still to come, which share what is left
    taken: int = 0

    def share(self) -> list[tuple[int, int, str]]:
        size = (len(self.tasks) - self.taken) // max(1, self.loads)
        share = self.tasks[self.taken : self.taken + size]
        self.taken += size
        self.loads -= 1
        return share


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with ``workers`` sync workers serving :mod:`benchmarks.server` of the code
    in ``root`` (this checkout, or a baseline's) on a free port until closed."""

    def __init__(self, database_url: str, workers: int = WORKERS, root: Path = ROOT) -> None:
        self.port = _free_port()
        self.workers = workers
        self.log = (apps.SCRATCH / "gunicorn.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(workers),
                "-b",
                f"{HOST}:{self.port}",
                "benchmarks.server:app",
            ],
            # The code of ``root``, not the installed checkout's (an editable install).
            env={
                **os.environ,
                "OA_BENCH_SERVER_DATABASE_URL": database_url,
                "PYTHONPATH": str(root),
            },
            cwd=root,
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while self.request("GET", MINIMAL)[0] != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"gunicorn did not start; see {apps.SCRATCH / 'gunicorn.log'}")
            time.sleep(0.2)

    def request(self, method: str, path: str, body: str = "", headers=None):
        """(status, headers, body) of one request; status 0 while nothing listens."""
        try:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read().decode()
        except OSError:
            return 0, {}, ""

    def cpu_seconds(self) -> float | None:
        """CPU time (user and system) the workers have used so far, from their own
        ``/proc/<pid>/stat``; None without ``/proc``."""
        ticks, found = 0, False
        for path in Path("/proc").glob("[0-9]*/stat"):
            try:
                stat = path.read_text()
            except OSError:  # the process ended meanwhile
                continue
            found = True
            # After the command name in parentheses: state, parent, ..., utime, stime.
            fields = stat.rsplit(")", 1)[-1].split()
            if int(fields[1]) == self.process.pid:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK") if found else None

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def _sign_in(server: Server, username: str) -> Account:
    """``username`` signed in through the log-in page and the API's log-in."""
    from oa_platform.demo import DEMO_PASSWORD

    status, headers, page = server.request("GET", "/login/")
    cookie = headers["Set-Cookie"].split(";")[0]
    # The session keeps its CSRF secret across the log-in, so the form's token stays valid.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    status, headers, _ = server.request(
        "POST",
        "/login/",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    if status != 302 or "Set-Cookie" not in headers:
        raise RuntimeError(f"signing in as {username} failed ({status})")
    cookie = headers["Set-Cookie"].split(";")[0]
    body = json.dumps({"username": username, "password": DEMO_PASSWORD, "provider": "db"})
    status, _, answer = server.request(
        "POST", "/api/v1/security/login", body, {"Content-Type": "application/json"}
    )
    if status != 200:
        raise RuntimeError(f"API log-in as {username} failed ({status}): {answer[:200]}")
    return Account(cookie, token, json.loads(answer)["access_token"])


def _sign_in_all(server: Server, usernames: set[str]) -> dict[str, Account]:
    with ThreadPoolExecutor(4) as pool:
        names = sorted(usernames)
        return dict(zip(names, pool.map(lambda name: _sign_in(server, name), names), strict=True))


def _open_tasks(database: apps.Database, busiest: str) -> list[tuple[int, int, str]]:
    """Every open task the chain waits for on a running instance, with its handler, but the
    inbox user's (whose inbox is measured meanwhile)."""
    engine = create_engine(database.url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT t.id, t.instance_id, u.username FROM process_task t"
                " JOIN process_instance i ON i.id = t.instance_id"
                " JOIN ab_user u ON u.id = t.assignee_id"
                " WHERE t.status = 'open' AND t.blocking AND i.status = 'running'"
                " AND u.username != :busiest ORDER BY t.id"
            ),
            {"busiest": busiest},
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def _actions(figure: str, share, accounts: dict[str, Account]) -> Target:
    """Agree on each task of ``share`` once, as its handler: through the REST API
    (``task_action``) or the instance page's form (``task_action_page``)."""
    items = []
    for task_id, instance_id, username in share:
        account = accounts[username]
        if figure == "task_action":
            headers = {
                "Authorization": f"Bearer {account.token}",
                "Content-Type": "application/json",
            }
            body = json.dumps({"action": "agree", "opinion": OPINION})
            items.append((f"/api/v1/process/tasks/{task_id}/actions", headers, body))
        else:
            headers = {
                "Cookie": account.cookie,
                "Content-Type": "application/x-www-form-urlencoded",
            }
            form = {"oa-action": "agree", "oa-opinion": OPINION, "oa-csrf_token": account.csrf}
            body = urllib.parse.urlencode(form)
            items.append((f"/instances/{instance_id}/tasks/{task_id}", headers, body))
    return Target(figure, "POST", (items[0][0],) if items else (), {}, items=tuple(items))


def _wrk(server: Server, target: Target, seconds: float, connections: int) -> dict:
    threads = min(2, connections)
    lines = [WRK_REPORT, f"wrk.method = {json.dumps(target.method)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in target.headers.items()]
    if target.body:
        lines.append(f"wrk.body = {json.dumps(target.body)}")
    if target.items:
        # Each thread takes every ``threads``-th item from its own first one.
        lines.append("local items = {")
        for path, headers, body in target.items:
            pairs = ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
            lines.append(f"  {{{json.dumps(path)}, {{{pairs}}}, {json.dumps(body)}}},")
        lines.append("}")
        lines.append("local started = 0")
        lines.append(
            'function setup(thread) thread:set("first", started); started = started + 1 end'
        )
        lines.append("function init(args) n = first end")
        lines.append(
            "request = function() local item = items[(n % #items) + 1]; "
            f"n = n + {threads}; "
            f"return wrk.format({json.dumps(target.method)}, item[1], item[2], item[3]) end"
        )
    else:
        paths = ", ".join(json.dumps(path) for path in target.paths)
        lines.append(f"local paths = {{{paths}}}")
        lines.append("request = function() return wrk.format(nil, paths[math.random(#paths)]) end")
    script = apps.SCRATCH / f"{target.figure}.lua"
    script.write_text("\n".join(lines))
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
            # A slow answer under load is a slow answer, not a socket error (default 2 s).
            "--timeout",
            "60s",
            "-s",
            str(script),
            f"http://{HOST}:{server.port}{target.paths[0]}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    return {
        "requests_per_s": round(found["requests"] / found["seconds"], 1),
        "p50_ms": round(found["p50_us"] / 1000, 2),
        "p95_ms": round(found["p95_us"] / 1000, 2),
        "requests": found["requests"],
        "bad_status": found["bad_status"] + found["socket_errors"],
    }


def _requests(target: Target, connections: int) -> Iterator[tuple[str, dict[str, str], str]]:
    """What the Python client sends: each item once, or random paths without end."""
    if target.items:
        yield from target.items
        return
    sent = 0
    while True:
        yield target.paths[sent % len(target.paths)], target.headers, target.body
        sent += 1


def _python_client(server: Server, target: Target, seconds: float, connections: int) -> dict:
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    sending = _requests(target, connections)

    def worker() -> None:
        while time.monotonic() < stop:
            with lock:
                item = next(sending, None)
            if item is None:
                return
            path, headers, body = item
            start = time.perf_counter()
            status = server.request(target.method, path, body, headers)[0]
            with lock:
                latencies.append(time.perf_counter() - start)
                bad[0] += not 200 <= status < 400

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - began
    return {
        "requests_per_s": round(len(latencies) / took, 1),
        **(percentiles_ms(latencies) if latencies else {}),
        "requests": len(latencies),
        "bad_status": bad[0],
    }


@dataclass
class _Run:
    """What one database's HTTP run shares between its loads."""

    database: apps.Database
    load: object  # _wrk or _python_client
    client: str
    seconds: float
    work: Work
    accounts: dict[str, Account]
    busiest: Account
    results: list[dict] = field(default_factory=list)
    action_rate: float = 0.0  # the most task actions per second a load has made so far

    def measure(self, server: Server, target: Target, connections: int, **labels) -> dict:
        """Load ``target`` on ``server``; emit and keep the figure."""
        # A few requests first, not counted, so that each worker has compiled what it keeps
        # (templates, statements, specs); the first must answer as the load expects: a
        # redirect to the log-in page would load fast and prove nothing.
        warm = target.items[: WARM_UP * server.workers] or (
            [(target.paths[0], target.headers, target.body)] * (WARM_UP * server.workers)
        )
        for path, headers, body in warm:
            status, _, answer = server.request(target.method, path, body, headers)
            if status != (302 if target.figure == "task_action_page" else 200):
                raise RuntimeError(f"{target.figure} answered {status}: {answer[:300]}")
        if target.items:
            target = dataclasses.replace(target, items=target.items[len(warm) :])
            # As long as the load's tasks last at twice the fastest rate seen so far.
            rate = 2 * self.action_rate if self.action_rate else ACTION_RATE_CEILING
            seconds = min(self.seconds, max(1, int(len(target.items) / rate)))
        else:
            seconds = self.seconds
        before = server.cpu_seconds()
        loaded = self.load(server, target, seconds, connections)
        after = server.cpu_seconds()
        if before is not None and after is not None and loaded["requests"]:
            loaded["server_cpu_ms"] = round(1000 * (after - before) / loaded["requests"], 2)
        figure = emit(
            NAME,
            target.figure,
            database=self.database.kind,
            client=self.client,
            workers=server.workers,
            connections=connections,
            **labels,
            **loaded,
        )
        self.results.append(figure)
        if target.items:
            self.action_rate = max(self.action_rate, figure["requests_per_s"])
        return figure

    def pages(self, servers: list[tuple[Server, dict]], connections: tuple[int, ...]) -> None:
        """The inbox (page and API) and the task action (API and page) at each of
        ``connections`` on each of ``servers`` (with the labels its figures carry), one
        server's load right after the other's, so both see the machine alike."""
        cookie = {"Cookie": self.busiest.cookie}
        bearer = {"Authorization": f"Bearer {self.busiest.token}"}
        for target in (
            Target("inbox_page", "GET", ("/inbox/",), cookie),
            Target("inbox_api", "GET", ("/api/v1/process/tasks",), bearer),
        ):
            for count in connections:
                for server, labels in servers:
                    self.measure(server, target, count, **labels)
        for figure in ("task_action", "task_action_page"):
            for count in connections:
                for server, labels in servers:
                    target = _actions(figure, self.work.share(), self.accounts)
                    self.measure(server, target, count, **labels)


def _baseline_tree(revision: str) -> Path | None:
    """The code of ``revision`` in a scratch folder, or None (with a note) if git cannot
    give it."""
    folder = apps.SCRATCH / f"baseline-{revision}"
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "--format=tar", revision],
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"baseline {revision} not available ({error}): comparison skipped", file=sys.stderr)
        return None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def measure(
    size: Size, database: apps.Database, generated: Generated, client: str = "auto"
) -> None:
    """Emit requests/s, latency and worker CPU per request of each endpoint, the inbox's
    share of the ceiling and, on PostgreSQL, the comparison with the baseline's code.
    ``client`` is "wrk", "python", or "auto" (wrk when installed)."""
    use_wrk = client == "wrk" or (client == "auto" and shutil.which("wrk") is not None)
    matrix = database.kind == "postgresql" and size.name != "tiny"
    workers = MATRIX_WORKERS if matrix else (WORKERS,)
    connections = MATRIX_CONNECTIONS if matrix else (size.http_connections,)
    revision = os.environ.get(BASELINE_ENV, BASELINE)
    baseline = _baseline_tree(revision) if matrix and revision != "none" else None
    # Two action figures at each point of the matrix, ours and the baseline's (4 workers).
    action_loads = 2 * len(connections) * (len(workers) + (baseline is not None))
    work = Work(_open_tasks(database, generated.busiest_username), action_loads)
    server, compared = Server(database.url), None
    try:
        accounts = _sign_in_all(
            server, {username for _, _, username in work.tasks} | {generated.busiest_username}
        )
        run = _Run(
            database,
            _wrk if use_wrk else _python_client,
            "wrk" if use_wrk else "python",
            float(os.environ.get(SECONDS_ENV) or size.http_seconds),
            work,
            accounts,
            accounts[generated.busiest_username],
        )
        cookie = {"Cookie": run.busiest.cookie}
        floors = {}
        for target in (
            Target("minimal_endpoint", "GET", (MINIMAL,), {}),
            Target("signed_in_nothing", "GET", (SIGNED_IN,), cookie),
            Target("layout_only", "GET", (LAYOUT,), cookie),
        ):
            floors[target.figure] = run.measure(server, target, size.http_connections)
        for count in workers:
            if count != server.workers:
                server.close()
                server = Server(database.url, count)
            servers = [(server, {"code": "ours"})]
            if baseline is not None and count == max(workers):
                # Served beside ours, each load of the one right after the other's.
                compared = Server(database.url, count, baseline)
                servers.append((compared, {"code": "baseline", "revision": revision}))
            run.pages(servers, connections)
        ours = [f for f in run.results[len(floors) :] if f["code"] == "ours"]
        inbox = next(
            f
            for f in ours
            if f["figure"] == "inbox_page"
            and f["workers"] == WORKERS
            and f["connections"] == max(connections)
        )
        for figure, measured in {**floors, "inbox_page": inbox}.items():
            if figure != "minimal_endpoint":
                _share(database, floors["minimal_endpoint"], measured, figure)
        if compared is not None:
            _compare(database, run.results, max(workers), revision)
    finally:
        server.close()
        if compared is not None:
            compared.close()


def _share(database: apps.Database, minimal: dict, measured: dict, figure: str) -> None:
    """Emit ``figure``'s share of the minimal endpoint, in requests/s and in server CPU."""
    cpu = {}
    if measured.get("server_cpu_ms") and "server_cpu_ms" in minimal:
        # A request of the ceiling's CPU time against one of this figure's, which is what the
        # ratio of requests/s is with the cores to the server alone.
        cpu["cpu_percent"] = round(100 * minimal["server_cpu_ms"] / measured["server_cpu_ms"], 1)
    name = "inbox_share_of_minimal" if figure == "inbox_page" else f"{figure}_share_of_minimal"
    emit(
        NAME,
        name,
        database=database.kind,
        percent=round(100 * measured["requests_per_s"] / minimal["requests_per_s"], 1),
        **cpu,
        **({"target": ">= 30 %"} if figure == "inbox_page" else {}),
    )


def _compare(database: apps.Database, results: list[dict], workers: int, revision: str) -> None:
    """Per page, ours against the baseline with ``workers`` workers: the best requests/s of
    any concurrency, and the worker CPU per request over all of their loads."""
    for figure in ("task_action", "task_action_page", "inbox_page", "inbox_api"):
        by_code = {}
        for code in ("ours", "baseline"):
            loads = [
                r
                for r in results
                if r["figure"] == figure and r["code"] == code and r["workers"] == workers
            ]
            requests = sum(r["requests"] for r in loads)
            cpu = sum(r.get("server_cpu_ms", 0) * r["requests"] for r in loads)
            by_code[code] = (
                max(r["requests_per_s"] for r in loads),
                round(cpu / requests, 2) if requests else None,
            )
        (ours_rate, ours_cpu), (base_rate, base_cpu) = by_code["ours"], by_code["baseline"]
        emit(
            NAME,
            "baseline_comparison",
            database=database.kind,
            page=figure,
            workers=workers,
            revision=revision,
            requests_per_s=ours_rate,
            baseline_requests_per_s=base_rate,
            ratio=round(ours_rate / base_rate, 2) if base_rate else None,
            server_cpu_ms=ours_cpu,
            baseline_server_cpu_ms=base_cpu,
            target=(
                "requests/s >= 4x the baseline's; CPU <= 5 ms"
                if figure == "task_action"
                else "CPU <= 5 ms"
            ),
        )
