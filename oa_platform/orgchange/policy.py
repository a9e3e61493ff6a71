"""Who may do what with organisation changes: the one owner of the rule (regulations §2.1.2,
§2.2, §8.4; seed 2 §5.1-§5.2).

- HR and the units (their heads, holders of the Unit Head role) file change requests: the
  shipped definition ``org_change_request``. IT carries out only those: a request somebody
  else filed is refused when IT applies it.
- IT (the Admin role) applies changes and reassigns open tasks in bulk.
- IT, the process designers (IT staff who adjust definitions) and Auditors read the impact
  analysis and the change requests' list. Everyone else gets 404 on those pages.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from oa_platform.accounts.authority import is_admin, role_names
from oa_platform.accounts.models import OAUser
from oa_platform.org.models import Department

FILING_ROLES = frozenset({"HR", "Unit Head", "Admin"})
READING_ROLES = frozenset({"Admin", "Process Designer", "Auditor"})


class OrgChangeNotFoundError(LookupError):
    """The thing does not exist, or the person may not know it does (404)."""


def may_apply(user: OAUser | None) -> bool:
    """Apply a change request and reassign open tasks in bulk: IT only (§2.1.2, §8.4)."""
    return user is not None and is_admin(user)


def may_read(user: OAUser | None) -> bool:
    """See change requests, their deadlines and the impact analysis."""
    return user is not None and bool(role_names(user) & READING_ROLES)


def may_file(session: Session, user: OAUser | None) -> bool:
    """File a change request: HR, or a unit (its head, or a Unit Head) (§8.4, seed 2 §5.1)."""
    if user is None:
        return False
    if role_names(user) & FILING_ROLES:
        return True
    heads = select(Department.id).where(
        (Department.head_id == user.id) | (Department.leader_in_charge_id == user.id)
    )
    return session.scalar(heads.limit(1)) is not None
