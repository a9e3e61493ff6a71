"""Who may see and do what with notices: the one owner of the rule (regulations §5.1, §8.3).

A live notice (released, not withdrawn, not past its last day) shows to its audience: the
people whose company, department (or a department above theirs), position or user name it
names, or everyone. The publishing side (the author and the head of the publishing unit)
and Auditors see it whatever its state, with its read count; only the head withdraws it.
Everyone else is told it does not exist (404) on every page, the API and the attachments.
"""

from __future__ import annotations

import functools
from datetime import date

from sqlalchemy import Select, and_, bindparam, exists, false, or_, select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from oa_platform.notices.models import Notice, NoticeAudience
from oa_platform.org.models import Company, Department, Position
from oa_platform.runtime.visibility import is_auditor

EVERYONE = ("everyone", "")


@functools.cache
def _units() -> Select:
    """The organisation tree, each unit with its company's code, and the reader's position
    on the row of their own department: the audience keys' one statement (built once)."""
    return (
        select(Department.id, Department.parent_id, Department.code, Company.code, Position.name)
        .join(Company, Company.id == Department.company_id)
        .outerjoin(
            Position,
            and_(Department.id == bindparam("department"), Position.id == bindparam("position")),
        )
    )


class NoticeNotFoundError(LookupError):
    """The notice does not exist, or the person may not know it does (404)."""


def audience_keys(user) -> list[tuple[str, str]]:
    """The audience entries that reach ``user``: everyone, their company, their department
    and every department above it (a unit's notice reaches its sub-units), their position
    and their user name. Read in one statement (the tree is small, and the reader's position
    comes with their department's row), not a query per level: every dashboard asks."""
    from sqlalchemy.orm import object_session

    keys = [EVERYONE, ("user", user.username)]
    session = object_session(user)
    if user.department_id is None:
        if user.position_id is not None:
            keys.append(("position", session.get(Position, user.position_id).name))
        return keys
    units: dict[int, tuple[int | None, str, str]] = {}
    for unit_id, parent_id, code, company, position in session.execute(
        _units(), {"department": user.department_id, "position": user.position_id}
    ):
        units[unit_id] = (parent_id, f"{company}/{code}", company)
        if position is not None:
            keys.append(("position", position))
    unit_id = user.department_id
    keys.append(("company", units[unit_id][2]))
    while unit_id is not None and ("department", units[unit_id][1]) not in keys:
        keys.append(("department", units[unit_id][1]))
        unit_id = units[unit_id][0]
    return keys


def reaches(keys: list[tuple[str, str]] | BindParameter) -> ColumnElement[bool]:
    """A filter on :class:`Notice`: its audience names one of ``keys`` (a list, or an
    expanding bound parameter of (kind, key) pairs: one statement for any reader)."""
    return exists().where(
        NoticeAudience.notice_id == Notice.id,
        tuple_(NoticeAudience.kind, NoticeAudience.key).in_(keys),
    )


def live(on: date) -> ColumnElement[bool]:
    """A filter on :class:`Notice`: released, not withdrawn, not past its last day."""
    return and_(
        Notice.status == "published", or_(Notice.expires_on.is_(None), Notice.expires_on >= on)
    )


def unit_head(department: Department | None):
    """The person who controls what the unit circulates (§5.1): its head, else the nearest
    head above (a unit without a head answers to the one above)."""
    for unit in [department, *department.ancestors()] if department else []:
        if unit.head_id is not None:
            return unit.head
    return None


def headed_units(session: Session, user) -> list[int]:
    """Ids of the departments whose notices ``user`` controls as :func:`unit_head`."""
    departments = session.scalars(select(Department)).all()
    return [unit.id for unit in departments if (head := unit_head(unit)) and head.id == user.id]


def publishing_side(session: Session, user) -> ColumnElement[bool]:
    """A filter on :class:`Notice`: ``user`` wrote it or heads its unit."""
    units = headed_units(session, user)
    return or_(
        Notice.author_id == user.id,
        Notice.department_id.in_(units) if units else false(),
    )


def readable(session: Session, user, on: date) -> ColumnElement[bool]:
    """A filter on :class:`Notice` for what ``user`` may open (``on``: today)."""
    if is_auditor(user):
        return Notice.id.is_not(None)
    return or_(and_(live(on), reaches(audience_keys(user))), publishing_side(session, user))


def openable(session: Session, user, notice_id: int, on: date) -> Notice:
    """The notice, or :class:`NoticeNotFoundError` whether missing or not for ``user``."""
    found = session.scalar(
        select(Notice).where(Notice.id == notice_id, readable(session, user, on))
    )
    if found is None:
        raise NoticeNotFoundError(notice_id)
    return found


def is_publishing_side(session: Session, user, notice: Notice) -> bool:
    return notice.author_id == user.id or notice.department_id in headed_units(session, user)


def may_see_reads(session: Session, user, notice: Notice) -> bool:
    """The read count: the publishing side and Auditors (§5.1: leaders watch their unit)."""
    return is_auditor(user) or is_publishing_side(session, user, notice)


def may_withdraw(session: Session, user, notice: Notice) -> bool:
    """Withdrawal: the head of the publishing unit, while the notice is in force (§5.1)."""
    if notice.status != "published" or notice.department_id is None:
        return False
    head = unit_head(session.get(Department, notice.department_id))
    return head is not None and head.id == user.id
