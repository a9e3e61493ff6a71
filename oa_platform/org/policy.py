"""Whom a person may be offered when choosing someone: the one owner of the rule (issue 19).

Every place a person is chosen (transfer, add a signer, My Agents, a deactivated account's
successor, the designer's named assignees, a form's user field) offers the same people:
every active account, never a closed one (an inactive account, or one deactivated when its
holder left, §4.2: a to-do sent there would wait for nobody). The regulations let a handler
transfer to or add anyone in the group (first §3.3, §3.4; seed 2 §4.4), so no unit is hidden
from anyone: the organisation tree is the same for every reader. A rule that narrows the
choice (say, a sales company's staff seeing their own company only) would change
:func:`offered_people` alone; the flat lists and the picker's endpoint both ask it.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from oa_platform.accounts.models import OAUser


def offered_people() -> ColumnElement[bool]:
    """The SQL condition on ``OAUser`` of the accounts any picker may offer."""
    return and_(OAUser.active.is_(True), OAUser.deactivated_at.is_(None))
