"""Setting and revoking agents, and moving a principal's open to-dos to their agent.

A person names their own agent; HR and Admin (IT) may name one for anyone, e.g. for a
colleague taken ill. Each command is one unit of work: it commits, or, refused, leaves
nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from form_builder.clock import utcnow
from oa_platform.accounts.models import OAUser
from oa_platform.agents.models import AgentDelegation
from oa_platform.agents.resolve import delegation_chain
from oa_platform.runtime.assignees import is_active
from oa_platform.runtime.engine import Engine
from oa_platform.runtime.models import Task
from oa_platform.runtime.states import LIVE_TASK
from oa_platform.unit_of_work import command
from plugins.registry import node_types

# FAB role names that may set and revoke agents for anyone.
MANAGER_ROLES = frozenset({"HR", "Admin"})


class DelegationError(Exception):
    """A refused command; ``str(error)`` is the message for the person acting."""


def is_manager(user: OAUser) -> bool:
    return any(role.name in MANAGER_ROLES for role in user.roles)


def may_manage(actor: OAUser, principal: OAUser) -> bool:
    """Whether ``actor`` may set or revoke ``principal``'s agents."""
    return actor.id == principal.id or is_manager(actor)


@command
def set_delegation(
    session: Session,
    actor: OAUser,
    *,
    principal: OAUser,
    agent: OAUser,
    starts_on: date,
    ends_on: date,
    categories: Iterable[str] = (),
    include_open: bool = False,
    today: date | None = None,
) -> AgentDelegation:
    """Record that ``agent`` acts for ``principal``; raises :class:`DelegationError`.

    With ``include_open`` and a range that has started, the principal's open to-dos move at
    once; for a later start, :func:`start_due_delegations` moves them on the day.
    """
    today = today or date.today()
    wanted = sorted({c.strip() for c in categories if c and c.strip()})
    if not may_manage(actor, principal):
        raise DelegationError("You may set agents only for yourself.")
    if starts_on > ends_on:
        raise DelegationError("The first day must not be after the last day.")
    if ends_on < today:
        raise DelegationError("The date range is already over; choose days from today on.")
    if agent.id == principal.id:
        raise DelegationError("A person cannot be their own agent.")
    if not is_active(principal):
        raise DelegationError(f"{principal.username} is deactivated and has no to-dos to pass on.")
    if not is_active(agent):
        raise DelegationError(f"{agent.username} is deactivated and cannot be an agent.")
    clash = _overlapping(session, principal, starts_on, ends_on, wanted)
    if clash is not None:
        raise DelegationError(
            f"{principal.username} already has {clash.agent.username} as agent from "
            f"{clash.starts_on} to {clash.ends_on} for some of these forms; revoke it first."
        )
    delegation = AgentDelegation(
        principal=principal,
        agent=agent,
        starts_on=starts_on,
        ends_on=ends_on,
        categories=wanted,
        include_open=include_open,
        created_by_id=actor.id,
    )
    session.add(delegation)
    session.flush()
    if include_open and starts_on <= today:
        _move_for(session, delegation, today, actor_id=actor.id)
    return delegation


@command
def revoke_delegation(
    session: Session, actor: OAUser, delegation: AgentDelegation, *, now: datetime | None = None
) -> None:
    """End a delegation now. To-dos already moved stay with the agent, who may transfer them."""
    if not may_manage(actor, delegation.principal):
        raise DelegationError("You may revoke only your own agents.")
    if delegation.revoked_at is not None:
        raise DelegationError("This delegation is already revoked.")
    delegation.revoked_at = now or utcnow()


@command
def start_due_delegations(session: Session, today: date | None = None) -> list[Task]:
    """Move open to-dos for delegations with ``include_open`` whose range has begun; run
    daily (and safe to run often: each delegation moves its to-dos once)."""
    today = today or date.today()
    due = session.scalars(
        select(AgentDelegation)
        .where(
            AgentDelegation.include_open.is_(True),
            AgentDelegation.tasks_moved_at.is_(None),
            AgentDelegation.revoked_at.is_(None),
            AgentDelegation.starts_on <= today,
            AgentDelegation.ends_on >= today,
        )
        .order_by(AgentDelegation.id)
    ).all()
    moved: list[Task] = []
    for delegation in due:
        if is_active(delegation.agent) and is_active(delegation.principal):
            moved += _move_for(session, delegation, today)
    return moved


def move_open_tasks(
    session: Session,
    principal: OAUser,
    agent: OAUser,
    categories: Iterable[str],
    *,
    on: date | None = None,
    actor_id: int | None = None,
) -> list[Task]:
    """Move ``principal``'s live to-dos of ``categories`` (empty: all) to ``agent`` — or to
    the end of the agent's own chain if the agent is away too; returns the new tasks.

    Each old task is cancelled and a new one created for the handler, on behalf of the
    task's original principal, and audited ``agent_used``.
    """
    on = on or date.today()
    wanted = set(categories)
    tasks = session.scalars(
        select(Task)
        .where(Task.assignee_id == principal.id, Task.status.in_(LIVE_TASK))
        .order_by(Task.id)
    ).all()
    moved: list[Task] = []
    for task in tasks:
        category = task.instance.definition.category
        if wanted and category not in wanted:
            continue
        acting_for = task.principal_id or principal.id
        exclude = {principal.id, acting_for}
        handler = delegation_chain(session, agent, category=category, on=on, exclude=exclude)[-1]
        engine = Engine(session, node_types(), task.instance, actor_id=actor_id)
        reason = f"moved to {principal.username}'s agent {handler.username}"
        new = engine.reassign(task, handler, reason, principal_id=acting_for)
        if new is None:
            continue
        engine.audit(
            "agent_used",
            node_id=task.node_id,
            task_id=new.id,
            detail={"principal": principal.username, "agent": handler.username, "task": task.id},
            system=actor_id is None,
        )
        moved.append(new)
    return moved


def _move_for(
    session: Session, delegation: AgentDelegation, today: date, actor_id: int | None = None
) -> list[Task]:
    moved = move_open_tasks(
        session,
        delegation.principal,
        delegation.agent,
        delegation.categories,
        on=today,
        actor_id=actor_id,
    )
    delegation.tasks_moved_at = utcnow()
    session.flush()
    return moved


def _overlapping(
    session: Session, principal: OAUser, starts_on: date, ends_on: date, categories: list[str]
) -> AgentDelegation | None:
    """A live delegation of ``principal`` sharing a day and a form with the new one."""
    existing = session.scalars(
        select(AgentDelegation).where(
            AgentDelegation.principal_id == principal.id,
            AgentDelegation.revoked_at.is_(None),
            AgentDelegation.starts_on <= ends_on,
            AgentDelegation.ends_on >= starts_on,
        )
    )
    for other in existing:
        # An empty list means every form, so it shares a form with any other list.
        if not other.categories or not categories or set(other.categories) & set(categories):
            return other
    return None
