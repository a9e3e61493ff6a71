"""The organisation as the designer's assignee pickers see it: users, roles, departments,
positions and companies, each as (the value a definition stores, what a person reads).

``form_builder`` never imports the application (ARCHITECTURE.md, "Dependency direction"): the
application registers an :class:`OrgLookups` factory with :func:`init_app`, as it registers
the ``Directory`` with ``form_builder.services``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy.orm import Session

KINDS = ("users", "roles", "departments", "positions", "companies")
"""The kinds of org unit a picker may ask for, as the assignee rules name them."""

Choice = tuple[str, str]


class OrgLookups(Protocol):
    """Answers the designer's pickers; every list in a stable order for people to scan."""

    def choices(self, kind: str) -> list[Choice]:
        """(stored value, label) of every unit of ``kind`` (one of :data:`KINDS`); users are
        the active ones only, as the validator accepts no other."""


def init_app(app: Flask, lookups: Callable[[Session], OrgLookups]) -> None:
    """Give the designer its org look-ups (call once, while building the app)."""
    app.extensions["form_builder_designer_org"] = lookups


def lookups() -> OrgLookups:
    """The look-ups on the request's database session."""
    return current_app.extensions["form_builder_designer_org"](current_app.appbuilder.session)
