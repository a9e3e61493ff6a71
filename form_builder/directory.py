"""What form building needs to know about the organisation, as a protocol.

``form_builder`` never imports the runtime (see ARCHITECTURE.md, "Dependency direction"): the
application passes an implementation (``oa_platform.org.directory.OrgDirectory``) to the
validator, the compiler and the submission handler; tests may pass a simple fake.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol


class Directory(Protocol):
    """Look-ups by the stable names definitions use: user names and department codes."""

    def active_user_exists(self, username: str) -> bool:
        """Whether an active (not deactivated) account has this user name."""

    def role_exists(self, name: str) -> bool: ...

    def department_exists(self, code: str) -> bool:
        """Whether the reference names exactly one department: its code where that is unique
        across companies, or ``COMPANY/CODE``."""

    def department_id(self, code: str) -> int | None:
        """The database id of the department the reference names, or None."""

    def company_exists(self, code: str) -> bool: ...

    def position_exists(self, name: str) -> bool: ...

    def users_named(self, usernames: Collection[str]) -> dict[str, NamedUser]:
        """The accounts among ``usernames`` (exact user names), each with its display name
        and whether a person may choose it (active): user fields show the first and offer
        only those with the second. Absent names are left out."""

    def department_choices(self) -> list[tuple[str, str]]:
        """(``COMPANY/CODE``, display name) of every department, for department pickers."""

    def department_of(self, username: str) -> str | None:
        """The ``COMPANY/CODE`` of the user's department (the "current department" default)."""


@dataclass(frozen=True)
class NamedUser:
    """A user name's display name, and whether a picker may offer the account (an account
    closed when its holder left is still named where it was chosen before)."""

    label: str
    offered: bool


@dataclass(frozen=True)
class Viewer:
    """Who is looking at or filling in a form: decides defaults such as "current user"."""

    username: str
    department: str | None = None
    roles: frozenset[str] = frozenset()
