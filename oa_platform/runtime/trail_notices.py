"""Notices read from the trail: what a step decided, told to whom it concerns (issue 19).

Every action, status change and agent hand-over is recorded in the instance's trail (§6.1)
by the transaction that does it. At its commit, :func:`tell_what_happened` reads the
transaction's new entries (``audit.observe``) and tells, one line each, in the reader's
language:

- the initiator, when a handler approves at a step, when the request finishes, and when it is
  terminated (by whom, why);
- whoever a returned form reaches (the initiator or an earlier handler): who returned it and
  the reason, instead of a bare "To do";
- a principal whose to-do went to their agent (§3.4).

Reading the trail rather than adding calls to each command keeps one record of what happened:
a new command that acts is told about as soon as it records its action.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.accounts.models import OAUser
from oa_platform.notifications.service import replace_pending, tell
from oa_platform.runtime import audit
from oa_platform.runtime.models import Instance, Task
from oa_platform.runtime.notices import link, step
from plugins.contract import AGREEING, REFUSING, Action

Entry = dict[str, Any]


def tell_what_happened(session: Session, entries: list[Entry]) -> None:
    """Tell people what the transaction's ``entries`` record (see the module docstring)."""
    by_instance: dict[int, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry["event"] in _WATCHED:
            by_instance[entry["instance_id"]].append(entry)
    for instance_id, mine in by_instance.items():
        instance = session.get(Instance, instance_id)
        if instance is not None:
            _Story(session, instance, mine).tell()


_WATCHED = frozenset({"action", "status", "assigned", "agent_used"})


class _Story:
    """One instance's entries of one transaction, and the notices they make."""

    def __init__(self, session: Session, instance: Instance, entries: list[Entry]):
        self.session, self.instance, self.entries = session, instance, entries

    @property
    def title(self) -> str:
        """The instance's title in the language of the notice being written."""
        return self.instance.shown_title

    def tell(self) -> None:
        for number, entry in enumerate(self.entries):
            if entry["event"] == "action":
                self._action(number, entry)
            elif entry["event"] == "status":
                self._status(entry)
            elif entry["event"] == "agent_used":
                self._agent(entry)

    # -- the entries --------------------------------------------------------------------

    def _action(self, number: int, entry: Entry) -> None:
        action = entry["detail"].get("action")
        actor = self._person(entry["actor_id"])
        if actor is None or entry["task_id"] is None:
            return
        task = self.session.get(Task, entry["task_id"])
        if action in AGREEING and task is not None and task.blocking:
            if actor.id != self.instance.initiator_id:
                self._approved(actor, task)
        elif action == Action.ROLLBACK or (action in REFUSING and self._went_back()):
            self._returned(number, actor, entry["detail"].get("opinion") or "")

    def _approved(self, actor: OAUser, task: Task) -> None:
        who, where = actor.get_full_name(), step(self.instance, task.node_id)
        self._tell_initiator(
            "approved",
            f"approved:{task.id}",
            lambda: gettext(
                "%(person)s approved %(title)s at %(step)s",
                person=who,
                title=self.title,
                step=where,
            ),
        )

    def _returned(self, number: int, actor: OAUser, reason: str) -> None:
        """Whoever the form came back to: the to-dos assigned after the rollback."""
        who = actor.get_full_name()
        arrived = [
            self.session.get(Task, entry["task_id"])
            for entry in self.entries[number + 1 :]
            if entry["event"] == "assigned" and entry["task_id"] is not None
        ]
        for task in [t for t in arrived if t is not None and t.blocking]:
            where = step(self.instance, task.node_id)
            replace_pending(self.session, kind="task", key=f"task:{task.id}")
            tell(
                self.session,
                [task.assignee],
                kind="returned",
                key=f"task:{task.id}",
                link=link(self.instance, task),
                message=lambda where=where: _returned_line(who, self.title, where, reason),
                task_id=task.id,
            )
        if not arrived:  # nobody's to-do came of it: the initiator still hears why
            self._tell_initiator(
                "returned",
                f"returned:{self.instance.id}:{self.instance.audit_count}",
                lambda: gettext(
                    "%(person)s returned %(title)s: %(reason)s",
                    person=who,
                    title=self.title,
                    reason=reason or "—",
                ),
            )

    def _status(self, entry: Entry) -> None:
        to, reason = entry["detail"].get("to"), entry["detail"].get("reason") or ""
        if to == "completed":
            self._tell_initiator(
                "finished",
                f"finished:{self.instance.id}",
                lambda: gettext("Finished: %(title)s went through every step", title=self.title),
            )
        elif to == "terminated":
            actor = self._person(entry["actor_id"])
            if actor is not None and actor.id == self.instance.initiator_id:
                return  # they know
            why = self._last_opinion() or reason
            who = actor.get_full_name() if actor else gettext("the system")
            self._tell_initiator(
                "terminated",
                f"terminated:{self.instance.id}",
                lambda: gettext(
                    "%(person)s terminated %(title)s: %(reason)s",
                    person=who,
                    title=self.title,
                    reason=why or "—",
                ),
            )

    def _agent(self, entry: Entry) -> None:
        principal = self.session.scalar(
            select(OAUser).where(OAUser.username == entry["detail"].get("principal"))
        )
        agent = self.session.scalar(
            select(OAUser).where(OAUser.username == entry["detail"].get("agent"))
        )
        task = self.session.get(Task, entry["task_id"]) if entry["task_id"] else None
        if principal is None or agent is None or task is None:
            return
        who, where = agent.get_full_name(), step(self.instance, task.node_id)
        tell(
            self.session,
            [principal],
            kind="agent",
            key=f"agent:{task.id}",
            link=link(self.instance),
            message=lambda: gettext(
                "Your agent %(person)s handles %(step)s — %(title)s for you (§3.4)",
                person=who,
                step=where,
                title=self.title,
            ),
            task_id=task.id,
        )

    # -- helpers ------------------------------------------------------------------------

    def _tell_initiator(self, kind: str, key: str, message: Callable[[], str]) -> None:
        tell(
            self.session,
            [self.instance.initiator],
            kind=kind,
            key=key,
            link=link(self.instance),
            message=message,
        )

    def _person(self, user_id: int | None) -> OAUser | None:
        return self.session.get(OAUser, user_id) if user_id is not None else None

    def _went_back(self) -> bool:
        """Whether the instance went back to its initiator (a disagree's default, §3.5)."""
        return any(
            e["event"] == "status" and e["detail"].get("to") == "returned" for e in self.entries
        )

    def _last_opinion(self) -> str:
        opinions = [e["detail"].get("opinion") for e in self.entries if e["event"] == "action"]
        return next((o for o in reversed(opinions) if o), "")


def _returned_line(who: str, title: str, where: str, reason: str) -> str:
    return gettext(
        "%(person)s returned %(title)s to you at %(step)s: %(reason)s",
        person=who,
        title=title,
        step=where,
        reason=reason or "—",
    )


def install() -> None:
    """Read every transaction's trail entries at commit (idempotent)."""
    audit.observe(tell_what_happened)
