"""Periodic agent work run by Celery beat."""

from __future__ import annotations

from oa_platform.extensions import celery, db


@celery.task(name="oa_platform.agents.tasks.start_due_delegations")
def start_due_delegations() -> int:
    """Move open tasks of delegations starting today that asked for it; returns how many."""
    from oa_platform.agents.commands import start_due_delegations as start_due

    return len(start_due(db.session))
