"""Real Celery processes for integration tests, started with the Procfile's command lines.

Each process runs in its own process group, so that a test can kill a worker the way a
machine dies: SIGKILL to the worker and its pool children at once, with no warm shutdown.
Output goes to a log file per process, for the test to read and to print when it fails.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile"
# Celery's worker log line for a finished task, with the task's return value.
FIRED = re.compile(
    r"Task oa_platform\.runtime\.tasks\.fire_due_timers\[[^\]]+\] succeeded in \S+: (\d+)"
)
LOG_TAIL = 150


def procfile_command(name: str) -> list[str]:
    """The command line of the Procfile's process ``name`` (what ``make run`` starts)."""
    for line in PROCFILE.read_text().splitlines():
        key, colon, command = line.partition(":")
        if colon and key.strip() == name:
            return shlex.split(command)
    raise KeyError(f"the Procfile has no process named {name!r}")


def wait_for(condition: Callable[[], object], timeout: float, every: float = 0.5) -> bool:
    """Poll ``condition`` (twice a second, or ``every`` seconds) until it holds (True) or
    ``timeout`` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


@dataclass
class CeleryProcess:
    """One started process (its whole process group) and its log file."""

    name: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        return self.popen.poll() is None

    def fired(self) -> int:
        """How many timers this worker reports having fired (its finished tasks' results)."""
        return sum(int(count) for count in FIRED.findall(self.output()))

    def kill(self) -> None:
        """SIGKILL the process and its children: no shutdown code runs, claims stay held."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()

    def pause(self) -> None:
        """SIGSTOP the process and its children: it holds whatever it holds, mid-task."""
        os.killpg(self.popen.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.popen.pid, signal.SIGCONT)

    def terminate(self) -> None:
        """Ask for Celery's warm shutdown (finish the task at hand, then exit)."""
        if self.running():
            os.killpg(self.popen.pid, signal.SIGCONT)  # a paused process could not exit
            os.killpg(self.popen.pid, signal.SIGTERM)

    def wait_or_kill(self, timeout: float) -> None:
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class CeleryProcesses:
    """The worker and beat processes of one test, sharing an environment and a log folder."""

    def __init__(self, directory: Path, env: Mapping[str, str]):
        self.directory = directory
        self.env = {**os.environ, **env}
        self.started: list[CeleryProcess] = []

    def start(self, name: str, procfile_entry: str, *arguments: str) -> CeleryProcess:
        """Start the Procfile's ``procfile_entry`` with extra ``arguments`` (later options
        win over the Procfile's own)."""
        log = self.directory / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                [*procfile_command(procfile_entry), *arguments],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = CeleryProcess(name, popen, log)
        self.started.append(process)
        return process

    def wait_ready(self, worker: CeleryProcess, timeout: float = 60) -> None:
        """Wait until ``worker`` consumes from the broker (Celery logs "<name>@<host> ready.")."""
        ready = re.compile(rf"\b{re.escape(worker.name)}@\S+ ready\.")

        def started() -> bool:
            if not worker.running():
                raise AssertionError(f"worker {worker.name} exited while starting")
            return bool(ready.search(worker.output()))

        if not wait_for(started, timeout):
            raise AssertionError(f"worker {worker.name} not ready within {timeout:.0f} s")

    def stop_all(self, timeout: float = 15) -> None:
        for process in self.started:
            process.terminate()
        for process in self.started:
            process.wait_or_kill(timeout)

    def report(self) -> str:
        """The end of every process's log, for a failing test's output."""
        parts = []
        for process in self.started:
            tail = process.output().splitlines()[-LOG_TAIL:]
            parts.append(f"----- {process.name} (last {len(tail)} lines) -----\n" + "\n".join(tail))
        return "\n".join(parts)
