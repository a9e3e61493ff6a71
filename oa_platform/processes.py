"""The platform's processes started as the Procfile (and production) starts them, each in a
process group of its own, for ``make cluster`` and the tests that run real processes.

Each process runs in its own process group, so that it can be killed the way a machine dies:
SIGKILL to the process and its children (Celery's pool, gunicorn's workers) at once, with no
warm shutdown. Output goes to a log file per process, to read and to print when something
fails.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile"
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
class Process:
    """One started process (its whole process group) and its log file."""

    name: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        return self.popen.poll() is None

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
        """Ask for a warm shutdown (Celery and gunicorn finish the work at hand, then exit)."""
        if self.running():
            os.killpg(self.popen.pid, signal.SIGCONT)  # a paused process could not exit
            os.killpg(self.popen.pid, signal.SIGTERM)

    def wait_or_kill(self, timeout: float) -> None:
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class ProcessGroup:
    """Processes sharing an environment and a log folder, stopped together."""

    process_class: type[Process] = Process

    def __init__(self, directory: Path, env: Mapping[str, str]):
        self.directory = directory
        self.env = {**os.environ, **env}
        self.started: list[Process] = []

    def start(self, name: str, procfile_entry: str, *arguments: str) -> Process:
        """Start the Procfile's ``procfile_entry`` with extra ``arguments`` (later options
        win over the Procfile's own)."""
        return self.spawn(name, [*procfile_command(procfile_entry), *arguments])

    def spawn(self, name: str, command: Sequence[str]) -> Process:
        """Start ``command`` from the repository's folder, its output in ``<name>.log``."""
        log = self.directory / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                list(command),
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = self.process_class(name, popen, log)
        self.started.append(process)
        return process

    def wait_ready(self, worker: Process, timeout: float = 60) -> None:
        """Wait until the Celery ``worker`` consumes from the broker (Celery logs
        "<name>@<host> ready.")."""
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
