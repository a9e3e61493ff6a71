"""The runtime's one write path: every page, API endpoint, timer and job calls these commands.

Each use case lives in its own module (starting, acting, rollback, signers, initiator,
questions, viewing, jobs, repair) and only changes the instance through the engine, as the
policy allows; :class:`Runtime` runs each in the session's unit of work, which commits once.
Every command bumps the instance's revision, so two commands on one instance at the same
moment cannot both commit: the loser is retried from scratch and then sees the winner's
result (for the same task: "already handled by ...").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from werkzeug.datastructures import MultiDict

from oa_platform.accounts.models import OAUser
from oa_platform.runtime.commands import (
    acting,
    initiator,
    jobs,
    questions,
    repair,
    starting,
    viewing,
)
from oa_platform.runtime.commands.base import ActionRequest, CommandContext
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.models import Instance, Question, Task, Timer
from oa_platform.runtime.timer_handlers import TimerHandlers
from oa_platform.unit_of_work import unit_of_work
from plugins.contract import Action

__all__ = ["ActionRequest", "Runtime"]

T = TypeVar("T")


class Runtime(CommandContext):
    """The commands on instances, each one unit of work on the context's session."""

    def _run(self, work: Callable[[], T]) -> T:
        return unit_of_work(self.session).run(work)

    # Starting (§3.2) ---------------------------------------------------------------------

    def save_draft(
        self,
        actor: OAUser,
        key: str,
        formdata: MultiDict,
        files: MultiDict | None = None,
        instance_id: int | None = None,
    ) -> Instance:
        """Keep the initiator's form as a draft (missing required values allowed)."""
        return self._run(
            lambda: starting.save_draft(self, actor, key, formdata, files, instance_id)
        )

    def submit(
        self,
        actor: OAUser,
        key: str,
        formdata: MultiDict,
        files: MultiDict | None = None,
        instance_id: int | None = None,
    ) -> Instance:
        """Start an instance (or submit a draft): the start node's form must be valid."""
        return self._run(lambda: starting.submit(self, actor, key, formdata, files, instance_id))

    # Handlers (§3.5) ---------------------------------------------------------------------

    def act(self, actor: OAUser, task_id: int, request: ActionRequest) -> Instance:
        """One handler's action on one task."""
        return self._run(lambda: acting.act(self, actor, task_id, request))

    def act_automatically(self, engine: Engine, task: Task, action: Action, opinion: str) -> None:
        """The system acts on a task inside the running transaction (a timer's)."""
        acting.act_automatically(self, engine, task, action, opinion)

    # The initiator -----------------------------------------------------------------------

    def revoke(self, actor: OAUser, instance_id: int, opinion: str) -> Instance:
        """The initiator withdraws the instance, until the next handler has opened it."""
        return self._run(lambda: initiator.revoke(self, actor, instance_id, opinion))

    def urge(self, actor: OAUser, instance_id: int, message: str = "") -> list[str]:
        """The initiator reminds the current handlers (催办); returns who was urged."""
        return self._run(lambda: initiator.urge(self, actor, instance_id, message))

    def reinitiate(self, actor: OAUser, instance_id: int, reason: str) -> Instance:
        """The initiator cancels the instance and starts again: a new draft with its data."""
        return self._run(lambda: initiator.reinitiate(self, actor, instance_id, reason))

    # Questions (§3.3, §3.6) --------------------------------------------------------------

    def ask(self, actor: OAUser, instance_id: int, to: str, text: str) -> Question:
        """A participant asks the initiator (or another participant) a question."""
        return self._run(lambda: questions.ask(self, actor, instance_id, to, text))

    def answer(self, actor: OAUser, question_id: int, text: str) -> Question:
        """The person asked answers."""
        return self._run(lambda: questions.answer(self, actor, question_id, text))

    # Reading -----------------------------------------------------------------------------

    def view(self, actor: OAUser, instance_id: int) -> Instance:
        """Open an instance: audited; the viewer's tasks count as opened."""
        return self._run(lambda: viewing.view(self, actor, instance_id))

    # Jobs and timers ---------------------------------------------------------------------

    def job_done(self, instance_id: int, activation_id: int, result: dict) -> Instance | None:
        """A node's background job returned: its node type decides what follows."""
        return self._run(lambda: jobs.job_done(self, instance_id, activation_id, result))

    def job_failed(self, instance_id: int, activation_id: int, detail: str) -> Instance | None:
        """A node's background job failed for good: the instance stops in error there."""
        return self._run(lambda: jobs.job_failed(self, instance_id, activation_id, detail))

    def timer_fired(self, timer: Timer) -> None:
        """Handle one due timer inside the unit of work ``timers`` fires it in."""
        TimerHandlers(self).fire(timer)

    # Administration (a hook that raised, a routing that failed) ------------------------------

    def retry_node(self, actor: OAUser, instance_id: int) -> Instance:
        """Run again what failed: the node's ``on_enter``, or, for a node that completed but
        could not be routed on, its type's ``next_edges`` (the data or the plugin fixed)."""
        return self._run(lambda: repair.repair(self, actor, instance_id, skip=False))

    def skip_node(self, actor: OAUser, instance_id: int, to: str | None = None) -> Instance:
        """Go on as if the failed node had done its part: a node whose ``on_enter`` failed
        completes with the outcome "skipped" and its type routes on; a node that completed
        but could not be routed on (``next_edges`` raised or no edge applies) goes to ``to``,
        the next node the administrator chose (a split: all its branches). Audited with who
        chose what. Without a valid ``to`` such a skip is refused, naming the node and its
        choices (``skip_targets``)."""
        return self._run(lambda: repair.repair(self, actor, instance_id, skip=True, to=to))

    def skip_targets(self, instance: Instance) -> list[tuple[str, str]]:
        """(node id, name) of the nodes an administrator chooses from to skip ``instance``'s
        failed routing; empty when a skip needs no choice."""
        return repair.skip_targets(self, instance)
