"""HTTP under concurrent load: the inbox page (signed in, first to-do page of a user with a
full inbox) and a task action (the REST API saving a draft opinion on a random one of that
user's open tasks: a real write with its audit entry), against ``/bench/minimal`` on the
same gunicorn server in the same run as the ceiling.

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
(``cpu_percent``).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from benchmarks import apps
from benchmarks.dataset import Generated
from benchmarks.report import emit, percentiles_ms
from benchmarks.sizes import Size

NAME = "http"
HOST = "127.0.0.1"
WORKERS = 2  # one per core
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
    """One endpoint to load: GET ``path``, or POST a JSON ``body`` to one of ``paths``."""

    figure: str
    method: str
    paths: tuple[str, ...]
    headers: dict[str, str]
    body: str = ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving :mod:`benchmarks.server` on a free port until closed."""

    def __init__(self, database_url: str) -> None:
        self.port = _free_port()
        self.log = (apps.SCRATCH / "gunicorn.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(WORKERS),
                "-b",
                f"{HOST}:{self.port}",
                "benchmarks.server:app",
            ],
            env={**os.environ, "OA_BENCH_SERVER_DATABASE_URL": database_url},
            cwd=Path(__file__).resolve().parent.parent,
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
        """CPU time (user and system) the workers have used so far; None without ``/proc``."""
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


def _sign_in(server: Server, username: str) -> tuple[str, str]:
    """(session cookie, bearer token) of ``username`` through the log-in page and the API."""
    from oa_platform.demo import DEMO_PASSWORD

    status, headers, page = server.request("GET", "/login/")
    cookie = headers["Set-Cookie"].split(";")[0]
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
    return cookie, json.loads(answer)["access_token"]


def _wrk(server: Server, target: Target, seconds: float, connections: int) -> dict:
    lines = [WRK_REPORT, f"wrk.method = {json.dumps(target.method)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in target.headers.items()]
    if target.body:
        lines.append(f"wrk.body = {json.dumps(target.body)}")
    paths = ", ".join(json.dumps(path) for path in target.paths)
    lines.append(f"local paths = {{{paths}}}")
    lines.append("request = function() return wrk.format(nil, paths[math.random(#paths)]) end")
    script = apps.SCRATCH / f"{target.figure}.lua"
    script.write_text("\n".join(lines))
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(seconds))}s",
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


def _python_client(server: Server, target: Target, seconds: float, connections: int) -> dict:
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(number: int) -> None:
        sent = number
        while time.monotonic() < stop:
            path = target.paths[sent % len(target.paths)]
            sent += connections
            start = time.perf_counter()
            status = server.request(target.method, path, target.body, target.headers)[0]
            with lock:
                latencies.append(time.perf_counter() - start)
                bad[0] += not 200 <= status < 400

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - began
    return {
        "requests_per_s": round(len(latencies) / took, 1),
        **percentiles_ms(latencies),
        "requests": len(latencies),
        "bad_status": bad[0],
    }


def measure(
    size: Size, database: apps.Database, generated: Generated, client: str = "auto"
) -> None:
    """Emit requests/s and latency of each endpoint, and the inbox's share of the ceiling.
    ``client`` is "wrk", "python", or "auto" (wrk when installed)."""
    use_wrk = client == "wrk" or (client == "auto" and shutil.which("wrk") is not None)
    load = _wrk if use_wrk else _python_client
    server = Server(database.url)
    try:
        cookie, token = _sign_in(server, generated.busiest_username)
        api = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        targets = [
            Target("minimal_endpoint", "GET", (MINIMAL,), {}),
            Target("signed_in_nothing", "GET", (SIGNED_IN,), {"Cookie": cookie}),
            Target("layout_only", "GET", (LAYOUT,), {"Cookie": cookie}),
            Target("inbox_page", "GET", ("/inbox/",), {"Cookie": cookie}),
            Target(
                "task_action",
                "POST",
                tuple(f"/api/v1/process/tasks/{t}/actions" for t in generated.open_task_ids),
                api,
                json.dumps({"action": "draft", "opinion": "Checked the receipts."}),
            ),
        ]
        results = {}
        for target in targets:
            # Once first: a redirect to the log-in page would load fast and prove nothing.
            status, _, answer = server.request(
                target.method, target.paths[0], target.body, target.headers
            )
            if status != 200:
                raise RuntimeError(f"{target.figure} answered {status}: {answer[:300]}")
            before = server.cpu_seconds()
            loaded = load(server, target, size.http_seconds, size.http_connections)
            after = server.cpu_seconds()
            if before is not None and after is not None and loaded["requests"]:
                loaded["server_cpu_ms"] = round(1000 * (after - before) / loaded["requests"], 2)
            results[target.figure] = emit(
                NAME,
                target.figure,
                database=database.kind,
                client="wrk" if use_wrk else "python",
                workers=WORKERS,
                connections=size.http_connections,
                **loaded,
            )
        for figure in ("signed_in_nothing", "layout_only", "inbox_page"):
            _share(database, results, figure)
    finally:
        server.close()


def _share(database: apps.Database, results: dict[str, dict], figure: str) -> None:
    """Emit ``figure``'s share of the minimal endpoint, in requests/s and in server CPU."""
    minimal, measured = results["minimal_endpoint"], results[figure]
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
