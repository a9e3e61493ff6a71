"""The permission sets of database roles, loaded once per request instead of once per check.

Flask-AppBuilder asks the database for every ``has_access`` of a role kept in the database
(menu items, row actions: about 16 queries a page; see ARCHITECTURE.md, "Known costs"). The
platform's seeded roles are built-in and checked in memory; roles an administrator creates
are database roles, and for them this loads every (permission, view) pair of the user's
roles in one query and keeps it on ``flask.g`` for the rest of the request.

The Public role's grants, which Flask-AppBuilder's ``protect`` asks about first on every
REST API call (``is_item_public``: two ORM queries and a lazy load per grant), are kept the
same way, from one statement built once.

A change of roles or permissions takes effect on the next request, and within the request
that made it: any flushed change to a role, a permission, a view or their links empties the
cache (``after_flush``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from flask import g, has_app_context
from flask_appbuilder.security.sqla.models import (
    Permission,
    PermissionView,
    Role,
    ViewMenu,
    assoc_permissionview_role,
)
from sqlalchemy import Select, bindparam, event, select
from sqlalchemy.orm import Session

_KEY = "_oa_role_permissions"
_PUBLIC_KEY = "_oa_public_permissions"
_SECURITY_MODELS = (Role, Permission, PermissionView, ViewMenu)


def permissions(session: Session, role_ids: Iterable[int]) -> frozenset[tuple[str, str]]:
    """Every (permission, view) the roles ``role_ids`` grant, loaded once per request."""
    key = frozenset(role_ids)
    cached: dict[frozenset[int], frozenset[tuple[str, str]]] = g.setdefault(_KEY, {})
    if key not in cached:
        rows = session.execute(
            select(Permission.name, ViewMenu.name)
            .select_from(assoc_permissionview_role)
            .join(
                PermissionView,
                PermissionView.id == assoc_permissionview_role.c.permission_view_id,
            )
            .join(Permission, Permission.id == PermissionView.permission_id)
            .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
            .where(assoc_permissionview_role.c.role_id.in_(key))
        )
        cached[key] = frozenset((permission, view) for permission, view in rows)
    return cached[key]


def public_permissions(session: Session, public_role: str) -> frozenset[tuple[str, str]]:
    """Every (permission, view) the role named ``public_role`` (anyone's) grants, loaded
    once per request."""
    cached: dict[str, frozenset[tuple[str, str]]] = g.setdefault(_PUBLIC_KEY, {})
    if public_role not in cached:
        rows = session.execute(_grants_of_named_role(), {"name": public_role})
        cached[public_role] = frozenset((permission, view) for permission, view in rows)
    return cached[public_role]


@cache
def _grants_of_named_role() -> Select:
    return (
        select(Permission.name, ViewMenu.name)
        .select_from(Role)
        .join(assoc_permissionview_role, assoc_permissionview_role.c.role_id == Role.id)
        .join(
            PermissionView,
            PermissionView.id == assoc_permissionview_role.c.permission_view_id,
        )
        .join(Permission, Permission.id == PermissionView.permission_id)
        .join(ViewMenu, ViewMenu.id == PermissionView.view_menu_id)
        .where(Role.name == bindparam("name"))
    )


def forget() -> None:
    """Drop the request's cached permission sets."""
    g.pop(_KEY, None)
    g.pop(_PUBLIC_KEY, None)


@event.listens_for(Session, "after_flush")
def _forget_on_security_change(session: Session, _context: object) -> None:
    if not has_app_context():
        return
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(item, _SECURITY_MODELS) for item in changed):
        forget()
