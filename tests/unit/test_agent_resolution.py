"""Agent resolution (first §3.4, second §4.4): inclusive date ranges, the forms filter,
chains, loops, deactivated agents and revoked delegations; and the set/revoke rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import oa_platform.agents.models  # noqa: F401  (registers agent_delegation before tables are built)
from form_builder.clock import utcnow
from oa_platform.agents.commands import DelegationError, revoke_delegation, set_delegation
from oa_platform.agents.models import AgentDelegation
from oa_platform.agents.resolve import delegation_chain
from oa_platform.extensions import db
from tests.conftest import user

DAY = date(2030, 5, 10)
HR = "Human resources"


def delegate(principal: str, agent: str, first=DAY, last=DAY, categories=()) -> AgentDelegation:
    """A delegation written straight to the table (the commands' rules are tested apart)."""
    delegation = AgentDelegation(
        principal=user(principal),
        agent=user(agent),
        starts_on=first,
        ends_on=last,
        categories=list(categories),
        include_open=False,
    )
    db.session.add(delegation)
    db.session.flush()
    return delegation


def handler(username: str, on=DAY, category: str | None = HR) -> str:
    """Who handles ``username``'s to-do: the chain's last person, as the engine takes it."""
    chain = delegation_chain(db.session, user(username), category=category, on=on)
    assert chain[0].username == username  # the chain always starts with the assignee
    return chain[-1].username


def test_without_a_delegation_the_assignee_handles_it(demo):
    assert handler("head") == "head"


def test_the_range_includes_both_its_first_and_last_day(demo):
    delegate("head", "finance", first=DAY, last=DAY + timedelta(days=2))
    assert handler("head", on=DAY - timedelta(days=1)) == "head"
    assert handler("head", on=DAY) == "finance"
    assert handler("head", on=DAY + timedelta(days=2)) == "finance"
    assert handler("head", on=DAY + timedelta(days=3)) == "head"


def test_categories_limit_the_delegation_and_empty_means_every_form(demo):
    delegate("head", "finance", categories=["Finance"])
    delegate("staff", "newhire")
    assert handler("head", category="Finance") == "finance"
    assert handler("head", category=HR) == "head"
    assert handler("head", category=None) == "head"
    assert handler("staff", category="Anything") == "newhire"


def test_chains_are_followed_to_the_last_agent(demo):
    delegate("head", "finance")
    delegate("finance", "leader")
    chain = delegation_chain(db.session, user("head"), category=HR, on=DAY)
    assert [u.username for u in chain] == ["head", "finance", "leader"]
    assert handler("head") == "leader"


def test_a_loop_stops_at_the_last_person_before_it(demo):
    delegate("head", "finance")
    delegate("finance", "leader")
    delegate("leader", "head")
    assert handler("head") == "leader"
    assert handler("finance") == "head"
    delegate("staff", "newhire")
    delegate("newhire", "staff")
    assert handler("staff") == "newhire"


def test_a_deactivated_agent_is_skipped(demo):
    delegate("head", "finance")
    user("finance").active = False
    assert handler("head") == "head"


def test_a_deactivated_agent_in_a_chain_ends_the_chain_before_them(demo):
    delegate("head", "finance")
    delegate("finance", "leader")
    leader = user("leader")
    leader.deactivated_at = utcnow()
    assert handler("head") == "finance"


def test_revoked_delegations_are_ignored(demo):
    delegate("head", "finance").revoked_at = utcnow()
    assert handler("head") == "head"


# The commands' rules -----------------------------------------------------------------------


def set_(actor: str, principal: str, agent: str, first=DAY, last=DAY, **kwargs):
    return set_delegation(
        db.session,
        user(actor),
        principal=user(principal),
        agent=user(agent),
        starts_on=first,
        ends_on=last,
        today=DAY,
        **kwargs,
    )


def test_a_person_sets_their_own_agent(demo):
    delegation = set_("head", "head", "finance", categories=[" Finance ", "Finance", ""])
    assert delegation.categories == ["Finance"]
    assert delegation.created_by_id == user("head").id
    assert handler("head", category="Finance") == "finance"


@pytest.mark.parametrize(
    ("actor", "principal", "agent", "first", "last", "message"),
    [
        ("staff", "head", "finance", DAY, DAY, "only for yourself"),
        ("head", "head", "finance", DAY, DAY - timedelta(days=1), "must not be after"),
        ("head", "head", "finance", DAY - timedelta(days=3), DAY - timedelta(days=1), "over"),
        ("head", "head", "head", DAY, DAY, "their own agent"),
    ],
)
def test_refused_delegations_say_why(demo, actor, principal, agent, first, last, message):
    with pytest.raises(DelegationError, match=message):
        set_(actor, principal, agent, first, last)


def test_a_deactivated_user_cannot_be_an_agent(demo):
    user("finance").active = False
    with pytest.raises(DelegationError, match="cannot be an agent"):
        set_("head", "head", "finance")


@pytest.mark.parametrize("role_user", ["hr", "admin"])
def test_hr_and_admin_set_agents_for_anyone(demo, role_user):
    delegation = set_(role_user, "head", "finance")
    assert delegation.principal.username == "head"
    assert delegation.created_by_id == user(role_user).id


def test_overlapping_delegations_for_shared_forms_are_refused(demo):
    set_("head", "head", "finance", DAY, DAY + timedelta(days=5), categories=["Finance"])
    with pytest.raises(DelegationError, match="revoke it first"):
        set_("head", "head", "leader", DAY + timedelta(days=5), DAY + timedelta(days=6))
    # Other forms, or days after the range, are fine.
    set_("head", "head", "leader", DAY, DAY + timedelta(days=5), categories=[HR])
    set_("head", "head", "leader", DAY + timedelta(days=6), DAY + timedelta(days=6))


def test_revoking_ends_the_delegation_and_only_the_principal_or_hr_may(demo):
    delegation = set_("head", "head", "finance")
    with pytest.raises(DelegationError, match="only your own"):
        revoke_delegation(db.session, user("staff"), delegation)
    revoke_delegation(db.session, user("hr"), delegation)
    assert handler("head") == "head"
    with pytest.raises(DelegationError, match="already revoked"):
        revoke_delegation(db.session, user("head"), delegation)
    # Once revoked it no longer blocks a new one for the same days.
    set_("head", "head", "leader")
