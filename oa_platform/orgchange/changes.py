"""What an organisation change request asks for, read from the request's form values.

The change request is the shipped definition ``org_change_request``
(examples/definitions/org_change_request.json): HR or a unit files it, the department head
confirms it, and IT carries it out (regulations §2.1.2, §8.4). Its form data is the change:
:func:`read_change` turns the values into a :class:`Change` naming the people, departments and
positions it touches, so the impact analysis and the apply command never ask anyone to type
the change again.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext

DEFINITION_KEY = "org_change_request"
# The nodes at which IT carries the change out, one per deadline (§8.4; seed 2 §5.1): their
# ``deadline_hours`` (8, 16, 40: one, two and five working days of the business calendar's
# 8-hour days) give the runtime's §3.3 reminders; ``deadlines`` owns the change's due time.
APPLY_NODES = ("apply", "apply_authority", "register")


class Deadline(enum.StrEnum):
    """How long IT has once the change is confirmed."""

    ORDINARY = "ordinary"  # §8.4: personnel and organisation, 1 working day
    AUTHORITY = "authority"  # §8.4: authority and responsibility, 2 working days
    REGISTRATION = "registration"  # seed 2 §5.1: OA registration within one week


@dataclass(frozen=True)
class Kind:
    """A kind of change: its label, its deadline and which form fields it needs."""

    code: str
    label: object
    deadline: Deadline
    needs: tuple[str, ...]


KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "person_join",
            lazy_gettext("A person joins (OA registration)"),
            Deadline.REGISTRATION,
            ("person", "department"),
        ),
        Kind(
            "person_move",
            lazy_gettext("A person moves to another department"),
            Deadline.ORDINARY,
            ("person", "department"),
        ),
        Kind("person_leave", lazy_gettext("A person leaves"), Deadline.ORDINARY, ("person",)),
        Kind(
            "department_create",
            lazy_gettext("A department is created"),
            Deadline.ORDINARY,
            ("department", "new_code", "new_name"),
        ),
        Kind(
            "department_rename",
            lazy_gettext("A department is renamed"),
            Deadline.ORDINARY,
            ("department", "new_name"),
        ),
        Kind(
            "department_merge",
            lazy_gettext("A department is merged into another"),
            Deadline.ORDINARY,
            ("department", "target_department"),
        ),
        Kind(
            "department_move",
            lazy_gettext("A department moves under another"),
            Deadline.ORDINARY,
            ("department", "target_department"),
        ),
        Kind(
            "head_change",
            lazy_gettext("A department's head changes"),
            Deadline.AUTHORITY,
            ("department", "person"),
        ),
        Kind(
            "leader_change",
            lazy_gettext("A department's leader in charge changes"),
            Deadline.AUTHORITY,
            ("department", "person"),
        ),
        Kind(
            "reset_delegates",
            lazy_gettext("A department's password-reset delegate changes"),
            Deadline.AUTHORITY,
            ("department", "person"),
        ),
        Kind(
            "position_change",
            lazy_gettext("A person's position (approval authority) changes"),
            Deadline.AUTHORITY,
            ("person", "position"),
        ),
        Kind(
            "approval_limit",
            lazy_gettext("An approval limit changes"),
            Deadline.AUTHORITY,
            (),
        ),
    )
}

FIELD_LABELS: dict[str, object] = {
    "person": lazy_gettext("Person"),
    "department": lazy_gettext("Department"),
    "target_department": lazy_gettext("Merged into / new parent"),
    "position": lazy_gettext("Position"),
    "new_code": lazy_gettext("Department code"),
    "new_name": lazy_gettext("Department name (English)"),
}


class ChangeUnreadableError(ValueError):
    """The request's data does not describe a change that can be carried out; the message
    names the field."""


@dataclass(frozen=True)
class Change:
    """One organisation change as the request's form gives it (user names, department codes
    ``COMPANY/CODE`` and position names: what definitions name them by)."""

    kind: Kind
    person: str | None = None
    department: str | None = None
    target_department: str | None = None
    position: str | None = None
    new_code: str | None = None
    new_name: str | None = None
    new_name_zh: str | None = None
    successor: str | None = None
    details: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _text(values: Mapping[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def read_change(values: Mapping[str, Any]) -> Change:
    """The change a request's ``values`` describe, or :class:`ChangeUnreadableError` naming
    the first missing field its kind needs."""
    code = _text(values, "change_kind") or ""
    kind = KINDS.get(code)
    if kind is None:
        raise ChangeUnreadableError(
            str(lazy_gettext("Kind of change: '%(kind)s' is not a kind of change.", kind=code))
        )
    change = Change(
        kind=kind,
        person=_text(values, "person"),
        department=_text(values, "department"),
        target_department=_text(values, "target_department"),
        position=_text(values, "position"),
        new_code=_text(values, "new_code"),
        new_name=_text(values, "new_name"),
        new_name_zh=_text(values, "new_name_zh"),
        successor=_text(values, "successor"),
        details=_text(values, "details") or "",
    )
    for name in kind.needs:
        if getattr(change, name) is None:
            raise ChangeUnreadableError(
                str(
                    lazy_gettext(
                        "%(field)s: a change of this kind needs it.", field=FIELD_LABELS[name]
                    )
                )
            )
    return change
