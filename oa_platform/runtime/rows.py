"""New runtime rows written at once by a Core ``INSERT ... RETURNING id``, then kept as ORM
objects.

The engine needs a new task's or activation's id as soon as it exists (the trail, timers and
notices name it), which an ORM ``add`` only gets from a flush, and a flush scans and writes
everything pending in the session: two or three of them per step were a large share of a
step's cost. Here the row is inserted by a statement compiled once per table, with every
column's value given (so nothing is left to read back), and the object is attached to the
session as persistent: later changes to it are ordinary ORM updates (version-checked for
tasks), flushed with the rest. Its many-to-one relationships and its parent's loaded
collection are set as loaded state, as a flush would have left them.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from flask_appbuilder import Model
from sqlalchemy import Insert, Table, insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

M = TypeVar("M", bound=Model)


def insert_row(
    session: Session,
    model: type[M],
    values: dict[str, Any],
    parents: dict[str, tuple[Any, str | None]] | None = None,
) -> M:
    """Insert a ``model`` row of ``values`` (columns by attribute name; the others take their
    defaults) and return it as a persistent object of ``session``.

    ``parents`` names the many-to-one relationships to set, {name: (parent object, name of
    the parent's collection of these or None)}; a collection already loaded gets the object
    appended, as ``back_populates`` would have done."""
    table: Table = model.__table__
    row = {**_defaults(table), **values}
    # Empty columns are left out, as a flush leaves them (a JSON column given None would hold
    # JSON's null, not SQL's). On the session's connection, with no flush: the row needs
    # only its parents' rows, which exist already.
    given = {key: value for key, value in row.items() if value is not None}
    row["id"] = session.connection().execute(_insert(table), given).scalar_one()
    found = model(**row)
    make_transient_to_detached(found)  # the values given are what the row holds
    session.add(found)
    for name, (parent, collection) in (parents or {}).items():
        set_committed_value(found, name, parent)
        if collection is not None and collection in parent.__dict__:
            set_committed_value(parent, collection, [*parent.__dict__[collection], found])
    return found


@cache
def _insert(table: Table) -> Insert:
    return insert(table).returning(table.c.id)


def _defaults(table: Table) -> dict[str, Any]:
    """Every column but the id, at its default (called now: a timestamp is now)."""
    values = {}
    for column in table.columns:
        if column.primary_key:
            continue
        default = column.default
        if default is None:
            values[column.key] = None
        elif default.is_callable:
            values[column.key] = default.arg(None)
        else:
            values[column.key] = default.arg
    return values
