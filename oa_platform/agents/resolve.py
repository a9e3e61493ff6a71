"""Who handles a to-do on a given day: the assignee, or the agent they named, following
chains (A names B, B on leave names C) and stopping before a chain would loop.

Only active delegations of active agents count: a deactivated person never receives tasks,
so their delegation is skipped as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.accounts.models import OAUser
from oa_platform.agents.models import AgentDelegation
from oa_platform.runtime.assignees import is_active


def current_delegation(
    session: Session, principal: OAUser, *, category: str | None, on: date
) -> AgentDelegation | None:
    """The delegation that applies to ``principal`` for a ``category`` form on ``on``.

    ``set_delegation`` refuses overlaps, so at most one applies; should old data overlap,
    the newest wins.
    """
    candidates = session.scalars(
        select(AgentDelegation)
        .where(
            AgentDelegation.principal_id == principal.id,
            AgentDelegation.starts_on <= on,
            AgentDelegation.ends_on >= on,
            AgentDelegation.revoked_at.is_(None),
        )
        .order_by(AgentDelegation.created_at.desc(), AgentDelegation.id.desc())
    )
    for delegation in candidates:
        if delegation.covers(category, on) and is_active(delegation.agent):
            return delegation
    return None


def delegation_chain(
    session: Session,
    user: OAUser,
    *,
    category: str | None,
    on: date,
    exclude: Iterable[int] = (),
) -> list[OAUser]:
    """``user`` followed by each agent in turn; the last one handles the to-do.

    The chain stops before anyone already in it (or in ``exclude``) would come again: a loop
    (A names B, B names A) leaves the to-do with the last person before the loop.
    """
    chain = [user]
    seen = {user.id, *exclude}
    while delegation := current_delegation(session, chain[-1], category=category, on=on):
        if delegation.agent_id in seen:
            break
        seen.add(delegation.agent_id)
        chain.append(delegation.agent)
    return chain
