"""Staff at work on the production shape (issue 25): locust (benchmarks/locustfile.py) runs
headless against both web servers, then every request kind must have had no error and the
nothing-lost checks must hold for every action the simulated people were told was taken.

CI runs 20 simulated people for 20 seconds; ``make soak`` 200 for 3 minutes
(``OA_LOAD_USERS``, ``OA_LOAD_SECONDS``). The figures (requests, p50 and p95 per request
kind) are printed as JSON lines, for docs/performance.md.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oa_platform.processes import ROOT
from tests.integration.cluster.ledger import Ledger, assert_nothing_lost_nothing_doubled
from tests.integration.cluster.test_cluster_scenarios import start_leave

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

USERS = int(os.environ.get("OA_LOAD_USERS", "20"))
SECONDS = int(os.environ.get("OA_LOAD_SECONDS", "20"))
LOCUST = Path(sys.executable).parent / "locust"
WAITING = 10  # leave requests waiting for the approvers when the load starts


def test_staff_at_work_get_no_error_and_nothing_is_lost(production, tmp_path):
    api = production.client()
    for _ in range(WAITING):
        start_leave(api)
    accepted = tmp_path / "accepted"
    run = subprocess.run(
        [
            str(LOCUST),
            *("-f", "benchmarks/locustfile.py", "--headless", "--only-summary"),
            *("-u", str(USERS), "-r", str(max(USERS // 5, 1)), "-t", f"{SECONDS}s"),
            *("--stop-timeout", "30", "--host", production.cluster.urls[0]),
            *("--csv", str(tmp_path / "load")),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "OA_LOAD_HOSTS": ",".join(production.cluster.urls),
            "OA_LOAD_LEDGER": str(accepted),
        },
        capture_output=True,
        text=True,
        timeout=SECONDS + 300,
    )
    stats = list(csv.DictReader((tmp_path / "load_stats.csv").open()))
    for row in stats:
        print(json.dumps(figures(row)))  # JSON lines, for docs/performance.md
    total = next(row for row in stats if row["Name"] == "Aggregated")
    assert int(total["Failure Count"]) == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.returncode == 0, run.stderr[-3000:]
    kinds = {row["Name"] for row in stats}
    assert {"start a form", "act with an opinion", "task list (API)", "inbox page"} <= kinds

    ledger = Ledger()
    for line in accepted.read_text().splitlines() if accepted.exists() else []:
        number, what = line.split()
        if what == "start":
            ledger.started.append(int(number))
        else:
            ledger.record(int(number), what, 200)
    assert ledger.started or ledger.accepted, "nothing was done under load"
    assert_nothing_lost_nothing_doubled(production, ledger)


def figures(row: dict[str, str]) -> dict[str, object]:
    return {
        "figure": "cluster_load",
        "users": USERS,
        "seconds": SECONDS,
        "kind": row["Name"],
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "p50_ms": row["50%"],
        "p95_ms": row["95%"],
        "per_second": float(row["Requests/s"]),
    }
