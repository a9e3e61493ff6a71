"""Real Celery processes for integration tests, started with the Procfile's command lines
(oa_platform/processes.py, which ``make cluster`` starts its processes with too).

Each process runs in its own process group, so that a test can kill a worker the way a
machine dies: SIGKILL to the worker and its pool children at once, with no warm shutdown.
Output goes to a log file per process, for the test to read and to print when it fails.
"""

from __future__ import annotations

import re

from oa_platform.processes import Process, ProcessGroup, procfile_command, wait_for

__all__ = ["CeleryProcess", "CeleryProcesses", "procfile_command", "wait_for"]

# Celery's worker log line for a finished task, with the task's return value.
FIRED = re.compile(
    r"Task oa_platform\.runtime\.tasks\.fire_due_timers\[[^\]]+\] succeeded in \S+: (\d+)"
)


class CeleryProcess(Process):
    """A worker or beat process."""

    def fired(self) -> int:
        """How many timers this worker reports having fired (its finished tasks' results)."""
        return sum(int(count) for count in FIRED.findall(self.output()))


class CeleryProcesses(ProcessGroup):
    """The worker and beat processes of one test, sharing an environment and a log folder."""

    process_class = CeleryProcess
