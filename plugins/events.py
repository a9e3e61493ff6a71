"""Event hooks for integrations that add no node type (pluggy, as pytest and tox use it).

An integration is a module or object with functions marked ``@hookimpl`` and named like the
specs below, registered under the ``oa_platform.events`` entry-point group::

    [project.entry-points."oa_platform.events"]
    crm_sync = "my_package.crm_hooks"

Hooks are called with keyword arguments after the transaction that caused the event has
committed, so an integration never sees, or breaks, a change that was rolled back. A hook
that raises is logged and skipped; the other hooks still run.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

import pluggy

PROJECT = "oa_platform"
GROUP = "oa_platform.events"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
log = logging.getLogger(__name__)


class EventSpecs:
    """The events the runtime announces. Every argument is a plain value (ids, names)."""

    @hookspec
    def instance_started(self, instance_id: int, definition: str, initiator: str) -> None:
        """An instance was submitted and is running."""

    @hookspec
    def instance_finished(self, instance_id: int, definition: str, status: str) -> None:
        """An instance ended: ``status`` is completed, terminated or cancelled."""

    @hookspec
    def task_created(self, task_id: int, instance_id: int, node_id: str, assignee: str) -> None:
        """A person was given a task (a to-do or a copy)."""

    @hookspec
    def task_completed(
        self, task_id: int, instance_id: int, node_id: str, assignee: str, action: str
    ) -> None:
        """A person acted on a task and it is done (``action``: agree, disagree, ...)."""

    @hookspec
    def notified(self, username: str, kind: str, subject: str, link: str) -> None:
        """A person was told something (one line in their language, ``link`` a path on
        the site): what an enterprise messenger (DingTalk, WeCom, Feishu) passes on."""

    @hookspec
    def deadline_passed(
        self, task_id: int, instance_id: int, node_id: str, assignee: str, due_at: str
    ) -> None:
        """A task was not handled in time (regulations §3.3)."""


@functools.cache
def event_manager() -> pluggy.PluginManager:
    """The process-wide manager with every installed integration (loaded on first use)."""
    manager = pluggy.PluginManager(PROJECT)
    manager.add_hookspecs(EventSpecs)
    for point in entry_points(group=GROUP):
        try:
            manager.register(point.load(), name=point.name)
        except Exception:  # a broken integration must not stop the platform
            log.exception("event integration %s (%s) failed to load", point.name, point.value)
    return manager


def announce(events: list[tuple[str, Mapping[str, Any]]]) -> None:
    """Call the hooks for committed events, each integration on its own."""
    manager = event_manager()
    for name, arguments in events:
        for implementation in getattr(manager.hook, name).get_hookimpls():
            # As pluggy does: an implementation takes only the arguments it names.
            wanted = {arg: arguments[arg] for arg in implementation.argnames}
            try:
                implementation.function(**wanted)
            except Exception:  # one integration's failure is not the platform's
                log.exception("event hook %s of %s failed", name, implementation.plugin_name)
