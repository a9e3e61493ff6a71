"""`make run` as a newcomer meets it (issue 19, deliver 10): it says what it does while it
installs, the demo says it also published the example forms, and Ctrl-C stops it quietly."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def test_make_run_announces_every_step_before_it_runs():
    # -n prints the commands without running them; -B as on a fresh clone (nothing built).
    plan = subprocess.run(
        ["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    announced = [
        "==> Creating the virtual environment",
        "==> Installing the packages of requirements.txt",
        "==> Upgrading the database to the newest schema",
        "==> Loading the demo organisation and users and publishing the example forms",
        "==> Serving http://127.0.0.1:5000",
    ]
    positions = [plan.index(line) for line in announced]
    assert positions == sorted(positions)
    # Each announcement comes before the step it announces.
    assert plan.index("==> Creating the virtual") < plan.index("-m venv .venv")
    assert plan.index("==> Installing the packages") < plan.index("pip install --quiet -r")
    assert plan.index("==> Upgrading the database") < plan.index("db upgrade")
    assert plan.index("==> Loading the demo") < plan.index("oa demo")


def test_the_demo_says_it_published_the_example_forms(app_factory):
    app = app_factory()
    result = app.test_cli_runner().invoke(args=["oa", "demo"])
    assert result.exit_code == 0, result.output
    assert "Demo log-ins (password for all:" in result.output
    assert "The demo also published 10 example form(s)" in result.output
    assert "leave_request                Leave request / 请假申请" in result.output
    # A second run publishes nothing new and still tells what is there.
    again = app.test_cli_runner().invoke(args=["oa", "demo"])
    assert "The demo also published 10 example form(s)" in again.output


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_ctrl_c_stops_make_run_quietly(tmp_path):
    """Ctrl-C goes to the whole foreground group: make, its shell and honcho. Processes
    that stand in for the web server and the worker (sleepers) keep the test fast."""
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f'web: {sys.executable} -c "import time; time.sleep(60)"\nworker: sleep 60\n'
    )
    # -o setup: the installation counts as done; only the serving part runs.
    make = subprocess.Popen(
        # BIN: honcho from the venv running the tests, wherever that is.
        [
            "make",
            "-s",
            "-o",
            "setup",
            "run",
            f"PROCFILE={procfile}",
            f"BIN={Path(sys.executable).parent}",
        ],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Ctrl-C once honcho says both have started (a fixed wait was too short on a busy
    # machine: the interrupt then reached make before honcho was serving).
    lines: list[str] = []
    both = threading.Event()

    def read() -> None:
        for line in make.stdout:
            lines.append(line)
            text = "".join(lines)
            if "web.1 started" in text and "worker.1 started" in text:
                both.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert both.wait(60), "".join(lines)
    assert make.poll() is None
    os.killpg(make.pid, signal.SIGINT)
    make.wait(timeout=30)
    reader.join(timeout=30)
    output = "".join(lines)
    assert "SIGINT received" in output
    assert "==> Stopped: the web server, the worker and beat have ended." in output
    for noise in ("Traceback", "make: ***", "Error 130", "Interrupt"):
        assert noise not in output, output
